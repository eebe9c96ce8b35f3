// The ingress proxy on loopback: real node:http endpoints on 127.0.0.1 stand
// in for pods; the route table is built by routes.ts from plain objects.

import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Endpoints, Ingress, Service } from '../../api/types.ts';
import { buildRouteTable, type RouteTable } from './routes.ts';
import { endToEndHeaders, startIngressServer, type IngressServer } from './server.ts';

interface Seen {
  name: string;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
  remotePort: number;
}

/** A stand-in pod: answers with who it is and what it received; `POST /big` answers a large body. */
async function endpoint(name: string): Promise<{ port: number; server: Server; connections: () => number }> {
  let connections = 0;
  const server = createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (c: Buffer) => (bodyBytes += c.length));
    req.on('end', () => {
      const seen: Seen = { name, method: req.method!, url: req.url!, headers: req.headers, bodyBytes, remotePort: req.socket.remotePort! };
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-seen': JSON.stringify({ ...seen, headers: {} }) });
        res.end(Buffer.alloc(3 * 1024 * 1024, 7)); // chunked on the way back through the proxy
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json', 'x-from': name });
      res.end(JSON.stringify(seen));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, server, connections: () => connections };
}

function send(
  port: number,
  opts: { host?: string; path?: string; method?: string; body?: Buffer; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: opts.path ?? '/',
        method: opts.method ?? 'GET',
        headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const svc = (name: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
const eps = (name: string, ports: number[]): Endpoints => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name, namespace: 'default' },
  // Every loopback endpoint shares 127.0.0.1; the Endpoints port differs per subset.
  subsets: ports.map((port) => ({ addresses: [{ ip: '127.0.0.1' }], ports: [{ port }] })),
});
const ingress: Ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'demo', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: {
    rules: [
      { host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'a', port: { number: 80 } } } }] } },
      { host: 'b.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'b', port: { number: 80 } } } }] } },
      { host: 'empty.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'empty', port: { number: 80 } } } }] } },
      { host: 'dead.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'dead', port: { number: 80 } } } }] } },
    ],
  },
};

let a1: Awaited<ReturnType<typeof endpoint>>;
let a2: Awaited<ReturnType<typeof endpoint>>;
let b1: Awaited<ReturnType<typeof endpoint>>;
let deadPort: number;
let table: RouteTable;
let ingressServer: IngressServer;
let port: number;
let nodePort: number;

test.before(async () => {
  [a1, a2, b1] = await Promise.all([endpoint('a1'), endpoint('a2'), endpoint('b1')]);
  // A port that refuses: listen, note the port, close.
  const closed = await endpoint('gone');
  deadPort = closed.port;
  await new Promise((r) => closed.server.close(r));
  table = buildRouteTable(
    [ingress],
    ['a', 'b', 'empty', 'dead'].map(svc),
    [eps('a', [a1.port, a2.port]), eps('b', [b1.port]), eps('empty', []), eps('dead', [deadPort])],
  );
  ingressServer = await startIngressServer({ port: 0, nodePort: 0, host: '127.0.0.1', getTable: () => table });
  [port, nodePort] = ingressServer.ports;
});

test.after(async () => {
  await ingressServer?.close();
  for (const e of [a1, a2, b1]) e?.server.closeAllConnections();
  await Promise.all([a1, a2, b1].map((e) => e && new Promise((r) => e.server.close(r))));
});

test('listens on two ports', () => {
  assert.is(ingressServer.ports.length, 2);
  assert.is.not(port, nodePort);
});

test('routes by Host (port stripped) and keeps method, path, query and the Host header', async () => {
  const res = await send(port, { host: 'b.example.com:80', path: '/x/y?q=1', method: 'DELETE' });
  assert.is(res.status, 201);
  const seen = JSON.parse(res.body.toString()) as Seen;
  assert.is(seen.name, 'b1');
  assert.is(seen.method, 'DELETE');
  assert.is(seen.url, '/x/y?q=1');
  assert.is(seen.headers.host, 'b.example.com:80');
  assert.is(res.headers['x-from'], 'b1');
});

