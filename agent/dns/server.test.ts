// The real listener on 127.0.0.1 with a free port: UDP and TCP, framing,
// pipelining, truncation then TCP retry, malformed input, state swaps.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket } from 'dns-packet';
import { startDnsServer, DnsServerError, type DnsServer } from './server.ts';
import { buildDnsState, type DnsState } from './state.ts';
import { bigHeadless, endpoints, pods, services } from './testdata/cluster.ts';

type Decoded = DecodedPacket & { rcode: string };

const big = bigHeadless(40);
const full = buildDnsState({ services: [...services, big.service], endpoints: [...endpoints, big.endpoints], pods });
const empty = buildDnsState({ services: [], endpoints: [], pods: [] });
let current: DnsState = full;
const errors: Error[] = [];
let server: DnsServer;

const query = (name: string, id = 1, type = 'A') =>
  dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A' }] });

function frame(message: Buffer): Buffer {
  const out = Buffer.alloc(2 + message.length);
  out.writeUInt16BE(message.length, 0);
  message.copy(out, 2);
  return out;
}

/** Sends datagrams from one socket and collects `expected` replies (or fails after a generous wait). */
function udpExchange(messages: Buffer[], expected: number): Promise<Decoded[]> {
  const socket = createSocket('udp4');
  const replies: Decoded[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`got ${replies.length} of ${expected} UDP replies`)), 3000);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(replies);
    };
    socket.on('message', (msg) => {
      replies.push(dnsPacket.decode(msg) as Decoded);
      if (replies.length === expected) finish();
    });
    socket.bind(0, '127.0.0.1', () => {
      for (const m of messages) socket.send(m, server.port, '127.0.0.1');
    });
  });
}

/** Opens one TCP connection, writes the chunks in order, reads `expected` framed replies. */
function tcpExchange(chunks: Buffer[], expected: number): Promise<{ replies: Decoded[]; closedByServer: boolean }> {
  const conn: Socket = connect(server.port, '127.0.0.1');
  const replies: Decoded[] = [];
  let buffered: Buffer = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`got ${replies.length} of ${expected} TCP replies`));
    }, 3000);
    const done = (closedByServer: boolean) => {
      clearTimeout(timer);
      conn.destroy();
      resolve({ replies, closedByServer });
    };
    conn.on('error', () => {});
    conn.on('close', () => done(true));
    conn.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        replies.push(dnsPacket.decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0))) as Decoded);
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
      }
      if (expected > 0 && replies.length === expected) done(false);
    });
    conn.on('connect', async () => {
      for (const c of chunks) {
        conn.write(c);
        await new Promise((r) => setTimeout(r, 20)); // separate segments, to exercise reassembly
      }
    });
  });
}

test.before(async () => {
  server = await startDnsServer({ address: '127.0.0.1', port: 0, getState: () => current, onError: (e) => errors.push(e) });
});

test.after(async () => {
  await server.close();
});

test.before.each(() => {
  current = full;
});

test('UDP: an A query is answered', async () => {
  const [reply] = await udpExchange([query('web.default.svc.cluster.local', 11)], 1);
  assert.is(reply.id, 11);
  assert.is(reply.rcode, 'NOERROR');
  assert.equal(reply.answers?.map((a) => ('data' in a ? a.data : '')), ['10.96.0.20']);
});

test('TCP: a query is answered with 2-byte framing', async () => {
  const { replies } = await tcpExchange([frame(query('_http._tcp.web.default.svc.cluster.local', 12, 'SRV'))], 1);
  assert.is(replies[0].id, 12);
  assert.is(replies[0].answers?.[0].type, 'SRV');
});

test('TCP: several queries on one connection, pipelined in one write and split across writes', async () => {
  const three = Buffer.concat([
    frame(query('web.default.svc.cluster.local', 21)),
    frame(query('db.shop.svc.cluster.local', 22)),
    frame(query('nope.default.svc.cluster.local', 23)),
  ]);
  const split = [three.subarray(0, 1), three.subarray(1, 30), three.subarray(30)];
  const { replies } = await tcpExchange(split, 3);
  assert.equal(replies.map((r) => [r.id, r.rcode]), [
    [21, 'NOERROR'],
    [22, 'NOERROR'],
    [23, 'NXDOMAIN'],
  ]);
});

test('UDP truncates a large answer with TC; the TCP retry gets all of it', async () => {
  const [udp] = await udpExchange([query('big.default.svc.cluster.local', 31)], 1);
  assert.ok(udp.flag_tc);
  assert.equal(udp.answers, []);
  const { replies } = await tcpExchange([frame(query('big.default.svc.cluster.local', 32))], 1);
  assert.not.ok(replies[0].flag_tc);
  assert.is(replies[0].answers?.length, 40);
});

test('UDP: garbage is ignored and the server keeps answering', async () => {
  const replies = await udpExchange([Buffer.from('garbage that is no dns message'), Buffer.alloc(3), query('web.default.svc.cluster.local', 41)], 1);
  assert.is(replies[0].id, 41);
  const again = await udpExchange([query('web.default.svc.cluster.local', 42)], 1);
  assert.is(again[0].id, 42);
});

test('TCP: a malformed message closes the connection after the answers before it', async () => {
  const chunk = Buffer.concat([frame(query('web.default.svc.cluster.local', 51)), frame(Buffer.from('not dns at all, no'))]);
  const { replies, closedByServer } = await tcpExchange([chunk], 0);
  assert.ok(closedByServer);
  assert.equal(replies.map((r) => r.id), [51]);
  const next = await tcpExchange([frame(query('web.default.svc.cluster.local', 52))], 1);
  assert.is(next.replies[0].id, 52);
});

test('a FORMERR query gets a FORMERR over the wire', async () => {
  const [reply] = await udpExchange([dnsPacket.encode({ type: 'query', id: 61, questions: [] })], 1);
  assert.is(reply.rcode, 'FORMERR');
});

test('state swapped through getState takes effect on the next query, without a restart', async () => {
  current = empty;
  const [before] = await udpExchange([query('web.default.svc.cluster.local', 71)], 1);
  assert.is(before.rcode, 'NXDOMAIN');
  current = full;
  const [after] = await udpExchange([query('web.default.svc.cluster.local', 72)], 1);
  assert.is(after.rcode, 'NOERROR');
});

test('a busy port fails with a coded error; close frees the port', async () => {
  try {
    await startDnsServer({ address: '127.0.0.1', port: server.port, getState: () => full });
    assert.unreachable('should not bind a port in use');
  } catch (err) {
    assert.instance(err, DnsServerError);
    assert.is((err as DnsServerError).code, 'DNS_LISTEN_FAILED');
  }
  const other = await startDnsServer({ address: '127.0.0.1', port: 0, getState: () => full });
  const port = other.port;
  await other.close();
  const again = await startDnsServer({ address: '127.0.0.1', port, getState: () => full });
  assert.is(again.port, port);
  await again.close();
});

test('no socket errors reached onError during the suite', () => {
  assert.equal(errors.map((e) => e.message), []);
});

test.run();
