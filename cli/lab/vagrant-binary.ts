// The binary every VM runs is <checkout>/dist/minik (the Vagrantfile syncs the
// checkout and provision.sh installs it). Run from a checkout, `minik up
// --provider vagrant` builds it when missing or older than the sources; run
// as the single executable, it puts itself there, so the VMs run exactly the
// minik the user typed.

import { copyFileSync, chmodSync, existsSync, mkdirSync, realpathSync, renameSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { currentProcess, selfExecutable, type SelfProcess } from '../self.ts';
import type { VagrantLabFiles } from './vagrant.ts';

// A variable, not a literal: esbuild must not pull the build (and esbuild
// itself) into the single executable, which never takes this path.
const ENSURE_MODULE = '../../scripts/binary/ensure.ts';
type EnsureModule = typeof import('../../scripts/binary/ensure.ts');

const samePath = (a: string, b: string) => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
};

/** Copies `from` to `to` through a temp file and a rename, so a reader never sees half a binary. */
export function installCopy(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  const temp = `${to}.${process.pid}.tmp`;
  copyFileSync(from, temp);
  chmodSync(temp, 0o755);
  renameSync(temp, to);
}

/** Makes files.binary current; resolves with the line `up` shows. */
export async function ensureVagrantBinary(files: VagrantLabFiles, self: SelfProcess = currentProcess()): Promise<string> {
  const shown = relative(process.cwd(), files.binary) || files.binary;
  const executable = selfExecutable(self);
  if (executable) {
    if (existsSync(files.binary) && samePath(executable, files.binary)) return `${shown} is the running minik`;
    installCopy(executable, files.binary);
    return `Copied the running minik (${executable}) to ${shown}`;
  }
  const { ensureBinary } = (await import(ENSURE_MODULE)) as EnsureModule;
  const { built } = await ensureBinary(undefined, files.binary);
  if (!built) return `${shown} is up to date`;
  return `Built ${shown} (${(built.bytes / 1e6).toFixed(0)} MB in ${(built.ms / 1000).toFixed(0)} s)`;
}
