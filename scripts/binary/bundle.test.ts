import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinShim, leftoverImports } from './builtin-imports-plugin.ts';
import { bundle } from './bundle.ts';

const dir = mkdtempSync(join(tmpdir(), 'minik-bundle-test-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('builtin shim re-exports valid names only, from require', () => {
  const shim = builtinShim('node:fs', ['readFileSync', 'default', 'not-an-identifier', 'constants']);
  assert.match(shim, 'const m = require("node:fs");');
  assert.match(shim, 'export const { readFileSync, constants } = m;');
  assert.not.match(shim, 'not-an-identifier');
});

test('leftover ESM imports are found, requires are fine', () => {
  assert.equal(
    leftoverImports([
      { path: 'node:http2', kind: 'import-statement', external: true },
      { path: 'events', kind: 'require-call', external: true },
      { path: 'x', kind: 'import-statement' },
    ]),
    ['node:http2'],
  );
});

test('an entry with top-level await runs as one CommonJS script under plain node', async () => {
  const out = join(dir, 'main.cjs');
  const result = await bundle(join(import.meta.dirname, 'testdata', 'tla-entry.ts'), out);
  assert.equal(result.addons, []);
  assert.ok(readFileSync(out, 'utf8').startsWith('"use strict";'));
  const printed = execFileSync(process.execPath, [out], { encoding: 'utf8' });
  assert.equal(JSON.parse(printed), { value: 'awaited', emitter: 'function', join: 'a/b', eol: true, hash: '2d711642', metaUrl: true });
});

test('the LevelDB addon is collected as an asset with its hash', async () => {
  const out = join(dir, 'smoke.cjs');
  const result = await bundle(join(import.meta.dirname, 'smoke-entry.ts'), out);
  assert.is(result.addons.length, 1);
  const [addon] = result.addons;
  assert.is(addon.name, 'classic-level');
  assert.match(addon.file, /prebuilds\/linux-x64\/classic-level\.node$/);
  assert.is(addon.asset, `native/classic-level-${addon.sha256.slice(0, 16)}.node`);
});

test.run();
