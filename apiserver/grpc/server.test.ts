import * as grpc from '@grpc/grpc-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { authMetadata, createMinikClient } from '../../api/grpc-client.ts';
import type { Service } from '../../api/types.ts';
import { MemoryEventSource, MemoryNodeRegistry } from './fake-source.ts';
import { startGrpcServer, type GrpcServer } from './server.ts';
import { rawWatch, service, waitFor, type RawWatch } from './test-support.ts';

const TOKEN = 'secret-token';
let source: MemoryEventSource;
let nodes: MemoryNodeRegistry;
let server: GrpcServer;
const opened: RawWatch[] = [];

async function fresh(options: { keepEvents?: number; maxPendingEvents?: number } = {}): Promise<void> {
  await server?.close();
  source = new MemoryEventSource({ keepEvents: options.keepEvents });
  nodes = new MemoryNodeRegistry();
  server = await startGrpcServer({
    listen: '127.0.0.1:0',
    source,
    nodes,
    token: TOKEN,
    maxPendingEvents: options.maxPendingEvents,
  });
}

/** `token: null` sends no authorization metadata at all. */
function open(request: Parameters<typeof rawWatch>[2], token: string | null = TOKEN): RawWatch {
  const w = rawWatch(server.port, token ?? undefined, request);
  opened.push(w);
  return w;
}

function unary(method: 'Register' | 'Heartbeat', request: object, token?: string): Promise<{ err: grpc.ServiceError | null; response: any }> {
  const client = createMinikClient(`127.0.0.1:${server.port}`, { plaintext: true });
  const metadata = token === undefined ? new grpc.Metadata() : authMetadata(token);
  return new Promise((resolve) =>
    (client as any)[method](request, metadata, (err: grpc.ServiceError | null, response: unknown) => {
      client.close();
      resolve({ err, response });
    }),
  );
}

test.before.each(() => fresh());
test.after.each(() => {
  for (const w of opened.splice(0)) w.close();
});
test.after(() => server.close());

test('a watch without a token or with a wrong one ends UNAUTHENTICATED and sends nothing', async () => {
  source.put('Service', service('secret-web'));
  for (const token of [null, 'wrong-token', '']) {
    const w = open({}, token);
    const status = await w.ended;
    assert.is(status.code, grpc.status.UNAUTHENTICATED, `token ${token}`);
    assert.equal(w.messages, []);
    assert.not.match(status.details, /secret-web/);
  }
  assert.is(server.activeWatches(), 0);
});

test('Register and Heartbeat reject a missing or wrong token and change nothing', async () => {
  for (const token of [undefined, 'nope']) {
    const reg = await unary('Register', { name: 'node1', internalIp: '192.168.77.11' }, token);
    assert.is(reg.err?.code, grpc.status.UNAUTHENTICATED);
    const hb = await unary('Heartbeat', { name: 'node1' }, token);
    assert.is(hb.err?.code, grpc.status.UNAUTHENTICATED);
  }
  assert.is(nodes.nodes.size, 0);
});

