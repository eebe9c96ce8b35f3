// Step 1 of the single executable: esbuild turns the entry and everything it
// imports into ONE CommonJS file, since Node 20's SEA runs exactly one
// CommonJS script and its `require` only reaches Node's built-in modules.
// esbuild bundles as ESM (so top-level await is allowed) with builtin imports
// turned into requires; the body is then wrapped in an async function.

import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinImportsPlugin, leftoverImports, wrapAsCommonJs } from './builtin-imports-plugin.ts';
import { nativeAddonPlugin, type CollectedAddon } from './native-addon-plugin.ts';

export interface BundleResult {
  outfile: string;
  bytes: number;
  addons: CollectedAddon[];
  warnings: string[];
}

const ROOT = join(import.meta.dirname, '..', '..');
export const NATIVE_LOADER = join(ROOT, 'cli', 'native-loader.ts');

export async function bundle(entry: string, outfile: string, define: Record<string, string> = {}): Promise<BundleResult> {
  const addons = new Map<string, CollectedAddon>();
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    write: false,
    // Identifiers stay readable so stack traces from the field still make sense.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'silent',
    // ESM sources may ask where they are; in the bundle that is the executable.
    banner: { js: 'const __minikImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    define: {
      'import.meta.url': '__minikImportMetaUrl',
      'import.meta.dirname': '__dirname',
      'import.meta.filename': '__filename',
      ...define,
    },
    plugins: [builtinImportsPlugin(), nativeAddonPlugin(NATIVE_LOADER, addons)],
  });
  const output = Object.values(result.metafile.outputs)[0];
  const leftover = leftoverImports(output.imports);
  if (leftover.length) throw new Error(`the bundle still imports ${leftover.join(', ')} as ESM; the single executable can only require them`);
  if (output.exports.length) throw new Error(`the entry exports ${output.exports.join(', ')}; an executable's entry exports nothing`);
  const script = wrapAsCommonJs(result.outputFiles[0].text);
  writeFileSync(outfile, script);
  const bytes = Buffer.byteLength(script);
  return {
    outfile,
    bytes,
    addons: [...addons.values()],
    warnings: result.warnings.map((w) => `${w.location?.file ?? ''}:${w.location?.line ?? ''} ${w.text}`),
  };
}
