// Loads a native addon (classic-level's LevelDB binding) that travels inside
// the single executable as a SEA asset. `process.dlopen` needs a real file, so
// the addon is written once to a per-user cache directory under a name that
// carries its hash, then loaded from there on every later start.
//
// The build's esbuild plugin (scripts/binary/native-addon-plugin.ts) replaces
// `node-gyp-build` with a call to `loadEmbeddedAddon`, so classic-level never
// looks for a `prebuilds/` folder that is not there.

import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, constants as osConstants } from 'node:os';
import { join } from 'node:path';

/** What the build embeds for one addon. */
export interface EmbeddedAddon {
  /** package that loads it, e.g. `classic-level` */
  name: string;
  /** SEA asset key */
  asset: string;
  /** hex sha256 of the addon file */
  sha256: string;
}

/** Where addon bytes come from: `node:sea` in the binary, a map in tests. */
export interface AssetSource {
  getAsset(key: string): ArrayBuffer;
}

export type NativeAddonErrorCode =
  | 'MINIK_NATIVE_ASSET_MISSING'
  | 'MINIK_NATIVE_HASH_MISMATCH'
  | 'MINIK_NATIVE_CACHE_UNWRITABLE';

export class NativeAddonError extends Error {
  readonly code: NativeAddonErrorCode;
  constructor(code: NativeAddonErrorCode, message: string) {
    super(message);
    this.name = 'NativeAddonError';
    this.code = code;
  }
}

export const NATIVE_CACHE_ENV = 'MINIK_NATIVE_CACHE';

/**
 * The per-user cache directory: `$MINIK_NATIVE_CACHE`, else
 * `$XDG_CACHE_HOME/minik/native`, else `~/.cache/minik/native`.
 */
export function nativeCacheDir(env: NodeJS.ProcessEnv, home: string): string {
  if (env[NATIVE_CACHE_ENV]) return env[NATIVE_CACHE_ENV]!;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'minik', 'native');
  return join(home, '.cache', 'minik', 'native');
}

/** Used when the preferred directory cannot be written (read-only home, no home). */
export function fallbackCacheDir(uid: number): string {
  return join(tmpdir(), `minik-native-${uid}`);
}

/** Hash in the name: a new build never loads an older addon, two builds never overwrite each other. */
export function cachedAddonPath(dir: string, addon: EmbeddedAddon): string {
  return join(dir, `${addon.name}-${addon.sha256.slice(0, 16)}.node`);
}

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function fileHasHash(path: string, sha256: string): boolean {
  try {
    return sha256Hex(readFileSync(path)) === sha256;
  } catch {
    return false;
  }
}

/**
 * Makes sure the addon sits in `dir` with the right bytes and returns its
 * path. Writes to a unique temp file and renames it, so a concurrent start (an
 * agent and a CLI at once) never loads a half-written file.
 */
export function materializeAddon(addon: EmbeddedAddon, assets: AssetSource, dir: string): string {
  const path = cachedAddonPath(dir, addon);
  // Checked, not trusted: a file someone else left under our name must not be loaded.
  if (fileHasHash(path, addon.sha256)) return path;

  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(assets.getAsset(addon.asset));
  } catch (err) {
    throw new NativeAddonError('MINIK_NATIVE_ASSET_MISSING', `native addon ${addon.name}: asset ${addon.asset} is not embedded in this executable (${(err as Error).message})`);
  }
  if (sha256Hex(bytes) !== addon.sha256) {
    throw new NativeAddonError('MINIK_NATIVE_HASH_MISMATCH', `native addon ${addon.name}: embedded asset does not match its recorded sha256`);
  }
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(temp, bytes, { mode: 0o755 });
    renameSync(temp, path);
  } catch (err) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // the directory itself could not be made; nothing to clean up
    }
    throw new NativeAddonError('MINIK_NATIVE_CACHE_UNWRITABLE', `native addon ${addon.name}: cannot write ${path}: ${(err as Error).message}`);
  }
  return path;
}

export interface LoaderDeps {
  assets: AssetSource;
  env: NodeJS.ProcessEnv;
  home: () => string;
  uid: number;
  dlopen: (module: { exports: unknown }, filename: string, flags?: number) => void;
}

function seaAssets(): AssetSource {
  // Required lazily: only the single executable has assets, and only commands
  // that open LevelDB need them.
  const sea = process.getBuiltinModule?.('node:sea');
  return {
    getAsset(key) {
      if (!sea) throw new Error('node:sea is not available in this Node.js');
      return sea.getAsset(key);
    },
  };
}

function safeHome(): string {
  try {
    return homedir();
  } catch {
    return '';
  }
}

function defaultDeps(): LoaderDeps {
  return {
    assets: seaAssets(),
    env: process.env,
    home: safeHome,
    uid: process.getuid?.() ?? 0,
    dlopen: (module, filename, flags) => process.dlopen(module, filename, flags),
  };
}

const loaded = new Map<string, unknown>();

/** Writes the addon to the cache if needed and loads it; one load per process. */
export function loadEmbeddedAddon(addon: EmbeddedAddon, deps: LoaderDeps = defaultDeps()): unknown {
  const already = loaded.get(addon.sha256);
  if (already) return already;

  const home = deps.home();
  const preferred = nativeCacheDir(deps.env, home || tmpdir());
  let path: string;
  try {
    path = materializeAddon(addon, deps.assets, preferred);
  } catch (err) {
    const explicit = Boolean(deps.env[NATIVE_CACHE_ENV]);
    if (!(err instanceof NativeAddonError) || err.code !== 'MINIK_NATIVE_CACHE_UNWRITABLE' || explicit) throw err;
    const fallback = fallbackCacheDir(deps.uid);
    path = materializeAddon(addon, deps.assets, fallback);
    assertPrivateDir(fallback, deps.uid);
  }
  const module = { exports: {} as unknown };
  deps.dlopen(module, path, osConstants.dlopen.RTLD_NOW);
  loaded.set(addon.sha256, module.exports);
  return module.exports;
}

/** The tmp fallback is shared with other users: only load from a directory we own. */
function assertPrivateDir(dir: string, uid: number): void {
  const stat = statSync(dir);
  if (stat.uid !== uid) {
    throw new NativeAddonError('MINIK_NATIVE_CACHE_UNWRITABLE', `native addon cache ${dir} belongs to uid ${stat.uid}, not ${uid}; set ${NATIVE_CACHE_ENV}`);
  }
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