test('since 0: a snapshot of the asked kinds as ADDED at the snapshot revision, SYNCED, then live events', async () => {
  source.put('Service', service('web'));
  source.put('Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
  source.put('Service', service('db'));
  const w = open({ kinds: ['Service'], sinceRevision: 0 });
  await waitFor(() => w.messages.length === 3, 'snapshot');
  assert.equal(
    w.messages.map((m) => [m.type, m.revision, m.kind]),
    [
      ['ADDED', 3, 'Service'],
      ['ADDED', 3, 'Service'],
      ['SYNCED', 3, ''],
    ],
  );
  assert.equal(w.messages.slice(0, 2).map((m) => JSON.parse(m.objectJson).metadata.name).sort(), ['db', 'web']);
  source.put('Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } }); // 4: not asked for
  source.put('Service', { ...service('web'), spec: { type: 'NodePort' } } as Service); // 5
  source.remove('Service', 'default', 'db'); // 6
  await waitFor(() => w.messages.length === 5, 'live events');
  assert.equal(
    w.messages.slice(3).map((m) => [m.type, m.revision, JSON.parse(m.objectJson).metadata.name]),
    [
      ['MODIFIED', 5, 'web'],
      ['DELETED', 6, 'db'],
    ],
  );
});

test('since N: every later event of the asked kinds, SYNCED at the current revision, then live', async () => {
  for (let i = 1; i <= 6; i++) source.put(i % 2 ? 'Service' : 'Pod', { ...service(`o${i}`), kind: i % 2 ? 'Service' : 'Pod' } as Service);
  const w = open({ kinds: ['Service'], sinceRevision: 2 });
  await waitFor(() => w.messages.some((m) => m.type === 'SYNCED'), 'SYNCED');
  assert.equal(
    w.messages.map((m) => [m.type, m.revision]),
    [
      ['ADDED', 3],
      ['ADDED', 5],
      ['SYNCED', 6],
    ],
  );
  source.put('Service', service('o7'));
  await waitFor(() => w.messages.length === 4, 'live event');
  assert.is(w.messages[3].revision, 7);
});

test('a revision older than the kept change log ends OUT_OF_RANGE with a clear message', async () => {
  await fresh({ keepEvents: 5 });
  for (let i = 0; i < 20; i++) source.put('Service', service(`s${i}`));
  assert.is(source.oldestResumableRevision(), 15);
  const w = open({ sinceRevision: 3 });
  const status = await w.ended;
  assert.is(status.code, grpc.status.OUT_OF_RANGE);
  assert.is(status.details, 'revision 3 is older than the oldest kept revision 15; relist');
  assert.equal(w.messages, []);
  // The oldest kept revision itself still resumes.
  const ok = open({ sinceRevision: 15 });
  await waitFor(() => ok.messages.some((m) => m.type === 'SYNCED'), 'resume at the oldest revision');
  assert.equal(ok.messages.map((m) => m.revision), [16, 17, 18, 19, 20, 20]);
});

test('a revision from the future (a server that lost its data) ends OUT_OF_RANGE too', async () => {
  source.put('Service', service('web'));
  const status = await open({ sinceRevision: 99 }).ended;
  assert.is(status.code, grpc.status.OUT_OF_RANGE);
  assert.match(status.details, /revision 99 is newer than the server's current revision 1; relist/);
});

test('an unknown kind is INVALID_ARGUMENT', async () => {
  const status = await open({ kinds: ['Service', 'Deployment'] }).ended;
  assert.is(status.code, grpc.status.INVALID_ARGUMENT);
  assert.match(status.details, /unknown kind Deployment/);
});

test('Register stores the node and returns it with its podCIDR; Heartbeat of an unknown node is NOT_FOUND', async () => {
  const reg = await unary('Register', { name: 'node1', internalIp: '192.168.77.11', proxyMode: 'nftables' }, TOKEN);
  assert.is(reg.err, null);
  const node = JSON.parse(reg.response.nodeJson);
  assert.is(node.metadata.name, 'node1');
  assert.is(node.spec.podCIDR, '10.244.0.0/24');
  assert.is((await unary('Heartbeat', { name: 'node1' }, TOKEN)).err, null);
  assert.is(nodes.heartbeats.get('node1'), 1);
  const missing = await unary('Heartbeat', { name: 'node9' }, TOKEN);
  assert.is(missing.err?.code, grpc.status.NOT_FOUND);
  assert.is(missing.err?.details, 'nodes "node9" not found');
  assert.equal(missing.err?.metadata.get('minik-reason'), ['NotFound']);
  const invalid = await unary('Register', { name: '', internalIp: '' }, TOKEN);
  assert.is(invalid.err?.code, grpc.status.INVALID_ARGUMENT);
  assert.equal(invalid.err?.metadata.get('minik-reason'), ['Invalid']);
});

test('an error that is not an ApiError is INTERNAL and its text stays on the server', async () => {
  nodes.heartbeat = async () => {
    throw new Error('disk /var/lib/minik/secret exploded');
  };
  const { err } = await unary('Heartbeat', { name: 'node1' }, TOKEN);
  assert.is(err?.code, grpc.status.INTERNAL);
  assert.is(err?.details, 'internal error');
});

test('a stalled watcher does not hold up another; it is cut off with RESOURCE_EXHAUSTED', async () => {
  await fresh({ maxPendingEvents: 200 });
  const stalled = open({ sinceRevision: 0 });
  const healthy = open({ sinceRevision: 0 });
  await waitFor(() => stalled.messages.length === 1 && healthy.messages.length === 1, 'both SYNCED');
  stalled.call.pause(); // stops reading: its HTTP/2 window fills up
  const big = 'x'.repeat(8_000); // fills flow-control windows fast
  const total = 2_000;
  for (let i = 0; i < total; i++) {
    source.put('Service', { ...service(`s${i}`), metadata: { name: `s${i}`, namespace: 'default', annotations: { pad: big } } });
    // Paced by the healthy watcher, so only the stalled one falls behind.
    if (i % 50 === 0) await waitFor(() => healthy.messages.length >= i - 50, `healthy watcher at event ${i}`);
  }
  await waitFor(() => healthy.messages.length === 1 + total, 'the healthy watcher to receive every event');
  assert.equal(
    healthy.messages.slice(1).map((m) => m.revision),
    Array.from({ length: total }, (_, i) => i + 1),
  );
  assert.ok(stalled.messages.length < 1 + total, 'the stalled watcher did stall');
  await waitFor(() => server.activeWatches() === 1, 'the stalled watcher to be cut off');
  assert.is(source.listenerCount(), 1, 'the stalled watcher no longer listens to the store');
  stalled.call.resume();
  const status = await stalled.ended;
  assert.is(status.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(status.details, /fell more than 200 events behind.*relist/);
  // What it did get is an unbroken prefix.
  const revs = stalled.messages.slice(1).map((m) => m.revision);
  assert.equal(revs, Array.from({ length: revs.length }, (_, i) => i + 1));
});

test('a client that goes away is unsubscribed from the store', async () => {
  const w = open({});
  await waitFor(() => w.messages.length === 1, 'SYNCED');
  assert.is(source.listenerCount(), 1);
  w.close();
  await waitFor(() => source.listenerCount() === 0, 'unsubscribe');
  assert.is(server.activeWatches(), 0);
});

test.run();
