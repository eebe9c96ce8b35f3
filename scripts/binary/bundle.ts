// Step 1 of the single executable: esbuild turns the entry and everything it
// imports into ONE CommonJS file, since Node 20's SEA runs exactly one
// CommonJS script and its `require` only reaches Node's built-in modules.

import { build } from 'esbuild';
import { join } from 'node:path';
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
    format: 'cjs',
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
    plugins: [nativeAddonPlugin(NATIVE_LOADER, addons)],
  });
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  return {
    outfile,
    bytes,
    addons: [...addons.values()],
    warnings: result.warnings.map((w) => `${w.location?.file ?? ''}:${w.location?.line ?? ''} ${w.text}`),
  };
}
