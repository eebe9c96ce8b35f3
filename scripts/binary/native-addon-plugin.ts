// esbuild plugin: every `require('node-gyp-build')` (classic-level calls it
// from its binding.js) becomes a call to cli/native-loader.ts with the addon
// that package ships for linux-x64 glibc. The addon file itself is collected
// so the build can put it into the SEA blob as an asset.

import type { Plugin } from 'esbuild';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256Hex, type EmbeddedAddon } from '../../cli/native-loader.ts';

export interface CollectedAddon extends EmbeddedAddon {
  /** file on the build machine that becomes the asset */
  file: string;
}

const NAMESPACE = 'minik-native-addon';

/** The package directory (with package.json) that holds `file`. */
export function packageRootOf(file: string): string {
  let dir = dirname(file);
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`no package.json above ${file}`);
}

/**
 * Picks the glibc build for linux-x64 out of a package's prebuilds folder
 * (node-gyp-build's naming: `<name>[.<tag>...].node`, musl and arm tags skipped).
 */
export function pickLinuxX64Prebuild(files: string[]): string | undefined {
  const candidates = files.filter((f) => f.endsWith('.node') && !/\.(musl|armv\d|uv1)\./.test(f));
  // prefer napi builds (stable across Node versions), then the shortest plain name
  return candidates.sort((a, b) => Number(b.includes('.napi.')) - Number(a.includes('.napi.')) || a.length - b.length)[0];
}

export function nativeAddonPlugin(loaderPath: string, collected: Map<string, CollectedAddon>): Plugin {
  return {
    name: 'minik-native-addon',
    setup(build) {
      build.onResolve({ filter: /^node-gyp-build$/ }, (args) => {
        const root = packageRootOf(args.importer);
        const name = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name as string;
        const prebuildDir = join(root, 'prebuilds', 'linux-x64');
        const pick = existsSync(prebuildDir) ? pickLinuxX64Prebuild(readdirSync(prebuildDir)) : undefined;
        if (!pick) {
          return { errors: [{ text: `${name} loads a native addon but ships no linux-x64 prebuild under ${prebuildDir}` }] };
        }
        const file = join(prebuildDir, pick);
        const sha256 = sha256Hex(readFileSync(file));
        const addon: CollectedAddon = { name, asset: `native/${name}-${sha256.slice(0, 16)}.node`, sha256, file };
        collected.set(addon.asset, addon);
        return { path: name, namespace: NAMESPACE, pluginData: addon };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const { name, asset, sha256 } = args.pluginData as CollectedAddon;
        const embedded: EmbeddedAddon = { name, asset, sha256 };
        // CommonJS, because the caller does `require('node-gyp-build')(__dirname)`.
        return {
          contents: [
            `const { loadEmbeddedAddon } = require(${JSON.stringify(loaderPath)});`,
            `module.exports = function nodeGypBuild() { return loadEmbeddedAddon(${JSON.stringify(embedded)}); };`,
          ].join('\n'),
          loader: 'js',
          resolveDir: dirname(loaderPath),
        };
      });
    },
  };
}
