import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Client, ConnectionError } from './client.ts';
import { ApiError } from './errors.ts';
import { createFakeApiserver } from './fake-apiserver.ts';
import type { Service } from './types.ts';
import { testTls } from '../apiserver/testing.ts';
import { loadOrCreateTls, servingSans } from '../apiserver/tls.ts';

const TOKEN = 'secret-token';

function setup() {
  const server = createFakeApiserver({ token: TOKEN });
  const client = new Client({ server: 'http://apiserver.test:6443/', token: TOKEN, fetch: server.fetch });
  return { server, client };
}

const svc = (name: string, spec: Partial<Service['spec']> = {}, labels?: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'demo', ...(labels ? { labels } : {}) },
  spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...spec },
});

test('sends the bearer token on every call; a wrong token is Unauthorized', async () => {
  const seen: string[] = [];
  const client = new Client({
    server: 'http://x',
    token: 't0k',
    fetch: async (_url, init) => {
      seen.push(String((init?.headers as Record<string, string>).authorization));
      return new Response(JSON.stringify({ kind: 'ServiceList', items: [] }), { status: 200 });
    },
  });
  await client.list('svc');
  await client.get('Service', 'default', 'x');
  assert.equal(seen, ['Bearer t0k', 'Bearer t0k']);

  const { server } = setup();
  const bad = new Client({ server: 'http://x', token: 'wrong', fetch: server.fetch });
  try {
    await bad.list('svc');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ApiError);
    assert.is((err as ApiError).reason, 'Unauthorized');
    assert.is((err as ApiError).code, 401);
  }
});

test('create, get, list (namespace, all namespaces, label selector), delete use Kubernetes paths', async () => {
  const { server, client } = setup();
  const created = await client.create(svc('web', {}, { tier: 'front' }));
  assert.ok(created.metadata.uid);
  assert.is(created.spec.clusterIP, '10.96.0.2');
  await client.create({ ...svc('db'), metadata: { name: 'db', namespace: 'other' } });
  assert.is((await client.get<Service>('svc', 'demo', 'web')).metadata.name, 'web');
  assert.equal((await client.list('services', { namespace: 'demo' })).items.map((i) => i.metadata.name), ['web']);
  assert.equal((await client.list('services', { allNamespaces: true })).items.length, 2);
  assert.equal((await client.list('services', { namespace: 'demo', labelSelector: 'tier=back' })).items.length, 0);
  await client.delete('svc', 'demo', 'web');
  assert.equal(server.requests, [
    'POST /api/v1/namespaces/demo/services',
    'POST /api/v1/namespaces/other/services',
    'GET /api/v1/namespaces/demo/services/web',
    'GET /api/v1/namespaces/demo/services',
    'GET /api/v1/services',
    'GET /api/v1/namespaces/demo/services?labelSelector=tier%3Dback',
    'DELETE /api/v1/namespaces/demo/services/web',
  ]);
});

test('cluster-scoped and networking kinds map to their paths; namespace defaults to default', async () => {
  const { server, client } = setup();
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
  await client.create({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'ing' },
    spec: { rules: [] },
  } as never);
  await client.list('nodes');
  assert.equal(server.requests, [
    'POST /api/v1/namespaces',
    'POST /apis/networking.k8s.io/v1/namespaces/default/ingresses',
    'GET /api/v1/nodes',
  ]);
});

test('failures rebuild the server Status: reason, code, message, causes', async () => {
  const { client } = setup();
  await client.create(svc('web'));
  try {
    await client.create(svc('web'));
    assert.unreachable();
  } catch (err) {
    assert.is((err as ApiError).reason, 'AlreadyExists');
    assert.is((err as ApiError).message, 'services "web" already exists');
  }
  await client.create(svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 32540 }] }));
  try {
    await client.create(svc('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 32540 }] }));
    assert.unreachable();
  } catch (err) {
    assert.is((err as ApiError).reason, 'Invalid');
    assert.is((err as ApiError).details?.causes?.[0].field, 'spec.ports[0].nodePort');
  }
});

test('a non-Status error body keeps the HTTP code and shows the text', async () => {
  const client = new Client({ server: 'http://x', fetch: async () => new Response('bad gateway', { status: 502 }) });
  try {
    await client.list('pods');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ApiError);
    assert.is((err as ApiError).message, 'bad gateway');
  }
});

test('an unreachable server is a ConnectionError saying so', async () => {
  const client = new Client({
    server: 'http://127.0.0.1:1',
    fetch: async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' } });
    },
  });
  try {
    await client.healthz();
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ConnectionError);
    assert.instance(err, ApiError);
    assert.is((err as Error).message, 'Unable to connect to the server: connect ECONNREFUSED 127.0.0.1:1');
  }
});

