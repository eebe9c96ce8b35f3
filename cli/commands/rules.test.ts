import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KubeObject } from '../../api/types.ts';
import { harness, node } from './testing.ts';
import { parseTraceUrl } from './trace.ts';

const withMode = (n: KubeObject, mode: string) => ({ ...n, status: { ...(n.status as object), nodeInfo: { proxyMode: mode } } }) as KubeObject;

function lab() {
  const h = harness([withMode(node('node1', '192.168.77.11', true), 'iptables'), withMode(node('node2', '192.168.77.12', true), 'userspace')], {});
  const spawned: string[][] = [];
  h.io.spawnInherited = async (argv) => (spawned.push(argv), 0);
  return { h, spawned };
}

test("rules runs `minik rules --local` on the node, in the mode that node's agent registered with", async () => {
  const { h, spawned } = lab();
  await h.run('rules');
  await h.run('rules', '--node', 'node2', '--service', 'web');
  assert.equal(spawned[0].slice(0, 4), ['ip', 'netns', 'exec', 'minik-node1']);
  assert.equal(spawned[0].slice(-6), ['rules', '--local', '--mode', 'iptables', '--state-dir', '/var/lib/minik/labs/minik/nodes/node1']);
  assert.equal(spawned[1].slice(-8), ['rules', '--local', '--mode', 'userspace', '--state-dir', '/var/lib/minik/labs/minik/nodes/node2', '--service', 'web']);
});

test('rules --local needs --mode; an unknown node is the API error', async () => {
  const { h } = lab();
  assert.match((await h.run('rules', '--local')).err, '--local needs --mode');
  const missing = await h.run('rules', '--node', 'node9');
  assert.is(missing.code, 1);
  assert.match(missing.err, /NotFound/);
});

test('trace URLs: http with default port, udp needs a port, names are refused', () => {
  assert.equal(parseTraceUrl('http://10.96.0.20/'), { ip: '10.96.0.20', port: 80, protocol: 'tcp', url: 'http://10.96.0.20/' });
  assert.equal(parseTraceUrl('udp://10.96.0.30:53').protocol, 'udp');
  assert.throws(() => parseTraceUrl('udp://10.96.0.30'), /needs a port/);
  assert.throws(() => parseTraceUrl('http://web.default/'), /IPv4 address/);
});

test.run();
