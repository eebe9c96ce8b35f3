import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryKv } from '../store/memory-kv.ts';
import { Store } from '../store/store.ts';
import { testApiserver, TEST_TOKEN } from '../testing.ts';
import { startHttpWatch, type WatchEventType } from './watch-http.ts';

const SVC = '/api/v1/namespaces/default/services';
const service = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, labels }, spec: { ports: [{ port: 80 }] },
});

/** Reads `{"type","object"}` lines from a watch response until `count` events or the stream ends. */
async function readEvents(res: Response, count: number): Promise<{ type: string; object: any }[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const events: { type: string; object: any }[] = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      events.push(JSON.parse(text.slice(0, nl)));
      text = text.slice(nl + 1);
    }
  }
  await reader.cancel();
  return events;
}

/** A merge patch (the test server's `request` always sends application/json). */
async function label(app: Awaited<ReturnType<typeof testApiserver>>['app'], name: string, labels: Record<string, string>) {
  const res = await app.request(`${SVC}/${name}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ metadata: { labels } }),
  });
  assert.is(res.status, 200);
}

async function watch(app: Awaited<ReturnType<typeof testApiserver>>['app'], query: string, accept = 'application/json') {
  const res = await app.request(`${SVC}?watch=true&${query}`, { headers: { authorization: `Bearer ${TEST_TOKEN}`, accept } });
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/json');
  return res;
}

test('watch from a list resourceVersion streams later changes in order, as {"type","object"} lines', async () => {
  const { app, request } = await testApiserver();
  const rv = (await request('GET', SVC)).body.metadata.resourceVersion;
  const res = await watch(app, `resourceVersion=${rv}&timeoutSeconds=5`);
  await request('POST', SVC, service('a'));
  await label(app, 'a', { x: 'y' });
  await request('DELETE', `${SVC}/a`);
  const events = await readEvents(res, 3);
  assert.equal(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED a', 'MODIFIED a', 'DELETED a']);
  const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
  assert.ok(rvs[0] > Number(rv) && rvs[0] < rvs[1] && rvs[1] < rvs[2]);
});

test('no resourceVersion (or 0): the current objects arrive as ADDED first', async () => {
  const { app, request } = await testApiserver();
  await request('POST', SVC, service('b'));
  for (const q of ['', 'resourceVersion=0']) {
    const events = await readEvents(await watch(app, `${q}&timeoutSeconds=2`), 1);
    assert.equal(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED b']);
  }
});

test('label and field selectors: an object that starts or stops matching is ADDED or DELETED', async () => {
  const { app, request } = await testApiserver();
  const rv = (await request('GET', SVC)).body.metadata.resourceVersion;
  const labelled = await watch(app, `resourceVersion=${rv}&labelSelector=tier%3Dfe&timeoutSeconds=5`);
  const named = await watch(app, `resourceVersion=${rv}&fieldSelector=metadata.name%3Dc&timeoutSeconds=5`);
  await request('POST', SVC, service('other', { tier: 'fe' }));
  await request('POST', SVC, service('c'));
  await label(app, 'c', { tier: 'fe' });
  await label(app, 'c', { tier: 'be' });
  const events = await readEvents(labelled, 3);
  assert.equal(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED other', 'ADDED c', 'DELETED c']);
  const byName = await readEvents(named, 3);
  assert.equal(byName.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED c', 'MODIFIED c', 'MODIFIED c']);
});

test('a resourceVersion older than the change log keeps: one ERROR event with a 410 Expired Status', async () => {
  const store = await Store.open(new MemoryKv(), { logKeep: 5 });
  for (let i = 0; i < 120; i++) { // the store trims its log in chunks of at least 100
    await store.transact((tx) => tx.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns${i}` } } as any));
  }
  const got: { type: WatchEventType; object: any }[] = [];
  let ended = false;
  startHttpWatch(store, { kind: 'Namespace', apiVersion: 'v1', resourceVersion: '2', allowWatchBookmarks: false, bookmarkIntervalMs: 1000, timeoutMs: 1000, maxPendingEvents: 100 }, {
    event: (type, object) => got.push({ type, object }),
    pending: () => 0,
    end: () => (ended = true),
  });
  assert.is(got.length, 1);
  assert.is(got[0].type, 'ERROR');
  assert.equal({ code: got[0].object.code, reason: got[0].object.reason }, { code: 410, reason: 'Expired' });
  assert.match(got[0].object.message, /^too old resource version: 2 \(\d+\)$/);
  assert.ok(ended);
});

test('BOOKMARKs carry the current resourceVersion when allowed; timeoutSeconds ends the stream', async () => {
  const store = await Store.open(new MemoryKv());
  await store.transact((tx) => tx.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } } as any));
  const got: { type: string; object: any }[] = [];
  let ended = false;
  const w = startHttpWatch(store, { kind: 'Service', apiVersion: 'v1', resourceVersion: '1', allowWatchBookmarks: true, bookmarkIntervalMs: 20, timeoutMs: 200, maxPendingEvents: 100 }, {
    event: (type, object) => got.push({ type, object }),
    pending: () => 0,
    end: () => (ended = true),
  });
  await store.transact((tx) => tx.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'y' } } as any));
  await new Promise((r) => setTimeout(r, 300));
  w.stop();
  const bookmarks = got.filter((e) => e.type === 'BOOKMARK');
  assert.ok(bookmarks.length >= 2, `bookmarks: ${bookmarks.length}`);
  assert.equal(bookmarks.at(-1)!.object, { kind: 'Service', apiVersion: 'v1', metadata: { resourceVersion: '2' } });
  assert.ok(ended, 'the timeout ended the watch');
  assert.not.ok(got.some((e) => e.type === 'ADDED'), 'namespace events are not service events');
});

test('sendInitialEvents: the current state as ADDED, then a BOOKMARK marking its end', async () => {
  const { app, request } = await testApiserver();
  await request('POST', SVC, service('s'));
  const events = await readEvents(await watch(app, 'sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=2'), 2);
  assert.equal(events.map((e) => e.type), ['ADDED', 'BOOKMARK']);
  assert.equal(events[1].object.metadata.annotations, { 'k8s.io/initial-events-end': 'true' });
});

test('a watch asked as Table sends one-row Tables', async () => {
  const { app, request } = await testApiserver();
  const rv = (await request('GET', SVC)).body.metadata.resourceVersion;
  const res = await watch(app, `resourceVersion=${rv}&timeoutSeconds=5`, 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json');
  await request('POST', SVC, service('t'));
  const [event] = await readEvents(res, 1);
  assert.is(event.type, 'ADDED');
  assert.is(event.object.kind, 'Table');
  assert.is(event.object.rows[0].cells[0], 't');
  assert.is(event.object.rows[0].object.metadata.name, 't');
});

test.run();
