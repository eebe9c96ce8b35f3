import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryEventSource, MemoryNodeRegistry } from '../apiserver/grpc/fake-source.ts';
import { startGrpcServer, type GrpcServer } from '../apiserver/grpc/server.ts';
import { service, startTcpProxy, waitFor, type TcpProxy } from '../apiserver/grpc/test-support.ts';
import { testTls } from '../apiserver/testing.ts';
import type { ApiError } from './errors.ts';
import { WatchCache } from './watch-cache.ts';
import { backoffDelay, watch, type RelistSnapshot, type WatchEvent, type WatchHandle, type WatchOptions } from './watch-client.ts';

const TOKEN = 'watch-token';
let source: MemoryEventSource;
let server: GrpcServer;
let proxy: TcpProxy;
/** Over TLS, as agents watch: every reconnect through the proxy is a new handshake. */
let ca: string;
const handles: WatchHandle[] = [];

async function fresh(keepEvents?: number): Promise<void> {
  await proxy?.close();
  await server?.close();
  source = new MemoryEventSource({ keepEvents });
  const tls = await testTls();
  ca = tls.caPem;
  server = await startGrpcServer({ listen: '127.0.0.1:0', source, nodes: new MemoryNodeRegistry(), token: TOKEN, tls });
  proxy = await startTcpProxy(server.port);
}

interface Recorder {
  events: WatchEvent[];
  relists: RelistSnapshot[];
  errors: { error: ApiError; willRetry: boolean }[];
  synced: number[];
  cache: WatchCache;
  handle: WatchHandle;
}

function start(overrides: Partial<WatchOptions> = {}): Recorder {
  const r = { events: [], relists: [], errors: [], synced: [], cache: new WatchCache() } as unknown as Recorder;
  r.handle = watch({
    address: `127.0.0.1:${proxy.port}`,
    token: TOKEN,
    ca,
    kinds: [],
    backoff: { initialMs: 2, maxMs: 20 },
    onEvent: (e) => {
      r.events.push(e);
      r.cache.apply(e);
    },
    onRelist: (s) => {
      r.relists.push(s);
      r.cache.replace(s);
    },
    onSynced: (rev) => r.synced.push(rev),
    onError: (error, willRetry) => r.errors.push({ error, willRetry }),
    ...overrides,
  });
  handles.push(r.handle);
  return r;
}

/** The cache must hold exactly what the store holds. */
function assertCacheMatchesStore(cache: WatchCache): void {
  const expected = source.snapshot([]).objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`);
  const actual = (['Service', 'Pod', 'Namespace'] as const).flatMap((k) =>
    cache.list(k).map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}@${o.metadata.resourceVersion}`),
  );
  assert.equal(actual.sort(), expected.sort());
}

