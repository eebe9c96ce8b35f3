import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type EchoReply, listenersFor, startEcho } from './server.ts';

const identity = { pod: 'web-0', namespace: 'default', node: 'node1', podIP: '10.244.1.5' };

function httpGet(port: number, path = '/'): Promise<{ status: number; body: EchoReply; localPort: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), localPort: req.socket!.localPort! }));
    });
    req.on('error', reject);
    req.end();
  });
}

function udpAsk(port: number): Promise<{ body: EchoReply; localPort: number }> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.on('error', reject);
    socket.on('message', (msg) => {
      const localPort = socket.address().port;
      socket.close();
      resolve({ body: JSON.parse(msg.toString()), localPort });
    });
    socket.bind(0, '127.0.0.1', () => socket.send('hello', port, '127.0.0.1'));
  });
}

test('answers HTTP on every TCP port with identity and the client address it saw', async () => {
  const server = await startEcho({ ...identity, host: '127.0.0.1', ports: [{ port: 0, protocol: 'TCP' }, { port: 0, protocol: 'TCP' }] });
  try {
    assert.is(server.ports.length, 2);
    for (const p of server.ports) {
      const { status, body, localPort } = await httpGet(p.port, '/anything?x=1');
      assert.is(status, 200);
      assert.equal(body, { ...identity, clientIP: '127.0.0.1', clientPort: localPort, port: p.port, protocol: 'TCP' });
    }
  } finally {
    await server.close();
  }
});

test('answers every UDP datagram with the same keys', async () => {
  const server = await startEcho({ ...identity, host: '127.0.0.1', ports: [{ port: 0, protocol: 'UDP' }] });
  try {
    const [udp] = server.ports;
    assert.is(udp.protocol, 'UDP');
    const { body, localPort } = await udpAsk(udp.port);
    assert.equal(body, { ...identity, clientIP: '127.0.0.1', clientPort: localPort, port: udp.port, protocol: 'UDP' });
    assert.equal(Object.keys(body).sort(), ['clientIP', 'clientPort', 'namespace', 'node', 'pod', 'podIP', 'port', 'protocol']);
  } finally {
    await server.close();
  }
});

test('TCP and UDP on the same port number both answer', async () => {
  const tcp = await startEcho({ ...identity, host: '127.0.0.1', ports: [{ port: 0, protocol: 'TCP' }] });
  const port = tcp.ports[0].port;
  await tcp.close();
  const server = await startEcho({ ...identity, host: '127.0.0.1', ports: [{ port, protocol: 'TCP' }, { port, protocol: 'UDP' }] });
  try {
    assert.is((await httpGet(port)).body.protocol, 'TCP');
    assert.is((await udpAsk(port)).body.protocol, 'UDP');
  } finally {
    await server.close();
  }
});

test('a port declared for one protocol is served over both, and each request or datagram is one log line', async () => {
  const probe = await startEcho({ ...identity, host: '127.0.0.1', ports: [{ port: 0, protocol: 'TCP' }] });
  const port = probe.ports[0].port;
  await probe.close();
  const lines: string[] = [];
  const server = await startEcho({ ...identity, host: '127.0.0.1', ports: [{ port, protocol: 'UDP' }], log: (l) => void lines.push(l) });
  try {
    assert.equal(server.ports.map((p) => p.protocol).sort(), ['TCP', 'UDP']);
    const udp = await udpAsk(port);
    assert.is(udp.body.protocol, 'UDP');
    const http = await httpGet(port, '/hello');
    assert.is(http.body.protocol, 'TCP');
    assert.equal(lines, [`UDP 127.0.0.1:${udp.localPort} -> :${port} 5 bytes`, `TCP 127.0.0.1:${http.localPort} -> :${port} GET /hello`]);
  } finally {
    await server.close();
  }
});

test('listenersFor: both protocols per port number, once each; port 0 keeps its own protocol', () => {
  assert.equal(listenersFor([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }, { port: 0, protocol: 'TCP' }]), [
    { port: 53, protocol: 'TCP' },
    { port: 53, protocol: 'UDP' },
    { port: 0, protocol: 'TCP' },
  ]);
});

test('a port that cannot be bound rejects and leaves nothing listening', async () => {
  const first = await startEcho({ ...identity, host: '127.0.0.1', ports: [{ port: 0, protocol: 'TCP' }] });
  const taken = first.ports[0].port;
  const probe = await startEcho({ ...identity, host: '127.0.0.1', ports: [{ port: 0, protocol: 'TCP' }] });
  const freed = probe.ports[0].port;
  await probe.close();
  try {
    let error: NodeJS.ErrnoException | undefined;
    try {
      await startEcho({ ...identity, host: '127.0.0.1', ports: [{ port: freed, protocol: 'TCP' }, { port: taken, protocol: 'TCP' }] });
    } catch (err) {
      error = err as NodeJS.ErrnoException;
    }
    assert.is(error?.code, 'EADDRINUSE');
    // the first listener of the failed start was closed again
    const again = await startEcho({ ...identity, host: '127.0.0.1', ports: [{ port: freed, protocol: 'TCP' }] });
    await again.close();
  } finally {
    await first.close();
  }
});

test.run();
