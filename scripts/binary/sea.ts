// Steps 2-4 of the single executable: the SEA preparation blob (made by the
// same `node` that is then copied, so the code cache matches its V8), a
// stripped copy of that `node`, and postject writing the blob into it.

import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The sentinel Node's SEA support looks for; flipped by postject when a blob is injected. */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
export const SEA_RESOURCE = 'NODE_SEA_BLOB';

export interface SeaConfig {
  main: string;
  output: string;
  disableExperimentalSEAWarning: true;
  useSnapshot: false;
  useCodeCache: true;
  assets: Record<string, string>;
}

export function seaConfig(main: string, blob: string, assets: Record<string, string>): SeaConfig {
  return { main, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: true, assets };
}

/** Runs a build tool quietly; its output is shown only when it fails. */
function runQuiet(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as Error & { stdout?: Buffer; stderr?: Buffer };
    // the tail only: a syntax error would otherwise print a whole minified line
    const output = `${e.stdout ?? ''}${e.stderr ?? e.message}`.slice(-3000);
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${output}`);
  }
}

export function buildBlob(node: string, configPath: string, config: SeaConfig): void {
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  runQuiet(node, ['--experimental-sea-config', configPath]);
}

function commandExists(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Copies `node` to `target` and strips its symbols (≈ 10 MB) when `strip` is there. */
export function prepareBaseBinary(node: string, target: string, wantStrip: boolean): { stripped: boolean } {
  copyFileSync(node, target);
  chmodSync(target, 0o755);
  const stripped = wantStrip && commandExists('strip');
  if (stripped) execFileSync('strip', ['--strip-all', target], { stdio: 'inherit' });
  return { stripped };
}

/**
 * postject's CLI in a child process rather than its JS API: its ELF library
 * prints harmless warnings about the many notes in Node's binary straight to
 * stderr, which a child lets us keep out of the build log.
 */
export function injectBlob(target: string, blob: string): void {
  const cli = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  runQuiet(process.execPath, [cli, target, SEA_RESOURCE, blob, '--sentinel-fuse', SEA_FUSE]);
}
