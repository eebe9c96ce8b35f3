import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isApiError } from './errors.ts';
import { MemoryEventSource, MemoryNodeRegistry } from '../apiserver/grpc/fake-source.ts';
import { startGrpcServer, type GrpcServer } from '../apiserver/grpc/server.ts';
import { testTls } from '../apiserver/testing.ts';
import { loadOrCreateTls, servingSans } from '../apiserver/tls.ts';
import { grpcTarget, heartbeat, MinikGrpcClient, register } from './grpc-client.ts';

const TOKEN = 'node-token';
let server: GrpcServer;
let nodes: MemoryNodeRegistry;
/** The CA the server's certificate comes from (PEM). */
let ca: string;

test.before(async () => {
  nodes = new MemoryNodeRegistry();
  const tls = await testTls();
  ca = tls.caPem;
  server = await startGrpcServer({ listen: '127.0.0.1:0', source: new MemoryEventSource(), nodes, token: TOKEN, tls });
});
test.after(() => server.close());

const address = () => `127.0.0.1:${server.port}`;

async function rejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

test('register returns the stored Node with its podCIDR; registering again keeps it', async () => {
  const client = new MinikGrpcClient({ address: address(), token: TOKEN, ca });
  try {
    const node = await client.register({ name: 'node1', internalIP: '192.168.77.11', proxyMode: 'nftables' });
    assert.is(node.kind, 'Node');
    assert.is(node.spec.podCIDR, '10.244.0.0/24');
    assert.equal(node.status?.addresses, [{ type: 'InternalIP', address: '192.168.77.11' }]);
    const again = await client.register({ name: 'node1', internalIP: '192.168.77.11' });
    assert.is(again.spec.podCIDR, '10.244.0.0/24');
    await client.heartbeat('node1');
    await client.heartbeat('node1');
    assert.is(nodes.heartbeats.get('node1'), 2);
  } finally {
    client.close();
  }
});

test('one-shot helpers work and accept an http:// address', async () => {
  await register({ address: `http://${address()}/`, token: TOKEN, ca }, { name: 'node2', internalIP: '192.168.77.12' });
  await heartbeat({ address: address(), token: TOKEN, ca }, 'node2');
  assert.is(nodes.heartbeats.get('node2'), 1);
  assert.is(grpcTarget('grpc://h:6444'), 'h:6444');
});

test('a wrong token: `Unauthorized: the server rejected the token`', async () => {
  const err = await rejection(heartbeat({ address: address(), token: 'wrong', ca }, 'node1'));
  assert.ok(isApiError(err, 'Unauthorized'));
  assert.is((err as Error).message, 'Unauthorized: the server rejected the token');
});

test('nothing listening: `cannot reach the gRPC server at HOST:PORT`', async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r)); // now nothing listens there
  const err = await rejection(register({ address: `127.0.0.1:${port}`, token: TOKEN, ca }, { name: 'n', internalIP: '1.2.3.4' }));
  assert.ok(isApiError(err, 'ServiceUnavailable'));
  assert.is((err as Error).message, `cannot reach the gRPC server at 127.0.0.1:${port}`);
});

test('a plain HTTP server (the REST port by mistake) is an error, not a hang', async () => {
  const rest = createServer((_req, res) => res.end('not grpc'));
  await new Promise<void>((r) => rest.listen(0, '127.0.0.1', r));
  const port = (rest.address() as { port: number }).port;
  try {
    const err = await rejection(heartbeat({ address: `127.0.0.1:${port}`, token: TOKEN, ca, timeoutMs: 2_000 }, 'n'));
    assert.ok(isApiError(err), String(err));
    assert.match((err as Error).message, `127.0.0.1:${port}`);
  } finally {
    rest.closeAllConnections();
    await new Promise((r) => rest.close(r));
  }
});

test('TLS: a server whose certificate another CA signed is refused, and the error says why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'minik-grpc-ca-'));
  try {
    const other = await loadOrCreateTls(dir, servingSans(['127.0.0.1'], {}));
    const err = await rejection(heartbeat({ address: address(), token: TOKEN, ca: other.caPem, timeoutMs: 3_000 }, 'node1'));
    assert.ok(isApiError(err, 'ServiceUnavailable'), String(err));
    assert.match((err as Error).message, `cannot reach the gRPC server at ${address()}`);
    assert.match((err as Error).message, /certificate/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TLS: a plaintext client gets no answer from the TLS server (an error, not a hang)', async () => {
  const err = await rejection(heartbeat({ address: address(), token: TOKEN, plaintext: true, timeoutMs: 2_000 }, 'node1'));
  assert.ok(isApiError(err, 'ServiceUnavailable'), String(err));
  assert.is(nodes.heartbeats.get('node1') ?? 0, 2, 'no heartbeat got through');
});

test('server errors keep their Kubernetes reason and message', async () => {
  const notFound = await rejection(heartbeat({ address: address(), token: TOKEN, ca }, 'ghost'));
  assert.ok(isApiError(notFound, 'NotFound'));
  assert.is((notFound as Error).message, 'nodes "ghost" not found');
  const invalid = await rejection(register({ address: address(), token: TOKEN, ca }, { name: '', internalIP: '' }));
  assert.ok(isApiError(invalid, 'Invalid'));
  assert.match((invalid as Error).message, /^Node "" is invalid: \[metadata.name: Required value/);
});

test.run();
