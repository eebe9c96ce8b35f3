// minik's Debian box: built by vagrant/box/build.sh from Debian's packages,
// cached in ~/.cache/minik/box/<recipe hash>/ so the second run costs nothing.
// The recipe is the build scripts themselves: change one and the hash (so the
// cache entry) changes; older entries are removed once the new one is built.
//
// Used by `minik box build`, by the Vagrant provider (the libvirt box) and by
// the VM test tier (e2e/vm/: the qcow2 disk as a backing file).

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LabError } from './errors.ts';

/** The files whose bytes are the recipe (under vagrant/box/ of a checkout). */
export const BOX_RECIPE_FILES = ['build.sh', 'customize.sh', 'initramfs.sh'] as const;
/** What Vagrant calls the box (`vagrant box list`). */
export const BOX_NAME = 'minik/debian-bookworm';
const HASH_CHARS = 16;

export interface BoxFiles {
  dir: string;
  /** the bootable disk (qcow2), a backing file for copy-on-write overlays */
  disk: string;
  /** the same disk packed for vagrant-libvirt */
  box: string;
  /** Vagrant's insecure private key (mode 0600), which the box trusts */
  key: string;
  /** "step<TAB>seconds" lines written by build.sh */
  timings: string;
  log: string;
  hash: string;
}

export const boxCacheRoot = (env: Record<string, string | undefined>) =>
  join(env.MINIK_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'minik'), 'box');

/** sha256 over the recipe files' names and bytes (pure: the reader is given). */
export function recipeHash(read: (name: string) => string): string {
  const h = createHash('sha256');
  for (const name of BOX_RECIPE_FILES) h.update(`${name}\0${read(name)}\0`);
  return h.digest('hex').slice(0, HASH_CHARS);
}

export function boxFiles(cacheRoot: string, hash: string): BoxFiles {
  const dir = join(cacheRoot, hash);
  return {
    dir,
    disk: join(dir, 'disk.qcow2'),
    box: join(dir, 'minik-debian.box'),
    key: join(dir, 'vagrant_insecure_key'),
    timings: join(dir, 'timings'),
    log: join(dir, 'build.log'),
    hash,
  };
}

export const boxIsBuilt = (f: BoxFiles) => [f.disk, f.box, f.key].every((p) => existsSync(p));

/** build.sh's "step<TAB>seconds" lines as pairs. */
export function parseTimings(text: string): Array<{ step: string; seconds: number }> {
  return text
    .split('\n')
    .map((line) => line.split('\t'))
    .filter((cols) => cols.length === 2 && cols[1] !== '' && !Number.isNaN(Number(cols[1])))
    .map(([step, seconds]) => ({ step, seconds: Number(seconds) }));
}

export interface EnsureBoxOptions {
  /** the checkout (vagrant/box/ below it) */
  checkout: string;
  env: Record<string, string | undefined>;
  /** each line build.sh prints on stderr ("box: mmdebstrap ..."), for progress */
  onLine?: (line: string) => void;
  /** build even when the cache has it */
  force?: boolean;
}

export interface EnsureBoxResult {
  files: BoxFiles;
  cached: boolean;
  ms: number;
}

/**
 * The box for this checkout's recipe: from the cache, or built now (root,
 * a few minutes; the build's output goes to build.log beside the box).
 */
export async function ensureBox(opts: EnsureBoxOptions): Promise<EnsureBoxResult> {
  const started = Date.now();
  const recipeDir = join(opts.checkout, 'vagrant', 'box');
  const hash = recipeHash((name) => readFileSync(join(recipeDir, name), 'utf8'));
  const root = boxCacheRoot(opts.env);
  const files = boxFiles(root, hash);
  if (!opts.force && boxIsBuilt(files)) return { files, cached: true, ms: Date.now() - started };
  if (process.getuid?.() !== 0) throw new LabError('LAB_NOT_ROOT', 'building the Debian box needs root (mmdebstrap, file ownership in the image)');

  // Built beside its final place, then renamed: a half-built box is never "cached".
  mkdirSync(root, { recursive: true });
  const temp = join(root, `${hash}.building-${process.pid}`);
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp);
  const log = createWriteStream(join(temp, 'build.log'));
  const code = await new Promise<number>((resolve) => {
    const child = spawn('bash', [join(recipeDir, 'build.sh'), temp], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    child.stdout.pipe(log, { end: false });
    let pending = '';
    child.stderr.on('data', (chunk: Buffer) => {
      log.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('box: ')) opts.onLine?.(line.slice(5));
    });
    child.on('error', () => resolve(127));
    child.on('close', (c) => resolve(c ?? 1));
  });
  await new Promise((r) => log.end(r));
  if (code !== 0) {
    const tail = readFileSync(join(temp, 'build.log'), 'utf8').trim().split('\n').slice(-5).join(' | ');
    throw new LabError('LAB_EXEC_FAILED', `vagrant/box/build.sh failed (exit ${code}; log ${join(temp, 'build.log')}): ${tail}`);
  }
  rmSync(files.dir, { recursive: true, force: true });
  renameSync(temp, files.dir);
  // Other recipes' boxes are ~1 GB each and nothing uses them any more.
  for (const name of readdirSync(root)) {
    if (name !== hash && !name.includes('.building-')) rmSync(join(root, name), { recursive: true, force: true });
  }
  return { files, cached: false, ms: Date.now() - started };
}
