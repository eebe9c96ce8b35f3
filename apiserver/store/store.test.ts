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
  assert.is(again.metadata.resourceVersion, '2');
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

test.run();
