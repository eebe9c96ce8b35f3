// Putting `minik` on PATH, as k3s's installer does: `npm start` writes a small
// launcher, /usr/local/bin/minik, that runs this same minik (the checkout's
// bin/minik.js under node, or the single executable), so `minik` works in any new shell.
// `minik uninstall` removes it again. A file we did not write is never
// touched: the launcher carries a marker line.

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_BIN_DIR = '/usr/local/bin';
export const LAUNCHER_MARKER = '# minik launcher: written by `npm start` (remove with `minik uninstall`)';

export const binDirOf = (env: Record<string, string | undefined>) => env.MINIK_BIN_DIR || DEFAULT_BIN_DIR;

const shellQuote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** The launcher's text: exec the argv that runs this minik (the single executable, or node and the checkout's bin/minik.js). Pure. */
export function launcherScript(selfArgv: string[]): string {
  return ['#!/bin/sh', LAUNCHER_MARKER, `exec ${selfArgv.map(shellQuote).join(' ')} "$@"`, ''].join('\n');
}

export class LauncherError extends Error {
  readonly code = 'LAUNCHER_NOT_OURS';
}

const ours = (path: string) => {
  try {
    return readFileSync(path, 'utf8').includes(LAUNCHER_MARKER);
  } catch {
    return false;
  }
};

/** Writes (or refreshes) the launcher; refuses to replace someone else's `minik`. Returns its path. */
export function installLauncher(binDir: string, selfArgv: string[]): { path: string; replaced: boolean } {
  const path = join(binDir, 'minik');
  const existed = existsSync(path);
  if (existed && !ours(path)) throw new LauncherError(`${path} exists and was not written by minik: remove it, or set MINIK_BIN_DIR to another directory on PATH`);
  mkdirSync(binDir, { recursive: true });
  writeFileSync(`${path}.tmp`, launcherScript(selfArgv));
  chmodSync(`${path}.tmp`, 0o755);
  renameSync(`${path}.tmp`, path);
  return { path, replaced: existed };
}

/** Removes our launcher; false when there was none. Someone else's file is refused. */
export function uninstallLauncher(binDir: string): boolean {
  const path = join(binDir, 'minik');
  if (!existsSync(path)) return false;
  if (!ours(path)) throw new LauncherError(`${path} was not written by minik: left alone`);
  rmSync(path);
  return true;
}
