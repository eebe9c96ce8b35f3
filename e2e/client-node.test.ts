// The official JavaScript client (@kubernetes/client-node) against minik's
// REST API on loopback: list, create, replace, patch, delete, and an informer
// that sees add/update/delete in order across a forced `410 Gone` relist
// without a request storm.
//
// The apiserver runs in this process (the real registry, store and REST app
// behind a real HTTPS listener) rather than as `minik apiserver`, for two
// things a process would not let the test do: keep a tiny change log (so a
// watch can be made to fall behind it: 410) and hold a watch request at the
// door while changes happen (so the informer comes back with a revision the
// log no longer has). Every request is counted there.

import { serve } from '@hono/node-server';
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLUSTER } from '../api/layout.ts';
import { allocatorConfig } from '../apiserver/allocators/allocators.ts';
import { createApp } from '../apiserver/app.ts';
import { bootstrap } from '../apiserver/bootstrap.ts';
import { Registry } from '../apiserver/registry/registry.ts';
import { MemoryKv } from '../apiserver/store/memory-kv.ts';
import { Store } from '../apiserver/store/store.ts';
import { loadOrCreateTls, servingSans } from '../apiserver/tls.ts';

const TOKEN = 'client-node-e2e';
const LOG_KEEP = 20; // the store trims once it holds LOG_KEEP + 100 events
const NS = 'default';

async function startServer() {
  const store = await Store.open(new MemoryKv(), { logKeep: LOG_KEEP, sync: false });
  const registry = new Registry(store, allocatorConfig({ ...CLUSTER, serviceCidr: CLUSTER.serviceCidr }));
  await bootstrap(registry, CLUSTER.dnsServiceIp);
  const app = createApp(registry, { token: TOKEN });
  // HTTPS with a CA made the way `minik apiserver` makes its own (apiserver/tls.ts).
  const tlsDir = mkdtempSync(join(tmpdir(), 'minik-client-node-'));
  const tls = await loadOrCreateTls(tlsDir, servingSans(['127.0.0.1']));
  const requests: string[] = [];
  let gate: Promise<void> | undefined;
  const openWatches = new Set<() => void>();
  /** The watch response, with a handle to end it cleanly (as a server-side timeout would). */
  const endable = (res: Response): Response => {
    const reader = res.body!.getReader();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const end = () => {
      openWatches.delete(end);
      void reader.cancel().catch(() => {});
      try {
        controller.close();
      } catch {
        // already closed
      }
    };
    openWatches.add(end);
    const body = new ReadableStream<Uint8Array>({
      start: (c) => void (controller = c),
      async pull(c) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
        if (done) end();
        else c.enqueue(value);
      },
      cancel: end,
    });
    return new Response(body, { status: res.status, headers: res.headers });
  };
  const server = serve({
    hostname: '127.0.0.1',
    port: 0,
    createServer: createHttpsServer,
    serverOptions: { cert: tls.certPem, key: tls.keyPem },
    fetch: async (req: Request) => {
      const url = new URL(req.url);
      const watching = url.searchParams.get('watch') === 'true';
      requests.push(`${req.method} ${url.pathname}${watching ? ` watch rv=${url.searchParams.get('resourceVersion') ?? ''}` : ''}`);
      if (watching && gate) await gate;
      const res = await app.fetch(req);
      return watching ? endable(res) : res;
    },
  });
  await new Promise((r) => server.once('listening', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let open: () => void = () => {};
  return {
    url,
    caPem: tls.caPem,
    store,
    requests,
    holdWatches() {
      gate = new Promise((r) => (open = r));
    },
    releaseWatches() {
      gate = undefined;
      open();
    },
    endWatches: () => [...openWatches].forEach((end) => end()),
    close: async () => {
      (server as unknown as { closeAllConnections(): void }).closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(tlsDir, { recursive: true, force: true });
    },
  };
}

function kubeConfig(server: { url: string; caPem: string }): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'minik', server: server.url, caData: Buffer.from(server.caPem).toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'minik', token: TOKEN }],
    contexts: [{ name: 'minik', cluster: 'minik', user: 'minik' }],
    currentContext: 'minik',
  });
  return kc;
}

