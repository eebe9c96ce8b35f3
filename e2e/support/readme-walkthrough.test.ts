import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { forLab, isReadOnly, matchesExpected, normalizeLine, parseWalkthrough } from './readme-walkthrough.ts';

test('the README walkthrough parses into commands with outputs, starting with npm start and ending with minik down', () => {
  const steps = parseWalkthrough(readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8'));
  assert.ok(steps.length >= 20, `${steps.length} steps`);
  assert.is(steps[0].command, 'npm start');
  assert.is(steps[steps.length - 1].command, 'minik down');
  assert.ok(steps.every((s) => s.command.startsWith('minik ') || s.command.startsWith('curl ') || s.command === 'npm start'));
});

test('numbers, addresses, ages and paths are placeholders; words and shape are not', () => {
  assert.is(normalizeLine('web-0   1/1     Running   0          15s   10.244.1.2   node1'), 'web-<n> <n>/<n> Running <n> <age> <ip> node<n>');
  assert.is(normalizeLine('minik: wrote /usr/local/bin/minik, which runs /usr/bin/node x'), 'minik: wrote <path> which runs <path> x');
  assert.ok(matchesExpected(['NAME   AGE', 'web    3m7s'], 'NAME AGE\nweb 45s\n'));
  assert.not.ok(matchesExpected(['NAME   AGE', 'web    3m7s'], 'NAME AGE\nweb 45s\ndb 1s\n'), 'an extra line');
  assert.not.ok(matchesExpected(['service/web created'], 'service/web configured\n'));
  assert.ok(matchesExpected(['Events:', '...', '  Normal IPAllocated 19s  Assigned IP ["192.168.77.200"]', '...'], 'Events:\na\nb\n  Normal IPAllocated 2s Assigned IP ["192.168.83.200"]\nc\n'));
  assert.not.ok(matchesExpected(['...', 'IPAllocated'], 'nothing\n'));
  assert.ok(matchesExpected([], ''));
});

test('the test lab\'s name and LAN replace the README\'s; only looking commands are retried', () => {
  assert.is(forLab('curl -s http://192.168.77.200/', { name: 'mkwalk', lanPrefix: '192.168.83.' }), 'curl -s http://192.168.83.200/');
  assert.is(forLab('Lab minik is up: 3 nodes\n  minik down', { name: 'mkwalk', lanPrefix: '192.168.83.' }), 'Lab mkwalk is up: 3 nodes\n  minik down --name mkwalk');
  assert.ok(isReadOnly('minik get svc -n demo'));
  assert.ok(isReadOnly('curl -s http://x/'));
  assert.not.ok(isReadOnly('minik run web --replicas 3'));
  assert.not.ok(isReadOnly('minik node stop node1'));
});

test.run();
