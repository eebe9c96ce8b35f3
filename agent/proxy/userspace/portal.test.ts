// Portals against real sockets on loopback: round robin, half-close,
// backpressure-free streaming of a large body, reset without endpoints,
// ClientIP affinity, UDP flows with an idle timeout.
import { createSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ProxyEndpoint } from '../model.ts';
import { Balancer, openPortal, type Decision } from './portal.ts';
import type { PortalSpec } from './plan.ts';

const servers: Server[] = [];
test.after.each(() => servers.splice(0).forEach((s) => s.close()));

/** A TCP backend that answers `name:` + everything it read, after the client half-closes. */
async function backend(name: string): Promise<ProxyEndpoint> {
  const s = createServer({ allowHalfOpen: true }, (c) => {
    const chunks: Buffer[] = [];
    c.on('data', (d) => chunks.push(d));
    c.on('end', () => c.end(`${name}:${Buffer.concat(chunks).length}`));
  });
  servers.push(s);
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return { ip: '127.0.0.1', port: (s.address() as { port: number }).port, isLocal: true };
}

const spec = (endpoints: ProxyEndpoint[], extra: Partial<PortalSpec> = {}): PortalSpec => ({
  id: 'default/web:80/tcp#cluster', label: 'default/web:80', protocol: 'tcp', addresses: ['10.96.0.20:80'], endpoints, ...extra,
});

async function request(port: number, body: string | Buffer): Promise<string> {
  const c = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await once(c, 'connect');
  c.end(body); // half-close: the answer must still come back
  const chunks: Buffer[] = [];
  c.on('data', (d) => chunks.push(d));
  await once(c, 'end');
  c.destroy();
  return Buffer.concat(chunks).toString();
}

test('TCP: round robin over endpoints, half-close carried, a 16 MB body streamed whole', async () => {
  const eps = [await backend('a'), await backend('b')];
  const decisions: Decision[] = [];
  const p = await openPortal(spec(eps), { host: '127.0.0.1', onDecision: (d) => decisions.push(d) });
  try {
    const answers = [await request(p.port, 'hi'), await request(p.port, 'hi'), await request(p.port, 'hi')];
    assert.equal(answers, ['a:2', 'b:2', 'a:2']);
    assert.is(await request(p.port, Buffer.alloc(16 * 1024 * 1024, 1)), `b:${16 * 1024 * 1024}`);
    assert.equal(decisions.map((d) => d.reason), ['round-robin', 'round-robin', 'round-robin', 'round-robin']);
    assert.is(decisions[0].endpoint, `127.0.0.1:${eps[0].port}`);
  } finally {
    await p.close();
  }
});

test('TCP: no endpoints → the client is reset at once, and the decision says so', async () => {
  const decisions: Decision[] = [];
  const p = await openPortal(spec([]), { host: '127.0.0.1', onDecision: (d) => decisions.push(d) });
  try {
    const c = connect({ host: '127.0.0.1', port: p.port });
    const [err] = (await once(c, 'error')) as [NodeJS.ErrnoException];
    assert.is(err.code, 'ECONNRESET');
    assert.is(decisions[0].reason, 'no-endpoints');
  } finally {
    await p.close();
  }
});

test('TCP: endpoints follow update(); a dead endpoint resets the client instead of hanging', async () => {
  const a = await backend('a');
  const p = await openPortal(spec([{ ip: '127.0.0.1', port: 1, isLocal: true }]), { host: '127.0.0.1' });
  try {
    const c = connect({ host: '127.0.0.1', port: p.port });
    const [err] = (await once(c, 'error')) as [NodeJS.ErrnoException];
    assert.is(err.code, 'ECONNRESET');
    p.update(spec([a]));
    assert.is(await request(p.port, 'x'), 'a:1');
  } finally {
    await p.close();
  }
});

test('ClientIP affinity: the same client keeps its endpoint; without affinity it rotates', () => {
  let now = 0;
  const eps: ProxyEndpoint[] = [1, 2, 3].map((i) => ({ ip: `10.244.1.${i}`, port: 80, isLocal: false }));
  const sticky = new Balancer(spec(eps, { affinityTimeoutSeconds: 10 }), () => now);
  const first = sticky.pick('10.0.0.1').ep!;
  for (let i = 0; i < 5; i++) assert.is(sticky.pick('10.0.0.1').ep, first);
  assert.is(sticky.pick('10.0.0.1').reason, 'affinity');
  assert.is.not(sticky.pick('10.0.0.2').ep, first, 'another client is balanced');
  now += 11_000;
  assert.is(sticky.pick('10.0.0.1').reason, 'round-robin', 'the timeout forgets the client');
  const plain = new Balancer(spec(eps));
  assert.equal([0, 1, 2, 3].map(() => plain.pick('10.0.0.1').ep!.ip), ['10.244.1.1', '10.244.1.2', '10.244.1.3', '10.244.1.1']);
});

test('UDP: one flow per client (replies come back from the portal), idle flows close, gone endpoints drop their flows', async () => {
  const backendSock = createSocket('udp4');
  backendSock.on('message', (m, r) => backendSock.send(Buffer.from(`pong:${m}`), r.port, r.address));
  backendSock.bind(0, '127.0.0.1');
  await once(backendSock, 'listening');
  const ep: ProxyEndpoint = { ip: '127.0.0.1', port: backendSock.address().port, isLocal: true };
  const decisions: Decision[] = [];
  const p = await openPortal(spec([ep], { protocol: 'udp', id: 'x#cluster' }), { host: '127.0.0.1', udpIdleMs: 200, onDecision: (d) => decisions.push(d) });
  const client = createSocket('udp4');
  client.bind(0, '127.0.0.1');
  await once(client, 'listening');
  const ask = async (text: string) => {
    client.send(text, p.port, '127.0.0.1');
    const [msg, from] = (await once(client, 'message')) as [Buffer, { port: number }];
    assert.is(from.port, p.port, 'the reply comes from the portal');
    return msg.toString();
  };
  try {
    assert.is(await ask('1'), 'pong:1');
    assert.is(await ask('2'), 'pong:2');
    assert.is(decisions.length, 1, 'one flow for one client');
    await new Promise((r) => setTimeout(r, 400));
    assert.is(await ask('3'), 'pong:3');
    assert.is(decisions.length, 2, 'the idle flow was closed; a new one was made');
    p.dropEndpoints([ep]);
    assert.is(await ask('4'), 'pong:4');
    assert.is(decisions.length, 3, 'a gone endpoint closes its flows');
  } finally {
    client.close();
    backendSock.close();
    await p.close();
  }
});

test.run();
