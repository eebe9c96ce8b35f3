import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Namespace, Service } from '../../api/types.ts';
import { rejects } from '../../e2e/support/assert.ts';
import { openLevel } from './kv.ts';
import { MemoryKv } from './memory-kv.ts';
import { Store } from './store.ts';
import type { KvDb, KvOp } from './kv.ts';
import type { StoreEvent } from './types.ts';

const ns = (name: string): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const svc = (name: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { ports: [{ port: 80 }] },
});

test('create fills uid, timestamp and resourceVersion; revisions increase by one per object', async () => {
  const store = await Store.open(new MemoryKv());
  const a = await store.transact((tx) => tx.create(ns('a')));
  const b = await store.transact((tx) => tx.create(ns('b')));
  assert.ok(a.metadata.uid);
  assert.match(a.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.is(a.metadata.resourceVersion, '1');
  assert.is(b.metadata.resourceVersion, '2');
  assert.is(store.currentRevision(), 2);
  assert.equal(store.list('Namespace').map((n) => n.metadata.name).sort(), ['a', 'b']);
});

test('a change that throws stores and allocates nothing', async () => {
  const kv = new MemoryKv();
  const store = await Store.open(kv);
  await rejects(
    store.transact((tx) => {
      tx.claim('pool', 'x', 'Service/default/web');
      tx.create(svc('web'));
      throw new Error('validation failed late');
    }),
  );
  assert.is(store.get('Service', 'default', 'web'), undefined);
  assert.is(store.owner('pool', 'x'), undefined);
  assert.is(store.currentRevision(), 0);
  assert.is(kv.data.size, 0);
});

test('a failed write is rolled back from disk and rejected; the store keeps working', async () => {
  const kv = new MemoryKv();
  const store = await Store.open(kv);
  await store.transact((tx) => tx.create(ns('kept')));
  kv.failNextBatch();
  await rejects(
    store.transact((tx) => {
      tx.claim('pool', '10.0.0.1', 'Service/default/web');
      return tx.create(svc('web'));
    }),
    /storage write failed/,
  );
  assert.is(store.get('Service', 'default', 'web'), undefined, 'object not visible after failed write');
  assert.is(store.owner('pool', '10.0.0.1'), undefined, 'allocation not held after failed write');
  assert.is(store.currentRevision(), 1);
  const again = await store.transact((tx) => tx.create(svc('web')));
  // Revision 2 went to the rejected change (and may have been read while it was in memory): never reused.
  assert.is(again.metadata.resourceVersion, '3');
});

test('objects, allocations, revision and log survive a reopen of a real LevelDB', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'minik-store-'));
  try {
    const first = await Store.open(await openLevel(dir));
    await first.transact((tx) => {
      tx.create(ns('demo'));
      tx.claim('cluster-ip', '10.96.0.5', 'Service/demo/web');
    });
    await first.transact((tx) => tx.remove('Namespace', undefined, 'demo'));
    await first.transact((tx) => tx.create(ns('other')));
    await first.close();

    const second = await Store.open(await openLevel(dir));
    assert.is(second.currentRevision(), 3);
    assert.is(second.owner('cluster-ip', '10.96.0.5'), 'Service/demo/web');
    assert.equal(second.list('Namespace').map((n) => n.metadata.name), ['other']);
    assert.equal(
      second.eventsSince(0)!.map((e) => `${e.type}:${e.revision}`),
      ['ADDED:1', 'DELETED:2', 'ADDED:3'],
    );
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('concurrent changes share fsyncs (group commit) and all become durable', async () => {
  const kv = new MemoryKv();
  const store = await Store.open(kv);
  await Promise.all(Array.from({ length: 100 }, (_, i) => store.transact((tx) => tx.create(ns(`n${i}`)))));
  assert.is(store.list('Namespace').length, 100);
  assert.ok(kv.batches < 100, `expected fewer batches than changes, got ${kv.batches}`);
  const reopened = await Store.open(kv);
  assert.is(reopened.list('Namespace').length, 100);
});

test('subscribers see committed events in revision order; eventsSince filters by kind', async () => {
  const store = await Store.open(new MemoryKv());
  const seen: StoreEvent[] = [];
  const unsubscribe = store.subscribe((events) => seen.push(...events));
  await Promise.all([store.transact((tx) => tx.create(ns('a'))), store.transact((tx) => tx.create(svc('s')))]);
  unsubscribe();
  await store.transact((tx) => tx.create(ns('b')));
  assert.equal(seen.map((e) => e.revision), [1, 2]);
  assert.equal(store.eventsSince(0, ['Service'])!.map((e) => e.object.metadata.name), ['s']);
  assert.equal(store.eventsSince(2)!.map((e) => e.revision), [3]);
});

test('a revision older than the kept log is not resumable', async () => {
  const store = await Store.open(new MemoryKv(), { logKeep: 10 });
  for (let i = 0; i < 200; i++) await store.transact((tx) => tx.create(ns(`n${i}`)));
  const oldest = store.oldestResumableRevision();
  assert.ok(oldest > 0 && oldest < 200);
  assert.is(store.eventsSince(oldest - 1), undefined);
  assert.is(store.eventsSince(oldest)!.length, 200 - oldest);
  assert.is(store.snapshot(['Namespace']).objects.length, 200);
});

/** MemoryKv whose reads are slow, so changes arrive while a failed write's rebuild is under way. */
class SlowReadKv implements KvDb {
  constructor(readonly inner: MemoryKv) {}
  batch(ops: KvOp[], options: { sync: boolean }) {
    return this.inner.batch(ops);
  }
  async *entries(prefix: string): AsyncIterable<[string, unknown]> {
    for await (const entry of this.inner.entries(prefix)) {
      await new Promise((r) => setTimeout(r, 1));
      yield entry;
    }
  }
  clearRange(from: string, to: string) {
    return this.inner.clearRange(from, to);
  }
  close() {
    return this.inner.close();
  }
}

test('a write that fails mid-burst: no change runs on a half-rebuilt view, revisions never go backwards, watches resume', async () => {
  const memory = new MemoryKv();
  const store = await Store.open(new SlowReadKv(memory));
  for (let i = 0; i < 20; i++) await store.transact((tx) => tx.create(ns(`before-${i}`)));
  const durable = store.currentRevision();
  const delivered: number[] = [];
  store.subscribe((events) => delivered.push(...events.map((e) => e.revision)));

  memory.failNextBatch();
  const results: Promise<Namespace>[] = [];
  for (let i = 0; i < 10; i++) results.push(store.transact((tx) => tx.create(ns(`burst-${i}`))));
  // More changes while the rebuild reads the disk, one per millisecond.
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 1));
    results.push(store.transact((tx) => tx.create(ns(`during-${i}`))));
  }
  const settled = await Promise.allSettled(results);
  const acked = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  assert.ok(settled.some((r) => r.status === 'rejected'), 'the injected failure rejected the first group');
  assert.ok(acked.length >= 25, `most changes after the failure succeed (${acked.length})`);

  const revisions = acked.map((o) => Number(o.metadata.resourceVersion));
  assert.ok(revisions.every((r) => r > durable), `every acknowledged revision is above the durable ${durable}: ${revisions}`);
  assert.is(new Set(revisions).size, revisions.length, 'no revision handed out twice');
  for (let i = 1; i < delivered.length; i++) assert.ok(delivered[i] > delivered[i - 1], `watch events in order: ${delivered}`);

  // Every object from before the failure is still there, unchanged.
  for (let i = 0; i < 20; i++) assert.is(store.get('Namespace', undefined, `before-${i}`)?.metadata.resourceVersion, String(i + 1));
  // Resuming from the last revision before the burst yields exactly the acknowledged changes, once each, in order.
  const resumed = store.eventsSince(durable)!;
  assert.equal(resumed.map((e) => e.object.metadata.name).sort(), acked.map((o) => o.metadata.name).sort());
  assert.equal(resumed.map((e) => e.revision), [...revisions].sort((a, b) => a - b));
  const middle = [...revisions].sort((a, b) => a - b)[5];
  assert.equal(store.eventsSince(middle)!.map((e) => e.revision), [...revisions].sort((a, b) => a - b).filter((r) => r > middle));

  // And the same after a restart from disk.
  const reopened = await Store.open(memory);
  assert.ok(reopened.currentRevision() >= Math.max(...revisions));
  assert.equal(reopened.eventsSince(durable)!.map((e) => e.revision), resumed.map((e) => e.revision));
  for (const obj of acked) assert.is(reopened.get('Namespace', undefined, obj.metadata.name)?.metadata.resourceVersion, obj.metadata.resourceVersion);
  const rejectedNames = settled.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
  assert.ok(rejectedNames.length > 0);
  assert.is(reopened.list('Namespace').length, 20 + acked.length, 'rejected changes left nothing behind');
});

test('objects an older minik stored with wrong types are left out of the view on load, and reported', async () => {
  const kv = new MemoryKv();
  const store = await Store.open(kv);
  await store.transact((tx) => tx.create(ns('good')));
  kv.data.set('o/Namespace//123', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 123 } });
  kv.data.set('o/Node//bad', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'bad' }, spec: {}, status: { conditions: 'x' } });
  kv.data.set('o/Widget//w', { kind: 'Widget', metadata: { name: 'w' } });
  const reported: string[] = [];
  const reopened = await Store.open(kv, { onUndecodable: (key) => reported.push(key) });
  assert.equal(reopened.list('Namespace').map((n) => n.metadata.name), ['good']);
  assert.equal(reopened.list('Node'), []);
  assert.equal(reported.sort(), ['o/Namespace//123', 'o/Node//bad', 'o/Widget//w']);
});

test.run();
