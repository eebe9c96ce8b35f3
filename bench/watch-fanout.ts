// Watch fan-out: one create seen by N watchers (goal: p99 < 20 ms with 100).
//
//   node --import tsx bench/watch-fanout.ts [CREATES] [WATCHERS]
//
// A real gRPC server on loopback; every watcher is a full api/watch-client
// with its own HTTP/2 connection, in this same process (so server and
// clients share one CPU core: a pessimistic setup). Each create is timed
// from just before it is committed until each watcher's onEvent runs; the
// next create starts once every watcher has seen the previous one.
// Rows: the in-memory fake source and the real Store (in-memory KV, so disk
// fsync does not hide the watch path), with 1 watcher as the baseline.

import { MemoryEventSource, MemoryNodeRegistry } from '../apiserver/grpc/fake-source.ts';
import { startGrpcServer } from '../apiserver/grpc/server.ts';
import { testTls } from '../apiserver/testing.ts';
import { service, waitFor } from '../apiserver/grpc/test-support.ts';
import { MemoryKv } from '../apiserver/store/memory-kv.ts';
import { Store } from '../apiserver/store/store.ts';
import type { EventSource } from '../apiserver/store/types.ts';
import { watch, type WatchHandle } from '../api/watch-client.ts';
import { printTable } from './support/table.ts';

const CREATES = Number(process.argv[2] ?? 200);
const WATCHERS = Number(process.argv[3] ?? 100);
const TOKEN = 'bench';

interface Backend {
  name: string;
  source: EventSource;
  create(name: string): void;
  close(): Promise<void>;
}

function fakeBackend(): Backend {
  const source = new MemoryEventSource();
  return { name: 'fake source', source, create: (name) => void source.put('Service', service(name)), close: async () => {} };
}

async function storeBackend(): Promise<Backend> {
  const store = await Store.open(new MemoryKv());
  return {
    name: 'Store (memory KV)',
    source: store,
    create: (name) => void store.transact((tx) => tx.create(service(name))),
    close: () => store.close(),
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const ms = (v: number) => v.toFixed(2);

async function run(backend: Backend, watchers: number): Promise<(string | number)[]> {
  // TLS as in the product: every event is encrypted once per watcher.
  const tls = await testTls();
  const server = await startGrpcServer({ listen: '127.0.0.1:0', source: backend.source, nodes: new MemoryNodeRegistry(), token: TOKEN, tls });
  const startedAt = new Map<string, number>();
  const seenBy = new Map<string, number>();
  const perWatcher: number[] = [];
  const allSeen: number[] = [];
  let synced = 0;
  const handles: WatchHandle[] = [];
  for (let i = 0; i < watchers; i++) {
    handles.push(
      watch({
        address: `127.0.0.1:${server.port}`,
        token: TOKEN,
        ca: tls.caPem,
        kinds: ['Service'],
        onSynced: () => void synced++,
        onEvent: (e) => {
          const name = e.object.metadata.name;
          const t0 = startedAt.get(name);
          if (t0 === undefined) return;
          const latency = performance.now() - t0;
          perWatcher.push(latency);
          const count = (seenBy.get(name) ?? 0) + 1;
          seenBy.set(name, count);
          if (count === watchers) allSeen.push(latency);
        },
      }),
    );
  }
  await waitFor(() => synced >= watchers, 'every watcher to sync', 30_000);
  const warmup = 20;
  for (let i = 0; i < CREATES + warmup; i++) {
    const name = `svc-${i}`;
    startedAt.set(name, performance.now());
    backend.create(name);
    await waitFor(() => seenBy.get(name) === watchers, `create ${i} to reach every watcher`, 30_000);
    if (i === warmup - 1) {
      perWatcher.length = 0;
      allSeen.length = 0;
    }
  }
  for (const h of handles) h.close();
  await server.close();
  await backend.close();
  perWatcher.sort((a, b) => a - b);
  allSeen.sort((a, b) => a - b);
  return [
    backend.name,
    watchers,
    CREATES,
    ms(percentile(perWatcher, 50)),
    ms(percentile(perWatcher, 99)),
    ms(percentile(allSeen, 50)),
    ms(percentile(allSeen, 99)),
    ms(allSeen[allSeen.length - 1]),
  ];
}

const rows = [
  await run(fakeBackend(), 1),
  await run(fakeBackend(), WATCHERS),
  await run(await storeBackend(), 1),
  await run(await storeBackend(), WATCHERS),
];
console.log(`Watch fan-out: ${CREATES} creates, each awaited until every watcher has it (ms; goal p99 < 20 with ${WATCHERS})`);
printTable(['source', 'watchers', 'creates', 'p50 each', 'p99 each', 'p50 all seen', 'p99 all seen', 'max all seen'], rows);