const service = (name: string, labels: Record<string, string> = {}): k8s.V1Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, labels },
  spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
});

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('list, create, replace, patch (merge, strategic, JSON, apply) and delete through the typed API', async () => {
  const server = await startServer();
  try {
    const core = kubeConfig(server).makeApiClient(k8s.CoreV1Api);
    const created = await core.createNamespacedService({ namespace: NS, body: service('web') });
    assert.match(created.spec?.clusterIP ?? '', /^10\./);
    const list = await core.listNamespacedService({ namespace: NS });
    assert.equal(list.items.map((s) => s.metadata?.name), ['web']);
    assert.ok(list.metadata?.resourceVersion);

    const replaced = await core.replaceNamespacedService({ name: 'web', namespace: NS, body: { ...created, metadata: { ...created.metadata, labels: { tier: 'fe' } } } });
    assert.equal(replaced.metadata?.labels, { tier: 'fe' });
    assert.is(replaced.spec?.clusterIP, created.spec?.clusterIP);

    const patch = (body: unknown, type: k8s.PatchStrategy, extra: Record<string, string> = {}) =>
      core.patchNamespacedService({ name: 'web', namespace: NS, body, ...extra }, k8s.setHeaderOptions('Content-Type', type));
    assert.equal((await patch({ metadata: { labels: { a: '1' } } }, k8s.PatchStrategy.MergePatch)).metadata?.labels, { tier: 'fe', a: '1' });
    const smp = await patch({ spec: { ports: [{ port: 80, targetPort: 9090 }] } }, k8s.PatchStrategy.StrategicMergePatch);
    assert.is(smp.spec?.ports?.[0].targetPort, 9090);
    const json = await patch([{ op: 'replace', path: '/spec/type', value: 'NodePort' }], k8s.PatchStrategy.JsonPatch);
    assert.ok((json.spec?.ports?.[0].nodePort ?? 0) >= 30000);
    const applied = await patch(
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { owner: 'apply' } } },
      k8s.PatchStrategy.ServerSideApply,
      { fieldManager: 'e2e' },
    );
    assert.is(applied.metadata?.labels?.owner, 'apply');
    assert.ok(applied.metadata?.managedFields?.some((f) => f.manager === 'e2e' && f.operation === 'Apply'));

    await core.deleteNamespacedService({ name: 'web', namespace: NS });
    let status = 0;
    await core.readNamespacedService({ name: 'web', namespace: NS }).catch((err: { code?: number }) => (status = err.code ?? -1));
    assert.is(status, 404);

    const net = kubeConfig(server).makeApiClient(k8s.NetworkingV1Api);
    const ing = await net.createNamespacedIngress({
      namespace: NS,
      body: { metadata: { name: 'ing' }, spec: { rules: [{ host: 'a.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } },
    });
    assert.is(ing.spec?.rules?.[0].host, 'a.example');
  } finally {
    await server.close();
  }
});

test('an informer sees add, update and delete in order across a forced 410 Gone relist, without a request storm', async () => {
  const server = await startServer();
  const kc = kubeConfig(server);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedService({ namespace: NS, body: service('old') });
  const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${NS}/services`, () => core.listNamespacedService({ namespace: NS }));
  const seen: string[] = [];
  const errors: unknown[] = [];
  informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
  informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.metadata?.labels?.v ?? ''}`));
  informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
  informer.on('error', (err) => errors.push(err));
  try {
    await informer.start();
    await until('the initial add', () => seen.includes('add old'));
    await core.createNamespacedService({ namespace: NS, body: service('a') });
    await until('the live add', () => seen.includes('add a'));

    // Cut the watch and hold the informer's re-watch while the cluster moves on
    // far past what the change log keeps.
    server.holdWatches();
    const cut = server.requests.length;
    server.endWatches();
    await until('the informer to come back', () => server.requests.slice(cut).some((r) => r.includes(' watch ')));
    await core.patchNamespacedService({ name: 'a', namespace: NS, body: { metadata: { labels: { v: '2' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await core.createNamespacedService({ namespace: NS, body: service('b') });
    await core.deleteNamespacedService({ name: 'old', namespace: NS });
    for (let i = 0; i < LOG_KEEP + 110; i++) {
      await server.store.transact((tx) => tx.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `filler-${i}` } } as never));
    }
    assert.ok(server.store.oldestResumableRevision() > 0, 'the change log was trimmed');
    const held = server.requests.slice(cut).find((r) => r.includes(' watch '))!;
    const heldRevision = Number(/rv=(\d+)/.exec(held)![1]);
    assert.ok(heldRevision < server.store.oldestResumableRevision(), `the held watch (${held}) is older than the log: it will get 410`);
    const before = server.requests.length;
    server.releaseWatches();

    await until('the relist to catch up', () => seen.includes('add b') && seen.includes('delete old') && seen.includes('update a 2'));
    await core.deleteNamespacedService({ name: 'a', namespace: NS });
    await until('the live delete after the relist', () => seen.includes('delete a'));
    await new Promise((r) => setTimeout(r, 1000)); // room for a storm to show

    assert.equal(seen.slice(0, 2), ['add old', 'add a']);
    assert.equal(seen.at(-1), 'delete a');
    assert.equal(seen.slice(2, -1).sort(), ['add b', 'delete old', 'update a 2']);
    const after = server.requests.slice(before);
    // The held watch (answered 410), one relist, one new watch; a little slack, no storm.
    assert.ok(after.length <= 8, `requests after the 410: ${after.join(' | ')}`);
    assert.ok(after.some((r) => r === `GET /api/v1/namespaces/${NS}/services`), 'the informer relisted');
    assert.equal(errors, []);
  } finally {
    await informer.stop();
    await server.close();
  }
});

test.run();
