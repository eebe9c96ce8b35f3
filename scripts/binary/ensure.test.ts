import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryIsStale, helpCommands, newestMtime } from './ensure.ts';

const dir = mkdtempSync(join(tmpdir(), 'minik-ensure-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function touch(path: string, seconds: number) {
  writeFileSync(path, 'x');
  utimesSync(path, seconds, seconds);
}

test('newest mtime ignores tests and dotfiles', () => {
  mkdirSync(join(dir, 'src', '.hidden'), { recursive: true });
  touch(join(dir, 'src', 'a.ts'), 1000);
  touch(join(dir, 'src', 'a.test.ts'), 5000);
  touch(join(dir, 'src', '.hidden', 'b.ts'), 6000);
  assert.is(newestMtime([join(dir, 'src')]), 1000_000);
});

test('a missing or older binary is stale, a newer one is not', () => {
  const bin = join(dir, 'minik');
  const sources = [join(dir, 'src')];
  assert.ok(binaryIsStale(bin, sources));
  touch(bin, 900);
  assert.ok(binaryIsStale(bin, sources));
  touch(bin, 2000);
  assert.not.ok(binaryIsStale(bin, sources));
});

test('help parsing finds command names, not words in descriptions', () => {
  const help = 'Usage:\n  minik <command>\n\nCommands:\n  status                     Show the apiserver\n  svc create <name>          Create\n  install-service <role>     Write\n';
  const names = helpCommands(help);
  assert.ok(names.has('status') && names.has('svc') && names.has('install-service') && names.has('minik'));
  assert.not.ok(names.has('apiserver'));
});

test.run();
