import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testTls } from '../../apiserver/testing.ts';
import { loadOrCreateTls, servingSans } from '../../apiserver/tls.ts';
import type { AddressInfo } from 'node:net';
import { readyNodeNames, waitForApiserver, waitForNodesReady } from './ready.ts';
import { isLabError } from './errors.ts';

// A loopback stand-in for the apiserver whose answers the tests change.
let server: Server;
let base = '';
let readyz = 503;
let nodes: { name: string; ready: boolean }[] = [];
let seenAuth: (string | undefined)[] = [];

test.before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/readyz') {
      res.writeHead(readyz).end(readyz === 200 ? 'ok' : 'not ready');
      return;
    }
    seenAuth.push(req.headers.authorization);
    if (req.headers.authorization !== 'Bearer t0k') {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"kind":"Status","code":401}');
      return;
    }
    const items = nodes.map((n) => ({
      metadata: { name: n.name },
      status: { conditions: [{ type: 'Ready', status: n.ready ? 'True' : 'False' }] },
    }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'NodeList', items }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after(() => new Promise<void>((r) => server.close(() => r())));

test('waitForApiserver resolves once /readyz answers 200', async () => {
  readyz = 503;
  setTimeout(() => (readyz = 200), 50);
  await waitForApiserver(base, 5000, { intervalMs: 10 });
});

test('waitForApiserver times out with the last answer', async () => {
  readyz = 503;
  try {
    await waitForApiserver(base, 50, { intervalMs: 10 });
    assert.unreachable();
  } catch (err) {
    assert.ok(isLabError(err, 'LAB_APISERVER_NOT_READY'));
    assert.match((err as Error).message, '503');
  }
});

test('waitForApiserver gives up at once when told why', async () => {
  readyz = 503;
  try {
    await waitForApiserver(base, 60_000, { giveUpIf: () => 'apiserver exited' });
    assert.unreachable();
  } catch (err) {
    assert.is((err as Error).message, 'apiserver exited');
  }
});

test('waitForNodesReady waits for every named node and sends the token', async () => {
  nodes = [
    { name: 'node1', ready: true },
    { name: 'node2', ready: false },
  ];
  seenAuth = [];
  setTimeout(() => (nodes[1].ready = true), 50);
  await waitForNodesReady(base, 't0k', ['node1', 'node2'], 5000, { intervalMs: 10 });
  assert.ok(seenAuth.length >= 1);
  assert.ok(seenAuth.every((a) => a === 'Bearer t0k'));
});

test('waitForNodesReady names the nodes that never became Ready', async () => {
  nodes = [{ name: 'node1', ready: true }];
  try {
    await waitForNodesReady(base, 't0k', ['node1', 'node2', 'node3'], 50, { intervalMs: 10 });
    assert.unreachable();
  } catch (err) {
    assert.ok(isLabError(err, 'LAB_NODES_NOT_READY'));
    assert.match((err as Error).message, 'node2, node3');
  }
});

test('waitForNodesReady fails at once on a refused token', async () => {
  try {
    await waitForNodesReady(base, 'wrong', ['node1'], 60_000);
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, '401');
  }
});

test('over HTTPS: waits for the CA file the apiserver writes, then verifies the server with it; another CA never passes', async () => {
  const tls = await testTls();
  const secure = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    if (req.url === '/readyz') return void res.end('ok');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: [{ metadata: { name: 'node1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }] }));
  });
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'minik-ready-ca-'));
  const caFile = join(dir, 'ca.crt');
  try {
    setTimeout(() => writeFileSync(caFile, tls.caPem), 50); // the apiserver writes it at its start
    await waitForApiserver(url, 5000, { intervalMs: 10, caFile });
    await waitForNodesReady(url, 't0k', ['node1'], 5000, { intervalMs: 10, caFile });

    const other = await loadOrCreateTls(join(dir, 'other'), servingSans(['127.0.0.1'], {}));
    writeFileSync(caFile, other.caPem);
    try {
      await waitForApiserver(url, 100, { intervalMs: 10, caFile });
      assert.unreachable();
    } catch (err) {
      assert.ok(isLabError(err, 'LAB_APISERVER_NOT_READY'));
      assert.match((err as Error).message, /certificate/);
    }
    rmSync(caFile);
    try {
      await waitForApiserver(url, 50, { intervalMs: 10, caFile });
      assert.unreachable();
    } catch (err) {
      assert.match((err as Error).message, `no CA at ${caFile} yet`);
    }
  } finally {
    secure.closeAllConnections();
    await new Promise((r) => secure.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readyNodeNames reads the Ready condition', () => {
  assert.equal(
    readyNodeNames({
      items: [
        { metadata: { name: 'a' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
        { metadata: { name: 'b' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } },
        { metadata: { name: 'c' } },
      ],
    }),
    ['a'],
  );
});

test.run();