test('adds X-Forwarded-For/-Host/-Proto, appending to an existing X-Forwarded-For', async () => {
  const res = await send(port, { host: 'b.example.com', headers: { 'x-forwarded-for': '203.0.113.9' } });
  const seen = JSON.parse(res.body.toString()) as Seen;
  assert.is(seen.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
  assert.is(seen.headers['x-forwarded-host'], 'b.example.com');
  assert.is(seen.headers['x-forwarded-proto'], 'http');
});

test('strips hop-by-hop headers, including those the Connection header names', async () => {
  const res = await send(port, { host: 'b.example.com', headers: { connection: 'x-secret-hop', 'x-secret-hop': '1', 'x-kept': '2' } });
  const seen = JSON.parse(res.body.toString()) as Seen;
  assert.is(seen.headers['x-secret-hop'], undefined);
  assert.is(seen.headers['x-kept'], '2');
  assert.equal(endToEndHeaders({ connection: 'close, x-a', 'x-a': '1', 'transfer-encoding': 'chunked', te: 'trailers', 'x-b': '2' }), { 'x-b': '2' });
});

test('round-robins over the backend endpoints', async () => {
  const names: string[] = [];
  for (let i = 0; i < 6; i++) names.push((JSON.parse((await send(port, { host: 'a.example.com' })).body.toString()) as Seen).name);
  assert.equal(names.filter((n) => n === 'a1').length, 3, names.join(' '));
  assert.equal(names.filter((n) => n === 'a2').length, 3, names.join(' '));
});

test('reuses kept-alive connections to an endpoint', async () => {
  const before = b1.connections();
  for (let i = 0; i < 5; i++) await send(port, { host: 'b.example.com' });
  assert.ok(b1.connections() - before <= 1, `opened ${b1.connections() - before} connections for 5 sequential requests`);
});

test('streams a request body to the endpoint and a large answer back', async () => {
  const body = Buffer.alloc(2 * 1024 * 1024, 1);
  const res = await send(port, { host: 'b.example.com', path: '/big', method: 'POST', body });
  assert.is(res.status, 200);
  assert.is(res.body.length, 3 * 1024 * 1024);
  const seen = JSON.parse(String(res.headers['x-seen'])) as Seen;
  assert.is(seen.bodyBytes, body.length);
});

test('the node port serves the same routes', async () => {
  const res = await send(nodePort, { host: 'b.example.com' });
  assert.is((JSON.parse(res.body.toString()) as Seen).name, 'b1');
});

test('no matching rule and no default backend: 404', async () => {
  const res = await send(port, { host: 'nowhere.example.org', path: '/x' });
  assert.is(res.status, 404);
  assert.match(res.body.toString(), /404/);
});

test('a backend without ready endpoints: 503', async () => {
  const res = await send(port, { host: 'empty.example.com' });
  assert.is(res.status, 503);
  assert.match(res.body.toString(), /no ready endpoints/);
});

test('an endpoint that refuses: 502 with a short text', async () => {
  const res = await send(port, { host: 'dead.example.com' });
  assert.is(res.status, 502);
  assert.match(res.body.toString(), new RegExp(`127\\.0\\.0\\.1:${deadPort}`));
});

test('a new table takes effect on the next request', async () => {
  const old = table;
  try {
    table = buildRouteTable([{ ...ingress, spec: { defaultBackend: { service: { name: 'a', port: { number: 80 } } } } }], [svc('a')], [eps('a', [a1.port])]);
    const res = await send(port, { host: 'nowhere.example.org' });
    assert.is((JSON.parse(res.body.toString()) as Seen).name, 'a1');
  } finally {
    table = old;
  }
});

test('a port already in use fails with a stable code', async () => {
  try {
    await startIngressServer({ port, nodePort: null, host: '127.0.0.1', getTable: () => table });
    assert.unreachable('should not listen twice');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'INGRESS_LISTEN_FAILED');
  }
});

test.run();
