// Builds the single executable: `npm run build:binary [-- ENTRY] [--out FILE] [--no-strip]`
//
//   esbuild bundle (one CJS file) → SEA blob with code cache and the native
//   LevelDB addon as an asset → stripped copy of this `node` → postject.
//
// The result runs with no node_modules, no sources and no Node.js beside it.
// Why SEA and not pkg: docs/single-binary.md.

import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundle } from './binary/bundle.ts';
import { buildBlob, injectBlob, prepareBaseBinary, seaConfig } from './binary/sea.ts';

export const ROOT = resolve(import.meta.dirname, '..');
export const DEFAULT_ENTRY = join(ROOT, 'cli', 'main.ts');
export const DEFAULT_OUT = join(ROOT, 'dist', 'minik');

export interface BuildOptions {
  entry?: string;
  out?: string;
  strip?: boolean;
  /** progress lines; silent by default so tests stay quiet */
  log?: (line: string) => void;
}

export interface BuildReport {
  out: string;
  bytes: number;
  bundleBytes: number;
  addons: string[];
  stripped: boolean;
  warnings: string[];
  ms: number;
}

export async function buildBinary(options: BuildOptions = {}): Promise<BuildReport> {
  const started = Date.now();
  const entry = resolve(options.entry ?? DEFAULT_ENTRY);
  const out = resolve(options.out ?? DEFAULT_OUT);
  const log = options.log ?? (() => {});
  mkdirSync(dirname(out), { recursive: true });
  // A private work dir per build: two builds at once never share files.
  const work = mkdtempSync(join(dirname(out), '.sea-build-'));
  try {
    log(`bundle   ${relative(ROOT, entry)}`);
    const bundled = await bundle(entry, join(work, 'main.cjs'));
    for (const w of bundled.warnings) log(`  warning ${w}`);

    const assets = Object.fromEntries(bundled.addons.map((a) => [a.asset, a.file]));
    log(`blob     code cache + ${bundled.addons.length} native addon(s): ${bundled.addons.map((a) => a.name).join(', ') || 'none'}`);
    buildBlob(process.execPath, join(work, 'sea-config.json'), seaConfig(bundled.outfile, join(work, 'sea.blob'), assets));

    const staged = join(work, 'minik');
    const { stripped } = prepareBaseBinary(process.execPath, staged, options.strip ?? true);
    log(`base     ${process.execPath} (${process.version})${stripped ? ', stripped' : ''}`);
    injectBlob(staged, join(work, 'sea.blob'));
    renameSync(staged, out);
    const bytes = statSync(out).size;
    log(`done     ${relative(process.cwd(), out)} ${(bytes / 1e6).toFixed(1)} MB`);
    return {
      out,
      bytes,
      bundleBytes: bundled.bytes,
      addons: bundled.addons.map((a) => a.name),
      stripped,
      warnings: bundled.warnings,
      ms: Date.now() - started,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function cli(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string' }, 'no-strip': { type: 'boolean' } },
  });
  await buildBinary({ entry: positionals[0], out: values.out, strip: !values['no-strip'], log: (l) => console.log(l) });
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  cli(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`build-binary: ${(err as Error).message}`);
    process.exitCode = 1;
  });
}
