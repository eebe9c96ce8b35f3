import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOX_RECIPE_FILES, boxCacheRoot, boxFiles, parseTimings, recipeHash } from './box.ts';

const recipe: Record<string, string> = { 'build.sh': 'a', 'customize.sh': 'b', 'initramfs.sh': 'c' };

test('the recipe hash changes when any recipe file changes, and only then', () => {
  const base = recipeHash((n) => recipe[n]);
  assert.is(base, recipeHash((n) => recipe[n]));
  assert.match(base, /^[0-9a-f]{16}$/);
  for (const name of BOX_RECIPE_FILES) {
    assert.is.not(recipeHash((n) => (n === name ? recipe[n] + ' ' : recipe[n])), base, name);
  }
  // Moving bytes from one file to the next is a different recipe too.
  assert.is.not(recipeHash((n) => ({ 'build.sh': 'ab', 'customize.sh': '', 'initramfs.sh': 'c' })[n]!), base);
});

test('every recipe file exists in the checkout', () => {
  const dir = join(import.meta.dirname, '..', '..', 'vagrant', 'box');
  for (const name of BOX_RECIPE_FILES) assert.ok(readFileSync(join(dir, name), 'utf8').startsWith('#!/usr/bin/env bash'), name);
});

test('the cache lives in MINIK_CACHE_DIR, else XDG_CACHE_HOME/minik, else ~/.cache/minik', () => {
  assert.is(boxCacheRoot({ MINIK_CACHE_DIR: '/c' }), '/c/box');
  assert.is(boxCacheRoot({ XDG_CACHE_HOME: '/x' }), '/x/minik/box');
  assert.match(boxCacheRoot({}), /\/\.cache\/minik\/box$/);
  const f = boxFiles('/c/box', 'abc');
  assert.equal([f.disk, f.box, f.key], ['/c/box/abc/disk.qcow2', '/c/box/abc/minik-debian.box', '/c/box/abc/vagrant_insecure_key']);
});

test("build.sh's timings parse, and junk lines are ignored", () => {
  assert.equal(parseTimings('mmdebstrap bookworm\t95.2\nboot\t1.0\nnoise\n\tx\n'), [
    { step: 'mmdebstrap bookworm', seconds: 95.2 },
    { step: 'boot', seconds: 1 },
  ]);
});

test.run();
