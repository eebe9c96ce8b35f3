import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket, OptAnswer, Packet } from 'dns-packet';
import { compressMessage } from './compress.ts';
import { answerQuery, EDNS_UDP_LIMIT, PLAIN_UDP_LIMIT } from './message.ts';
import { buildDnsState, type DnsState } from './state.ts';
import { bigHeadless, endpoints, pods, services } from './testdata/cluster.ts';

const big = bigHeadless(40);
const state = buildDnsState({ services: [...services, big.service], endpoints: [...endpoints, big.endpoints], pods });
const getState = () => state;

type Decoded = DecodedPacket & { rcode: string; opcode: string };

function query(name: string, type = 'A', extra: Partial<Packet> = {}): Buffer {
  return dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A' }], ...extra });
}

const ednsOpt = (udpPayloadSize: number, more: Partial<OptAnswer> = {}) =>
  ({ type: 'OPT', name: '.', udpPayloadSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [], ...more }) as OptAnswer;

function ask(bytes: Uint8Array, transport: 'udp' | 'tcp' = 'udp', from: () => DnsState = getState): { raw: Buffer; packet: Decoded } {
  const raw = answerQuery(bytes, from, transport);
  assert.ok(raw, 'expected a response');
  return { raw, packet: dnsPacket.decode(raw) as Decoded };
}

test('an A query gets an authoritative answer with the id, question and RD echoed, RA set as CoreDNS does', () => {
  const { packet } = ask(query('web.default.svc.cluster.local'));
  assert.is(packet.id, 4242);
  assert.is(packet.type, 'response');
  assert.is(packet.rcode, 'NOERROR');
  assert.ok(packet.flag_aa);
  assert.ok(packet.flag_rd);
  assert.ok(packet.flag_ra, 'RA: no "recursion not available" warnings in nslookup/dig');
  assert.equal(packet.questions, [{ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN' }]);
  assert.equal(
    packet.answers?.map((a) => [a.type, a.name, 'ttl' in a ? a.ttl : undefined, 'data' in a ? a.data : undefined]),
    [['A', 'web.default.svc.cluster.local', 5, '10.96.0.20']],
  );
});

test('NXDOMAIN carries the SOA in the authority section', () => {
  const { packet } = ask(query('missing.default.svc.cluster.local'));
  assert.is(packet.rcode, 'NXDOMAIN');
  assert.equal(packet.answers, []);
  assert.equal(packet.authorities?.map((a) => [a.type, a.name]), [['SOA', 'cluster.local']]);
});

test('a name outside the cluster domain is REFUSED and not authoritative', () => {
  const { packet } = ask(query('example.com'));
  assert.is(packet.rcode, 'REFUSED');
  assert.not.ok(packet.flag_aa);
});

test('SRV answers bring the target addresses as additional records', () => {
  const { packet } = ask(query('_pg._tcp.db.shop.svc.cluster.local', 'SRV'));
  assert.is(packet.answers?.length, 2);
  assert.equal(packet.additionals?.map((a) => ('data' in a ? a.data : '')).sort(), ['10.244.1.5', '10.244.2.7']);
});

test('garbage, short packets and responses get no answer at all', () => {
  assert.is(answerQuery(Buffer.from('hello, world, this is no dns'), getState, 'udp'), undefined);
  assert.is(answerQuery(Buffer.alloc(5), getState, 'udp'), undefined);
  assert.is(answerQuery(query('web.default.svc.cluster.local').subarray(0, 20), getState, 'udp'), undefined);
  const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ name: 'web.default.svc.cluster.local', type: 'A' }] });
  assert.is(answerQuery(response, getState, 'udp'), undefined);
});

test('FORMERR: no question, two questions, two OPT records', () => {
  const none = ask(dnsPacket.encode({ type: 'query', id: 7, questions: [] })).packet;
  assert.is(none.rcode, 'FORMERR');
  assert.is(none.id, 7);
  const two = ask(
    dnsPacket.encode({
      type: 'query',
      id: 8,
      questions: [
        { name: 'web.default.svc.cluster.local', type: 'A' },
        { name: 'db.shop.svc.cluster.local', type: 'A' },
      ],
    }),
  ).packet;
  assert.is(two.rcode, 'FORMERR');
  assert.equal(two.answers, []);
  const twoOpts = ask(query('web.default.svc.cluster.local', 'A', { additionals: [ednsOpt(1232), ednsOpt(4096)] })).packet;
  assert.is(twoOpts.rcode, 'FORMERR');
});

test('FORMERR for a question whose label does not survive decoding', () => {
  const bytes = query(`${'x'.repeat(40)}.cluster.local`);
  bytes.fill(0xff, 13, 13 + 40); // 40 bytes of invalid UTF-8 in the first label
  const { packet } = ask(bytes);
  assert.is(packet.rcode, 'FORMERR');
  assert.equal(packet.questions, []);
});

