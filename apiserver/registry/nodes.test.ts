import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Endpoints, Node, Pod } from '../../api/types.ts';
import { rejects } from '../../e2e/support/assert.ts';
import { testApiserver } from '../testing.ts';
import { Nodes } from './nodes.ts';
import { NODE_STATUS_REPORT_MS } from '../../api/layout.ts';

async function setup() {
  const api = await testApiserver();
  let now = 1_000_000;
  const nodes = new Nodes(api.registry, api.allocators, () => now);
  return { ...api, nodes, advance: (ms: number) => (now += ms) };
}

const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;

test('register gives node N the pod CIDR block N whatever the order, and keeps it on re-register', async () => {
  const { nodes, registry } = await setup();
  const b = (await nodes.register({ name: 'node2', internalIP: '192.168.77.12' })) as Node;
  const a = (await nodes.register({ name: 'node1', internalIP: '192.168.77.11' })) as Node;
  const again = (await nodes.register({ name: 'node1', internalIP: '192.168.77.11' })) as Node;
  assert.is(a.spec.podCIDR, '10.244.1.0/24');
  assert.is(b.spec.podCIDR, '10.244.2.0/24');
  assert.is(again.spec.podCIDR, '10.244.1.0/24');
  assert.equal(again.status?.addresses?.find((x) => x.type === 'InternalIP')?.address, '192.168.77.11');
  assert.is(ready(registry.get<Node>('Node', undefined, 'node1')), 'True');
  const named = (await nodes.register({ name: 'worker', internalIP: '192.168.77.13' })) as Node;
  assert.is(named.spec.podCIDR, '10.244.0.0/24', 'a name without a number: the first free block');
  const clash = (await nodes.register({ name: 'rack1', internalIP: '192.168.77.14' })) as Node;
  assert.is(clash.spec.podCIDR, '10.244.3.0/24', 'block 1 is taken: the first free one');
  await registry.delete('Node', undefined, 'node1');
  const c = (await nodes.register({ name: 'other', internalIP: '192.168.77.15' })) as Node;
  assert.is(c.spec.podCIDR, '10.244.1.0/24', 'a deleted node releases its CIDR');
});

test('bad registrations are refused', async () => {
  const { nodes } = await setup();
  await rejects(nodes.register({ name: 'Node_1', internalIP: '192.168.77.11' }), /is invalid/);
  await rejects(nodes.register({ name: 'node1', internalIP: 'eth0' }), /valid IPv4/);
  await rejects(nodes.heartbeat('ghost'), /nodes "ghost" not found/);
});

test('three missed heartbeats make a node NotReady and its pods not ready; a heartbeat brings it back', async () => {
  const { nodes, registry, request, advance } = await setup();
  await nodes.register({ name: 'node1', internalIP: '192.168.77.11' });
  await nodes.register({ name: 'node2', internalIP: '192.168.77.12' });
  await request('POST', '/api/v1/namespaces/default/services', {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
  });
  // Pod IPs from each node's own pod CIDR (status writes outside it are refused).
  for (const [name, node, ip] of [['p1', 'node1', '10.244.1.2'], ['p2', 'node2', '10.244.2.2']]) {
    await request('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { nodeName: node, containers: [{ name: 'c', image: 'echo' }] },
    });
    await registry.updateStatus('Pod', 'default', name, { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] });
  }
  advance(2500);
  await nodes.heartbeat('node2');
  await nodes.checkNodes();
  assert.is(ready(registry.get<Node>('Node', undefined, 'node1')), 'True', 'two and a half missed beats are not enough');
  advance(1000);
  await nodes.checkNodes();
  assert.is(ready(registry.get<Node>('Node', undefined, 'node1')), 'Unknown');
  assert.is(ready(registry.get<Node>('Node', undefined, 'node2')), 'True');
  const pod = registry.get<Pod>('Pod', 'default', 'p1');
  assert.is(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  const eps = registry.get<Endpoints>('Endpoints', 'default', 'web');
  assert.equal(eps.subsets?.flatMap((s) => (s.addresses ?? []).map((a) => a.ip)), ['10.244.2.2']);
  assert.equal(eps.subsets?.flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)), ['10.244.1.2']);

  await nodes.heartbeat('node1');
  assert.is(ready(registry.get<Node>('Node', undefined, 'node1')), 'True');
});

test('a Ready node shows its last heartbeat, refreshed every NODE_STATUS_REPORT_MS with one write and no event', async () => {
  const { nodes, registry, advance } = await setup();
  await nodes.register({ name: 'node1', internalIP: '192.168.77.11' });
  const registered = registry.get<Node>('Node', undefined, 'node1');
  const condition = (n: Node) => n.status!.conditions!.find((c) => c.type === 'Ready')!;
  const events = () => registry.store.list('Event').length;
  const eventsBefore = events();
  const beat = async (times: number) => {
    for (let i = 0; i < times; i++) {
      advance(1000);
      await nodes.heartbeat('node1');
      await nodes.checkNodes();
    }
  };
  await beat(NODE_STATUS_REPORT_MS / 1000 - 1);
  assert.is(registry.get<Node>('Node', undefined, 'node1').metadata.resourceVersion, registered.metadata.resourceVersion, 'no write before the period');
  await beat(1);
  const reported = registry.get<Node>('Node', undefined, 'node1');
  assert.is(condition(reported).lastHeartbeatTime, new Date(1_000_000 + NODE_STATUS_REPORT_MS).toISOString().replace('.000Z', 'Z'));
  assert.is(condition(reported).lastTransitionTime, condition(registered).lastTransitionTime, 'still the same transition');
  assert.is(condition(reported).status, 'True');
  assert.is.not(reported.metadata.resourceVersion, registered.metadata.resourceVersion);
  assert.is(events(), eventsBefore, 'a heartbeat report is not an event');
  await beat(1);
  assert.is(registry.get<Node>('Node', undefined, 'node1').metadata.resourceVersion, reported.metadata.resourceVersion, 'one write per period');
});

test('pods without a node go to the Ready node with the fewest pods, or wait for one', async () => {
  const { nodes, registry, request } = await setup();
  const mk = (name: string) =>
    request('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'echo' }] },
    });
  await mk('early');
  assert.is(registry.get<Pod>('Pod', 'default', 'early').spec.nodeName, undefined);
  await nodes.register({ name: 'node1', internalIP: '192.168.77.11' });
  assert.is(registry.get<Pod>('Pod', 'default', 'early').spec.nodeName, 'node1', 'scheduled once a node is Ready');
  await nodes.register({ name: 'node2', internalIP: '192.168.77.12' });
  await mk('p1');
  await mk('p2');
  await mk('p3');
  const placement = ['p1', 'p2', 'p3'].map((n) => registry.get<Pod>('Pod', 'default', n).spec.nodeName);
  assert.equal(placement, ['node2', 'node1', 'node2']);
});

test.run();
