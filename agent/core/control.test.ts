// The agent's control half against the real apiserver (registry, Nodes,
// gRPC server over the in-memory store): fatal watch errors stop Ready,
// heartbeats that fail are visible, and a deleted Node comes back with the
// pod CIDR the node already uses.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MinikGrpcClient } from '../../api/grpc-client.ts';
import type { Node } from '../../api/types.ts';
import { watch } from '../../api/watch-client.ts';
import { startGrpcServer, type GrpcServer } from '../../apiserver/grpc/server.ts';
import { waitFor } from '../../apiserver/grpc/test-support.ts';
import { Nodes } from '../../apiserver/registry/nodes.ts';
import { TEST_TOKEN, testApiserver } from '../../apiserver/testing.ts';
import { NODE_STATUS_REPORT_MS } from '../../api/layout.ts';
import { type Control, startControl } from './control.ts';

interface Setup {
  api: Awaited<ReturnType<typeof testApiserver>>;
  nodes: Nodes;
  server: GrpcServer;
  grpc: MinikGrpcClient;
  now: { ms: number };
  controls: Control[];
}

let s: Setup;

test.before.each(async () => {
  const api = await testApiserver();
  const now = { ms: Date.now() };
  const nodes = new Nodes(api.registry, api.allocators, () => now.ms);
  const server = await startGrpcServer({ listen: '127.0.0.1:0', source: api.store, nodes, token: TEST_TOKEN });
  // The test's server has no certificate: its clients say plaintext explicitly.
  const grpc = new MinikGrpcClient({ address: `127.0.0.1:${server.port}`, token: TEST_TOKEN, plaintext: true });
  s = { api, nodes, server, grpc, now, controls: [] };
});

test.after.each(async () => {
  for (const c of s.controls) await c.close();
  s.grpc.close();
  await s.server.close();
});

function control(node: Node, opts: { watchToken?: string; beats?: { n: number } } = {}) {
  const logs: string[] = [];
  const syncs: string[][] = [];
  const c = startControl({
    node,
    registration: { name: node.metadata.name, internalIP: '10.0.0.1' },
    nodeService: {
      register: (r) => s.grpc.register(r),
      heartbeat: async (name) => {
        if (opts.beats) opts.beats.n++;
        await s.grpc.heartbeat(name);
      },
    },
    watch: (h) => watch({ address: `127.0.0.1:${s.server.port}`, token: opts.watchToken ?? TEST_TOKEN, plaintext: true, backoff: { initialMs: 5, maxMs: 20 }, ...h }),
    kinds: ['Node', 'Service'],
    sync: async (changed) => void syncs.push([...changed]),
    log: (l) => logs.push(l),
    heartbeatMs: 10,
  });
  s.controls.push(c);
  return { c, logs, syncs };
}

const ready = (name: string) =>
  s.api.store.get<Node>('Node', undefined, name)?.status?.conditions?.find((c) => c.type === 'Ready')?.status;

test('the first snapshot starts the sync loop', async () => {
  const node = await s.grpc.register({ name: 'n1', internalIP: '10.0.0.1' });
  const { syncs } = control(node);
  await waitFor(() => syncs.length > 0, 'a sync');
  assert.equal(syncs[0].sort(), ['Node', 'Service']);
});

test("the apiserver's periodic heartbeat report reaches the cache but starts no sync", async () => {
  const node = await s.grpc.register({ name: 'n1', internalIP: '10.0.0.1' });
  const { c, syncs } = control(node);
  await waitFor(() => syncs.length > 0, 'the first sync');
  const beatOf = (n?: Node) => n?.status?.conditions?.find((x) => x.type === 'Ready')?.lastHeartbeatTime;
  const first = beatOf(c.cache.get<Node>('Node', undefined, 'n1'));
  s.now.ms += NODE_STATUS_REPORT_MS;
  await s.grpc.heartbeat('n1');
  await s.nodes.checkNodes();
  await waitFor(() => beatOf(c.cache.get<Node>('Node', undefined, 'n1')) !== first, 'the report in the cache');
  await new Promise((r) => setTimeout(r, 50));
  assert.is(syncs.length, 1, `no sync for a heartbeat report: ${JSON.stringify(syncs)}`);
  await s.api.registry.delete('Node', undefined, 'n1'); // a real Node change
  await waitFor(() => syncs.length > 1, 'a sync for a real Node change');
  assert.ok(syncs[1].includes('Node'));
});

test('a watch that stops for good (token rejected) is fatal: one clear line, no more heartbeats, the node goes NotReady', async () => {
  const node = await s.grpc.register({ name: 'n1', internalIP: '10.0.0.1' });
  const beats = { n: 0 };
  const { c } = control(node, { watchToken: 'an-old-token', beats });
  const fatal = await c.fatal;
  assert.is(fatal.code, 'WATCH_STOPPED');
  assert.is(fatal.message, 'watch stopped for good: Unauthorized: the server rejected the token; the node stops reporting Ready');
  assert.ok(c.unhealthy());
  const before = beats.n;
  await new Promise((r) => setTimeout(r, 60));
  assert.is(beats.n, before, 'heartbeats stopped');
  s.now.ms += 4000;
  await s.nodes.checkNodes();
  assert.is(ready('n1'), 'Unknown', 'the apiserver no longer calls the node Ready');
});

test('a deleted Node registers again with the pod CIDR its bridge already uses', async () => {
  const n0 = await s.grpc.register({ name: 'n0', internalIP: '10.0.0.9' });
  const node = await s.grpc.register({ name: 'n1', internalIP: '10.0.0.1' });
  const cidr = node.spec.podCIDR!;
  assert.is.not(cidr, n0.spec.podCIDR);
  const { c, logs } = control(node);
  assert.is((await s.api.request('DELETE', `/api/v1/nodes/${n0.metadata.name}`)).status, 200); // frees the lower CIDR
  assert.is((await s.api.request('DELETE', '/api/v1/nodes/n1')).status, 200);
  await waitFor(() => s.api.store.get<Node>('Node', undefined, 'n1') !== undefined, 'n1 registered again');
  assert.is(s.api.store.get<Node>('Node', undefined, 'n1')!.spec.podCIDR, cidr, 'not the lower one n0 freed');
  await waitFor(() => logs.includes(`registered n1 again, keeping pod CIDR ${cidr}`), 'the log line');
  assert.is(c.unhealthy(), undefined);
});

test('when its pod CIDR went to another node meanwhile, the agent stops with one clear line instead of running on a stale bridge', async () => {
  const node = await s.grpc.register({ name: 'n1', internalIP: '10.0.0.1' });
  const { c } = control(node);
  await c.heartbeater.stop(); // hold beats while the CIDR changes hands
  await s.api.request('DELETE', '/api/v1/nodes/n1');
  // A name ending in the block's index prefers that block (node order), so this one takes n1's freed CIDR.
  const block = node.spec.podCIDR!.split('.')[2];
  const thief = await s.grpc.register({ name: `thief${block}`, internalIP: '10.0.0.2' });
  assert.is(thief.spec.podCIDR, node.spec.podCIDR);
  const { c: again } = control(node);
  const fatal = await again.fatal;
  assert.is(fatal.code, 'POD_CIDR_CHANGED');
  const now = s.api.store.get<Node>('Node', undefined, 'n1')!.spec.podCIDR;
  assert.is(fatal.message, `node n1 was registered again with pod CIDR ${now}, but its bridge and pods use ${node.spec.podCIDR}: restart the agent to re-address them`);
  assert.ok(again.unhealthy(), 'no longer Ready');
});

test.run();