test('NOTIMP for an opcode other than QUERY', () => {
  const bytes = query('web.default.svc.cluster.local');
  bytes.writeUInt16BE(bytes.readUInt16BE(2) | (2 << 11), 2); // opcode STATUS
  const { packet } = ask(bytes);
  assert.is(packet.rcode, 'NOTIMP');
  assert.is(packet.opcode, 'STATUS');
});

test('REFUSED for a class other than IN', () => {
  const { packet } = ask(dnsPacket.encode({ type: 'query', id: 9, questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] }));
  assert.is(packet.rcode, 'REFUSED');
});

test('EDNS: the OPT comes back with our buffer size and the DO bit; version 1 gets BADVERS', () => {
  const ok = ask(query('web.default.svc.cluster.local', 'A', { additionals: [ednsOpt(4096, { flags: dnsPacket.DNSSEC_OK })] })).packet;
  const opt = ok.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
  assert.ok(opt);
  assert.is(opt.udpPayloadSize, EDNS_UDP_LIMIT);
  assert.ok(opt.flag_do);
  const bad = ask(query('web.default.svc.cluster.local', 'A', { additionals: [ednsOpt(4096, { ednsVersion: 1 })] })).packet;
  const badOpt = bad.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
  assert.is(badOpt?.extendedRcode, 1); // with header rcode 0: BADVERS (16)
  assert.equal(bad.answers, []);
});

test('UDP without EDNS: an answer over 512 bytes is truncated with TC; TCP gets all of it', () => {
  const udp = ask(query('big.default.svc.cluster.local'), 'udp');
  assert.ok(udp.raw.length <= PLAIN_UDP_LIMIT);
  assert.ok(udp.packet.flag_tc);
  assert.equal(udp.packet.answers, []);
  const tcp = ask(query('big.default.svc.cluster.local'), 'tcp');
  assert.not.ok(tcp.packet.flag_tc);
  assert.is(tcp.packet.answers?.length, 40);
  assert.ok(tcp.raw.length > PLAIN_UDP_LIMIT);
});

test('UDP with an EDNS buffer of 1232 gets the whole answer; a 4096 buffer is capped at 1232', () => {
  const fits = ask(query('big.default.svc.cluster.local', 'A', { additionals: [ednsOpt(4096)] }), 'udp');
  assert.not.ok(fits.packet.flag_tc);
  assert.is(fits.packet.answers?.length, 40);
  assert.ok(fits.raw.length <= EDNS_UDP_LIMIT);

  const huge = bigHeadless(100);
  const bigger = buildDnsState({ services: [huge.service], endpoints: [huge.endpoints], pods: [] });
  const capped = ask(query('big.default.svc.cluster.local', 'A', { additionals: [ednsOpt(4096)] }), 'udp', () => bigger);
  assert.ok(capped.packet.flag_tc);
  assert.ok(capped.raw.length <= EDNS_UDP_LIMIT);
});

test('additional records are dropped before the answer is truncated', () => {
  const many = bigHeadless(7);
  const withPort = { ...many.endpoints, subsets: [{ ...many.endpoints.subsets![0], ports: [{ name: 'p', port: 1, protocol: 'TCP' as const }] }] };
  const s = buildDnsState({ services: [many.service], endpoints: [withPort], pods: [] });
  const full = ask(query('_p._tcp.big.default.svc.cluster.local', 'SRV'), 'tcp', () => s).packet;
  assert.is(full.additionals?.length, 7);
  assert.ok(compressMessage(dnsPacket.encode(full)).length > PLAIN_UDP_LIMIT);
  const udp = ask(query('_p._tcp.big.default.svc.cluster.local', 'SRV'), 'udp', () => s);
  // 7 SRV records fit in 512 bytes only without their 7 addresses.
  assert.not.ok(udp.packet.flag_tc);
  assert.is(udp.packet.answers?.length, 7);
  assert.equal(udp.packet.additionals, []);
});

test('getState is asked per query, and a failing one gives SERVFAIL', () => {
  let current = buildDnsState({ services: [], endpoints: [], pods: [] });
  const before = ask(query('web.default.svc.cluster.local'), 'udp', () => current).packet;
  assert.is(before.rcode, 'NXDOMAIN');
  current = state;
  const after = ask(query('web.default.svc.cluster.local'), 'udp', () => current).packet;
  assert.is(after.rcode, 'NOERROR');
  const failing = ask(query('web.default.svc.cluster.local'), 'udp', () => {
    throw new Error('no state yet');
  }).packet;
  assert.is(failing.rcode, 'SERVFAIL');
});

test('the question keeps the client\'s case (0x20 randomisation)', () => {
  const { packet } = ask(query('wEb.DeFaUlT.svc.CLUSTER.local'));
  assert.is(packet.questions?.[0].name, 'wEb.DeFaUlT.svc.CLUSTER.local');
  assert.is(packet.answers?.[0].name, 'wEb.DeFaUlT.svc.CLUSTER.local');
});

test.run();
