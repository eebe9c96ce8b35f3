import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { harness, node, TEST_NOW } from './testing.ts';
import { statusRows } from './status.ts';
import type { Node } from '../../api/types.ts';

test('status: exit 0 when every node is Ready', async () => {
  const h = harness([node('node1', '192.168.77.11', true, '10.244.0.0/24'), node('node2', '192.168.77.12', true, '10.244.1.0/24')]);
  const r = await h.run('status');
  assert.is(r.code, 0);
  assert.is(
    r.out,
    [
      'apiserver: http://apiserver.test:6443 (ok)',
      'NODE    STATUS   INTERNAL-IP     POD-CIDR        AGE',
      'node1   Ready    192.168.77.11   10.244.0.0/24   5m',
      'node2   Ready    192.168.77.12   10.244.1.0/24   5m',
      '',
    ].join('\n'),
  );
  assert.is(r.err, '');
});

test('status: non-zero when a node is NotReady, or when there are no nodes', async () => {
  let h = harness([node('node1', '192.168.77.11', true), node('node2', '192.168.77.12', false)]);
  let r = await h.run('status');
  assert.is(r.code, 1);
  assert.match(r.out, /node2\s+NotReady/);
  assert.is(r.err, 'not ready: node2\n');
  h = harness();
  r = await h.run('status');
  assert.equal([r.code, r.err], [1, 'no nodes have registered yet\n']);
});

test('status: unreachable server is an error, exit 1', async () => {
  const h = harness();
  const err: string[] = [];
  const { runCli } = await import('./run-cli.ts');
  const code = await runCli(['status'], { ...h.io, err: (t) => void err.push(t), fetch: async () => { throw new TypeError('fetch failed'); } });
  assert.is(code, 1);
  assert.match(err[0], /^Unable to connect to the server: /);
});

test('status: a node whose agent is dead is not Ready, a stopped one says how to bring it back', () => {
  const nodes = [node('node1', '192.168.77.11', true, '10.244.1.0/24'), node('node2', '192.168.77.12', true, '10.244.2.0/24'), node('node3', '192.168.77.13', false, '10.244.3.0/24')] as Node[];
  const live = new Map([
    ['node1', { running: true, pid: 4242, stopped: false }],
    ['node2', { running: false, stopped: false }],
    ['node3', { running: false, stopped: true }],
  ]);
  const { headers, rows, notReady } = statusRows(nodes, TEST_NOW, live);
  assert.equal(headers, ['NODE', 'STATUS', 'INTERNAL-IP', 'POD-CIDR', 'AGE', 'AGENT']);
  assert.equal(rows.map((r) => [r[0], r[1], r[5]]), [
    ['node1', 'Ready', 'running (pid 4242)'],
    ['node2', 'NotReady', 'not running (minik up restarts it)'],
    ['node3', 'NotReady', 'stopped (minik node start node3)'],
  ]);
  assert.equal(notReady, ['node2', 'node3']);
  assert.equal(statusRows(nodes, TEST_NOW).headers.length, 5, 'no lab on this machine: no AGENT column');
});

test.run();
