// The gRPC watch against the real Store (in-memory KV twin): the contract
// between the two holds, not only against our own fake.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WatchCache } from '../../api/watch-cache.ts';
import { watch, type WatchHandle } from '../../api/watch-client.ts';
import { MemoryKv } from '../store/memory-kv.ts';
import { Store } from '../store/store.ts';
import { MemoryNodeRegistry } from './fake-source.ts';
import { startGrpcServer, type GrpcServer } from './server.ts';
import { rawWatch, service, startTcpProxy, waitFor } from './test-support.ts';

const TOKEN = 't0ken';
let store: Store;
let server: GrpcServer;

test.before.each(async () => {
  store = await Store.open(new MemoryKv(), { logKeep: 50 });
  server = await startGrpcServer({ listen: '127.0.0.1:0', source: store, nodes: new MemoryNodeRegistry(), token: TOKEN });
});
test.after.each(async () => {
  await server.close();
  await store.close();
});

test('an empty kinds list watches every kind of the real store', async () => {
  await store.transact((tx) => tx.create(service('web')));
  await store.transact((tx) => tx.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } }));
  const w = rawWatch(server.port, TOKEN, { kinds: [] });
  try {
    await waitFor(() => w.messages.some((m) => m.type === 'SYNCED'), 'SYNCED');
    assert.equal(w.messages.map((m) => m.kind).sort(), ['', 'Namespace', 'Service']);
    await store.transact((tx) => tx.remove('Service', 'default', 'web'));
    await waitFor(() => w.messages.length === 4, 'the delete');
    assert.equal([w.messages[3].type, w.messages[3].kind], ['DELETED', 'Service']);
  } finally {
    w.close();
  }
});

test('a client cut off while the real store trims its log relists and ends up equal to the store', async () => {
  const proxy = await startTcpProxy(server.port);
  const cache = new WatchCache();
  let relists = 0;
  let handle: WatchHandle | undefined;
  try {
    for (let i = 0; i < 5; i++) await store.transact((tx) => tx.create(service(`s${i}`)));
    handle = watch({
      address: `127.0.0.1:${proxy.port}`,
      token: TOKEN,
      plaintext: true,
      kinds: ['Service'],
      backoff: { initialMs: 2, maxMs: 10 },
      onEvent: (e) => cache.apply(e),
      onRelist: (s) => {
        relists++;
        cache.replace(s);
      },
    });
    await waitFor(() => cache.size === 5, 'the first snapshot');
    proxy.setDown(true);
    await store.transact((tx) => tx.remove('Service', 'default', 's0'));
    for (let i = 5; i < 300; i++) await store.transact((tx) => tx.create(service(`s${i}`)));
    proxy.setDown(false);
    await waitFor(() => relists === 1 && cache.revision === store.currentRevision(), 'relist');
    assert.is(cache.get('Service', 'default', 's0'), undefined);
    assert.is(cache.size, 299);
    assert.equal(
      cache.list('Service').map((s) => s.metadata.resourceVersion).sort(),
      store.list('Service').map((s) => s.metadata.resourceVersion).sort(),
      'same objects at the same versions',
    );
  } finally {
    handle?.close();
    await proxy.close();
  }
});

test.run();
