import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Event } from '../api/types.ts';
import { recordEventTx, MAX_EVENTS, PRUNE_EVERY } from './events.ts';
import { Nodes } from './registry/nodes.ts';
import { testApiserver } from './testing.ts';

async function setup() {
  const api = await testApiserver();
  let now = 1_000_000;
  const nodes = new Nodes(api.registry, api.allocators, () => now);
  const events = (reason?: string) =>
    api.registry.list<Event>('Event', {}).filter((e) => !reason || e.reason === reason);
  return { ...api, nodes, events, advance: (ms: number) => (now += ms) };
}

const svc = (name: string, type = 'ClusterIP') => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type, selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
});

test('a LoadBalancer service gets an IPAllocated event on itself, in MetalLB\'s words', async () => {
  const { request, events } = await setup();
  const created = await request('POST', '/api/v1/namespaces/default/services', svc('lb', 'LoadBalancer'));
  assert.is(created.status, 201);
  const [ev] = events('IPAllocated');
  assert.ok(ev, 'recorded');
  assert.equal([ev.type, ev.message, ev.involvedObject.kind, ev.involvedObject.name], ['Normal', 'Assigned IP ["192.168.77.200"]', 'Service', 'lb']);
  assert.is(ev.metadata.namespace, 'default');
  const listed = await request('GET', '/api/v1/namespaces/default/events');
  assert.ok(listed.body.items.some((e: Event) => e.reason === 'IPAllocated'), 'served over REST');
});

test('endpoints ready / not ready, node Ready / NotReady are events; a repeat raises the count', async () => {
  const { request, registry, nodes, events, advance } = await setup();
  await nodes.register({ name: 'node1', internalIP: '192.168.77.11' });
  assert.equal(events('NodeReady').map((e) => e.message), ['Node node1 status is now: NodeReady']);
  await request('POST', '/api/v1/namespaces/default/services', svc('web'));
  await request('POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', labels: { app: 'web' } }, spec: { nodeName: 'node1', containers: [{ name: 'c', image: 'echo' }] },
  });
  await registry.updateStatus('Pod', 'default', 'web-0', { phase: 'Running', podIP: '10.244.1.2', conditions: [{ type: 'Ready', status: 'True' }] });
  assert.equal(events('EndpointReady').map((e) => e.message), ['Endpoint 10.244.1.2 (pod web-0 on node1) is ready']);
  advance(5000);
  await nodes.checkNodes();
  assert.equal(events('NodeNotReady').map((e) => [e.type, e.message]), [['Warning', 'Node node1 status is now: NodeNotReady']]);
  assert.equal(events('EndpointNotReady').map((e) => [e.type, e.involvedObject.name, e.message]), [
    ['Warning', 'web', 'Endpoint 10.244.1.2 (pod web-0 on node1) is not ready: no traffic is sent to it'],
  ]);
  await nodes.heartbeat('node1');
  const [ready] = events('NodeReady');
  assert.is(ready.count, 2, 'the same event again: one object, count 2');
});

test('retention keeps the newest events and removes the oldest', async () => {
  const { registry, events } = await setup();
  const total = MAX_EVENTS * 2;
  await registry.transact((tx) => {
    for (let i = 0; i < total; i++) {
      recordEventTx(tx, { involved: { kind: 'Node', name: 'n' }, type: 'Normal', reason: 'Test', message: `m${i}`, component: 't' }, new Date(1_000_000 + i * 1000));
    }
  });
  const left = events('Test');
  assert.ok(left.length >= MAX_EVENTS && left.length <= MAX_EVENTS + PRUNE_EVERY, `${left.length} kept`);
  assert.not.ok(left.some((e) => e.message === 'm0' || e.message === `m${MAX_EVENTS - PRUNE_EVERY - 1}`), 'the oldest are gone');
  assert.ok(left.some((e) => e.message === `m${total - 1}`), 'the newest stays');
});

test('a malformed event is Invalid and stores nothing', async () => {
  const { request, events } = await setup();
  const r = await request('POST', '/api/v1/namespaces/default/events', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'x' }, reason: '', type: 'Odd' });
  assert.is(r.status, 422);
  assert.match(r.body.message, 'involvedObject: Required value');
  assert.equal(events(), []);
});

test.run();
