import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cachedAddonPath,
  loadEmbeddedAddon,
  materializeAddon,
  nativeCacheDir,
  NativeAddonError,
  sha256Hex,
  type AssetSource,
  type EmbeddedAddon,
  type LoaderDeps,
} from './native-loader.ts';

const REAL_ADDON = join(import.meta.dirname, '..', 'node_modules', 'classic-level', 'prebuilds', 'linux-x64', 'classic-level.node');
const realBytes = readFileSync(REAL_ADDON);
const realAddon: EmbeddedAddon = { name: 'classic-level', asset: 'native/classic-level.node', sha256: sha256Hex(realBytes) };

const scratch = mkdtempSync(join(tmpdir(), 'minik-native-test-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

function mapAssets(entries: Record<string, Uint8Array>): AssetSource & { reads: number } {
  const source = {
    reads: 0,
    getAsset(key: string): ArrayBuffer {
      source.reads++;
      const bytes = entries[key];
      if (!bytes) throw new Error(`no asset ${key}`);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
  return source;
}

test('cache dir: env override, then XDG, then home', () => {
  assert.is(nativeCacheDir({ MINIK_NATIVE_CACHE: '/x/y', XDG_CACHE_HOME: '/xdg' }, '/home/u'), '/x/y');
  assert.is(nativeCacheDir({ XDG_CACHE_HOME: '/xdg' }, '/home/u'), '/xdg/minik/native');
  assert.is(nativeCacheDir({}, '/home/u'), '/home/u/.cache/minik/native');
});

test('cached file name carries the hash, so builds never share a file', () => {
  const a = cachedAddonPath('/c', { name: 'classic-level', asset: 'a', sha256: 'ab'.repeat(32) });
  const b = cachedAddonPath('/c', { name: 'classic-level', asset: 'a', sha256: 'cd'.repeat(32) });
  assert.is(a, `/c/classic-level-${'ab'.repeat(8)}.node`);
  assert.is.not(a, b);
});

test('materialize writes once, then reuses the file without reading the asset', () => {
  const dir = join(scratch, 'once');
  const bytes = new TextEncoder().encode('not really an addon');
  const addon = { name: 'demo', asset: 'native/demo.node', sha256: sha256Hex(bytes) };
  const assets = mapAssets({ 'native/demo.node': bytes });
  const first = materializeAddon(addon, assets, dir);
  assert.equal(new Uint8Array(readFileSync(first)), bytes);
  const second = materializeAddon(addon, assets, dir);
  assert.is(second, first);
  assert.is(assets.reads, 1);
  assert.equal(readdirSync(dir), [first.split('/').pop()], 'no temp files left behind');
});

test('a tampered cached file is replaced, not loaded', () => {
  const dir = join(scratch, 'tampered');
  const bytes = new TextEncoder().encode('good bytes');
  const addon = { name: 'demo', asset: 'k', sha256: sha256Hex(bytes) };
  mkdirSync(dir, { recursive: true });
  writeFileSync(cachedAddonPath(dir, addon), 'evil');
  const path = materializeAddon(addon, mapAssets({ k: bytes }), dir);
  assert.is(readFileSync(path, 'utf8'), 'good bytes');
});

test('errors carry stable codes: missing asset, hash mismatch', () => {
  const addon = { name: 'demo', asset: 'missing', sha256: '00'.repeat(32) };
  try {
    materializeAddon(addon, mapAssets({}), join(scratch, 'e1'));
    assert.unreachable();
  } catch (err) {
    assert.instance(err, NativeAddonError);
    assert.is((err as NativeAddonError).code, 'MINIK_NATIVE_ASSET_MISSING');
  }
  try {
    materializeAddon({ ...addon, asset: 'k' }, mapAssets({ k: new Uint8Array([1, 2]) }), join(scratch, 'e2'));
    assert.unreachable();
  } catch (err) {
    assert.is((err as NativeAddonError).code, 'MINIK_NATIVE_HASH_MISMATCH');
  }
});

test('unwritable preferred dir falls back to a private tmp dir', () => {
  // root writes through mode bits, so "unwritable" is a path below a regular file
  const blocker = join(scratch, 'blocker');
  writeFileSync(blocker, 'a file, so nothing can be created below it');
  const bytes = new TextEncoder().encode('x');
  const addon = { name: `fallback-test-${process.pid}`, asset: 'k', sha256: sha256Hex(bytes) };
  let opened = '';
  const deps: LoaderDeps = {
    assets: mapAssets({ k: bytes }),
    env: { XDG_CACHE_HOME: join(blocker, 'sub') },
    home: () => '/nonexistent',
    uid: process.getuid?.() ?? 0,
    dlopen: (module, filename) => {
      opened = filename;
      module.exports = { fake: true };
    },
  };
  const exports = loadEmbeddedAddon(addon, deps);
  assert.equal(exports, { fake: true });
  assert.ok(opened.startsWith(join(tmpdir(), `minik-native-${deps.uid}`)), opened);
  rmSync(opened, { force: true });
});

test('explicit MINIK_NATIVE_CACHE that cannot be written is an error, not a silent fallback', () => {
  const blocker = join(scratch, 'blocker2');
  writeFileSync(blocker, '');
  const bytes = new TextEncoder().encode('y');
  try {
    loadEmbeddedAddon(
      { name: 'explicit', asset: 'k', sha256: sha256Hex(bytes) },
      { assets: mapAssets({ k: bytes }), env: { MINIK_NATIVE_CACHE: join(blocker, 'x') }, home: () => '/h', uid: 0, dlopen: () => {} },
    );
    assert.unreachable();
  } catch (err) {
    assert.is((err as NativeAddonError).code, 'MINIK_NATIVE_CACHE_UNWRITABLE');
  }
});

test('the real classic-level addon loads from the cache with process.dlopen', () => {
  const dir = join(scratch, 'real');
  const binding = loadEmbeddedAddon(realAddon, {
    assets: mapAssets({ [realAddon.asset]: realBytes }),
    env: { MINIK_NATIVE_CACHE: dir },
    home: () => '/nonexistent',
    uid: process.getuid?.() ?? 0,
    dlopen: (module, filename, flags) => process.dlopen(module, filename, flags),
  }) as Record<string, unknown>;
  assert.type(binding.db_init, 'function');
  chmodSync(dir, 0o700);
});

test.run();
