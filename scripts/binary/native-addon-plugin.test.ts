import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { packageRootOf, pickLinuxX64Prebuild } from './native-addon-plugin.ts';

test('picks the glibc build, never musl or arm', () => {
  assert.is(pickLinuxX64Prebuild(['classic-level.musl.node', 'classic-level.node']), 'classic-level.node');
  assert.is(pickLinuxX64Prebuild(['x.armv7.node', 'x.glibc.node']), 'x.glibc.node');
  assert.is(pickLinuxX64Prebuild(['x.musl.node']), undefined);
  assert.is(pickLinuxX64Prebuild(['README.md']), undefined);
});

test('prefers a napi build, which works with any Node version', () => {
  assert.is(pickLinuxX64Prebuild(['node.abi115.node', 'node.napi.node']), 'node.napi.node');
});

test('finds the package that requires node-gyp-build', () => {
  const root = join(import.meta.dirname, '..', '..', 'node_modules', 'classic-level');
  assert.is(packageRootOf(join(root, 'binding.js')), root);
});

test.run();