test('real fetch to a closed loopback port fails as ConnectionError naming the address', async () => {
  // A port that was just free: listen on an ephemeral one, then close it.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const client = new Client({ server: `http://127.0.0.1:${port}`, timeoutMs: 5000 });
  try {
    await client.healthz();
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ConnectionError);
    assert.is((err as Error).message, `Unable to connect to the server: connect ECONNREFUSED 127.0.0.1:${port}`);
  }
});

test('https: trusts the given CA, reuses one connection, and refuses a server another CA signed', async () => {
  const tls = await testTls();
  let connections = 0;
  const server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => res.end('ok'));
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const dir = mkdtempSync(join(tmpdir(), 'minik-client-ca-'));
  try {
    const client = new Client({ server: `https://127.0.0.1:${port}`, ca: tls.caPem });
    for (let i = 0; i < 10; i++) assert.is(await client.healthz(), "ok");
    // undici may open a second connection while the first is being released; never one per request.
    assert.ok(connections <= 2, `keep-alive: ${connections} TLS connections for ten requests`);

    const other = await loadOrCreateTls(dir, servingSans(['127.0.0.1'], {}));
    for (const stranger of [new Client({ server: `https://127.0.0.1:${port}`, ca: other.caPem }), new Client({ server: `https://127.0.0.1:${port}` })]) {
      try {
        await stranger.healthz();
        assert.unreachable('a certificate from an untrusted CA was accepted');
      } catch (err) {
        assert.instance(err, ConnectionError);
        assert.match((err as Error).message, /^Unable to connect to the server: tls: failed to verify certificate: /);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('apply: created, then unchanged, then configured keeping clusterIP and nodePort', async () => {
  const { client } = setup();
  const manifest = svc('web', { type: 'NodePort' });
  const first = await client.apply(manifest);
  assert.is(first.action, 'created');
  const { clusterIP } = first.object.spec;
  const nodePort = first.object.spec.ports![0].nodePort;
  assert.ok(nodePort);

  const again = await client.apply(manifest);
  assert.is(again.action, 'unchanged');

  const changed = await client.apply(svc('web', { type: 'NodePort', ports: [{ port: 80, targetPort: 9090 }] }));
  assert.is(changed.action, 'configured');
  assert.is(changed.object.spec.clusterIP, clusterIP);
  assert.is(changed.object.spec.ports![0].nodePort, nodePort);
  assert.is(changed.object.spec.ports![0].targetPort, 9090);
});

test('apply: a label change is configured; resourceVersion is the live one', async () => {
  const { client, server } = setup();
  await client.apply(svc('web'));
  const res = await client.apply(svc('web', {}, { team: 'a' }));
  assert.is(res.action, 'configured');
  assert.equal(res.object.metadata.labels, { team: 'a' });
  assert.ok(server.requests.includes('PUT /api/v1/namespaces/demo/services/web'));
});

test('apply: other errors from the GET are thrown, nothing is created', async () => {
  const { server } = setup();
  const client = new Client({ server: 'http://x', token: 'nope', fetch: server.fetch });
  try {
    await client.apply(svc('web'));
    assert.unreachable();
  } catch (err) {
    assert.is((err as ApiError).reason, 'Unauthorized');
  }
  assert.is(server.objects.size, 0);
});

test('updateStatus replaces only status; update with a stale resourceVersion is Conflict', async () => {
  const { client, server } = setup();
  const created = await client.create(svc('web'));
  const withStatus = await client.updateStatus({ ...created, spec: { ports: [] }, status: { loadBalancer: { ingress: [{ ip: '192.168.77.9' }] } } });
  assert.equal(withStatus.status, { loadBalancer: { ingress: [{ ip: '192.168.77.9' }] } });
  assert.is(withStatus.spec.ports!.length, 1);
  assert.ok(server.requests.includes('PUT /api/v1/namespaces/demo/services/web/status'));
  try {
    await client.update(created);
    assert.unreachable();
  } catch (err) {
    assert.is((err as ApiError).reason, 'Conflict');
  }
});

test('healthz answers ok', async () => {
  const { client } = setup();
  assert.is(await client.healthz(), 'ok');
});

test('unknown kinds and manifests are BadRequest before any request', async () => {
  const { client, server } = setup();
  try {
    await client.get('widgets', 'default', 'x');
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, `the server doesn't have a resource type "widgets"`);
  }
  try {
    await client.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } });
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, 'no matches for kind "Deployment" in version "apps/v1"');
  }
  assert.equal(server.requests, []);
});

test.run();