/** Small seeded PRNG so a failing run can be replayed. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test.before.each(() => fresh());
test.after.each(() => {
  for (const h of handles.splice(0)) h.close();
});
test.after(async () => {
  await proxy.close();
  await server.close();
});

test('the first snapshot arrives as ADDED events, then SYNCED, then live events', async () => {
  source.put('Service', service('web'));
  source.put('Service', service('db'));
  const r = start({ kinds: ['Service'] });
  await waitFor(() => r.synced.length === 1, 'SYNCED');
  assert.equal(r.events.map((e) => [e.type, e.revision, e.object.metadata.name]).sort(), [
    ['ADDED', 2, 'db'],
    ['ADDED', 2, 'web'],
  ]);
  assert.equal(r.synced, [2]);
  source.remove('Service', 'default', 'db');
  await waitFor(() => r.events.length === 3, 'the delete');
  assert.equal([r.events[2].type, r.events[2].revision], ['DELETED', 3]);
  assert.is(r.handle.revision, 3);
  assertCacheMatchesStore(r.cache);
});

test('after a broken connection it resumes from its revision: nothing missed, nothing twice', async () => {
  source.put('Service', service('a'));
  const r = start();
  await waitFor(() => r.synced.length === 1, 'SYNCED');
  proxy.setDown(true);
  source.put('Service', service('b'));
  source.put('Service', service('c'));
  source.remove('Service', 'default', 'a');
  proxy.setDown(false);
  await waitFor(() => r.events.length === 4, 'catch-up after reconnect');
  assert.equal(r.events.map((e) => `${e.type}:${e.revision}`), ['ADDED:1', 'ADDED:2', 'ADDED:3', 'DELETED:4']);
  assert.equal(r.relists, []);
  assert.ok(r.handle.attempts >= 2);
  assert.ok(r.errors.every((e) => e.willRetry));
  assertCacheMatchesStore(r.cache);
});

test('OUT_OF_RANGE: the client relists and hands the whole new state to onRelist', async () => {
  await fresh(10);
  source.put('Service', service('keep'));
  source.put('Service', service('gone'));
  const r = start();
  await waitFor(() => r.synced.length === 1, 'SYNCED');
  proxy.setDown(true);
  source.remove('Service', 'default', 'gone');
  for (let i = 0; i < 30; i++) source.put('Service', service(`new${i}`));
  proxy.setDown(false);
  await waitFor(() => r.relists.length === 1, 'the relist');
  assert.ok(r.errors.some((e) => /revision 2 is older than the oldest kept revision 23; relist/.test(e.error.message)));
  assert.is(r.relists[0].revision, 33);
  assert.is(r.relists[0].objects.length, 31);
  assert.is(r.cache.get('Service', 'default', 'gone'), undefined, 'the delete we missed is reflected');
  assertCacheMatchesStore(r.cache);
  assert.equal(r.events.map((e) => e.revision), [2, 2], 'the relisted objects are not replayed as events');
  source.put('Service', service('later'));
  await waitFor(() => r.events.length === 3, 'live after relist');
  assert.is(r.events[2].revision, 34);
});

test('a break in the middle of the first snapshot lists again: every object exactly once', async () => {
  const pad = 'p'.repeat(500);
  for (let i = 0; i < 3000; i++) source.put('Service', { ...service(`s${i}`), metadata: { name: `s${i}`, namespace: 'default', labels: { pad } } });
  proxy.cutAfterBytes(200_000); // well inside the ~1.6 MB snapshot
  const r = start();
  await waitFor(() => r.synced.length === 1, 'SYNCED after the cut');
  assert.ok(r.handle.attempts >= 2, 'the connection was cut');
  assert.is(r.events.length, 3000);
  assert.is(new Set(r.events.map((e) => e.object.metadata.name)).size, 3000);
  assert.equal(r.relists, []);
});

test('a wrong token stops the watch with one clear line and no retries', async () => {
  source.put('Service', service('web'));
  const r = start({ token: 'wrong' });
  await waitFor(() => r.errors.length === 1, 'the error');
  await new Promise((res) => setTimeout(res, 50));
  assert.is(r.errors.length, 1);
  assert.is(r.errors[0].error.message, 'Unauthorized: the server rejected the token');
  assert.is(r.errors[0].error.reason, 'Unauthorized');
  assert.is(r.errors[0].willRetry, false);
  assert.is(r.handle.attempts, 1);
  assert.equal(r.events, []);
});

test('an unreachable server is retried and reported as such', async () => {
  proxy.setDown(true);
  const r = start();
  await waitFor(() => r.errors.length >= 2, 'two failed attempts');
  assert.is(r.errors[0].error.message, `cannot reach the gRPC server at 127.0.0.1:${proxy.port}`);
  assert.ok(r.errors.every((e) => e.willRetry));
  proxy.setDown(false);
  await waitFor(() => r.synced.length === 1, 'SYNCED once it is reachable');
});

test('backoff doubles, caps and jitters', () => {
  assert.is(backoffDelay(1, 100, 5000, () => 1), 100);
  assert.is(backoffDelay(3, 100, 5000, () => 1), 400);
  assert.is(backoffDelay(30, 100, 5000, () => 1), 5000);
  assert.is(backoffDelay(3, 100, 5000, () => 0), 200);
});

test('10,000 events through a connection cut at random points: every event exactly once, in order', async () => {
  const random = mulberry32(20261125);
  source.put('Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } }); // revision 1, the snapshot
  const total = 10_000;
  let kills = 0;
  let killsDuringCatchUp = 0; // cut before this connection's SYNCED
  let nextKillAt = 1 + Math.floor(random() * 1000);
  let syncedOnAttempt = 0;
  const r: Recorder = start({
    onSynced: (rev) => {
      r.synced.push(rev);
      syncedOnAttempt = r.handle.attempts;
    },
    onEvent: (e) => {
      r.events.push(e);
      r.cache.apply(e);
      if (r.events.length >= nextKillAt) {
        nextKillAt = r.events.length + 1 + Math.floor(random() * 1000);
        if (syncedOnAttempt !== r.handle.attempts) killsDuringCatchUp++;
        if (proxy.killAll()) kills++;
      }
    },
  });
  await waitFor(() => r.synced.length >= 1, 'first SYNCED');
  let committed = 0;
  const existing = new Set<string>();
  let partitioned = false;
  let healed = false;
  while (committed < total) {
    const batch = Math.min(total - committed, 1 + Math.floor(random() * 40));
    source.commit(
      Array.from({ length: batch }, () => {
        const kind = random() < 0.5 ? 'Service' : 'Pod';
        const name = `o${Math.floor(random() * 300)}`;
        const key = `${kind}/${name}`;
        const type = !existing.has(key) ? 'ADDED' : random() < 0.2 ? 'DELETED' : 'MODIFIED';
        if (type === 'DELETED') existing.delete(key);
        else existing.add(key);
        return { type, kind, object: { ...service(name), kind } as any };
      }),
    );
    committed += batch;
    // Once, for certain: a partition, then a cut in the middle of the catch-up that follows.
    if (committed >= 5_000 && !partitioned) {
      partitioned = true;
      proxy.setDown(true);
    }
    if (committed >= 5_600 && partitioned && !healed) {
      healed = true;
      proxy.cutAfterBytes(20_000);
      proxy.setDown(false);
    }
    // Mostly let the watcher keep up (cuts land in live streaming), now and
    // then pile events up (cuts land in a long catch-up).
    await new Promise((res) => (random() < 0.9 ? setTimeout(res, 1) : setImmediate(res)));
  }
  await waitFor(() => r.handle.revision === total + 1, 'the last event', 60_000);
  const revisions = r.events.map((e) => e.revision);
  assert.equal(revisions, Array.from({ length: total + 1 }, (_, i) => i + 1));
  assert.equal(r.relists, []);
  assertCacheMatchesStore(r.cache);
  assert.ok(kills >= 10, `the stream was cut ${kills} times`);
  assert.ok(r.handle.attempts > kills / 2, `${r.handle.attempts} connections for ${kills} cuts`);
  console.log(`  (10,000 events: ${kills} cuts, ${killsDuringCatchUp} random ones during a catch-up, plus one cut mid-catch-up, ${r.handle.attempts} connections)`);
});

test.run();
