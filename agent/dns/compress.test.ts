import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as dnsPacket from 'dns-packet';
import type { Packet } from 'dns-packet';
import { compressMessage } from './compress.ts';

const ttl = 5;
const packets: Record<string, Packet> = {
  'A records of a headless service': {
    type: 'response',
    id: 1,
    flags: dnsPacket.AUTHORITATIVE_ANSWER,
    questions: [{ name: 'db.shop.svc.cluster.local', type: 'A' }],
    answers: ['10.244.1.5', '10.244.2.7', '10.244.2.8'].map((data) => ({ type: 'A' as const, name: 'db.shop.svc.cluster.local', ttl, data })),
  },
  'SRV with additional A, SOA, CNAME, PTR, NS and OPT': {
    type: 'response',
    id: 2,
    questions: [{ name: '_pg._tcp.db.shop.svc.cluster.local', type: 'SRV' }],
    answers: [
      { type: 'SRV', name: '_pg._tcp.db.shop.svc.cluster.local', ttl, data: { priority: 0, weight: 50, port: 5433, target: 'db-0.db.shop.svc.cluster.local' } },
      { type: 'SRV', name: '_pg._tcp.db.shop.svc.cluster.local', ttl, data: { priority: 0, weight: 50, port: 5433, target: 'db-1.db.shop.svc.cluster.local' } },
      { type: 'CNAME', name: 'ext.default.svc.cluster.local', ttl, data: 'web.default.svc.cluster.local' },
      { type: 'PTR', name: '20.0.96.10.in-addr.arpa', ttl, data: 'web.default.svc.cluster.local' },
    ],
    authorities: [
      {
        type: 'SOA',
        name: 'cluster.local',
        ttl,
        data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 9, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
      },
      { type: 'NS', name: 'cluster.local', ttl, data: 'ns.dns.cluster.local' },
    ],
    additionals: [
      { type: 'A', name: 'db-0.db.shop.svc.cluster.local', ttl, data: '10.244.1.5' },
      { type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] },
    ],
  },
  'a question with no answers': { type: 'query', id: 3, questions: [{ name: 'WeB.Default.SVC.cluster.local', type: 'AAAA' }] },
  'the root name': { type: 'query', id: 4, questions: [{ name: '.', type: 'NS' }] },
};

for (const [what, packet] of Object.entries(packets)) {
  test(`compressed message decodes to the same content: ${what}`, () => {
    const plain = dnsPacket.encode(packet);
    const compressed = compressMessage(plain);
    assert.equal(dnsPacket.decode(compressed), dnsPacket.decode(plain));
    assert.ok(compressed.length <= plain.length);
  });
}

test('repeated names shrink to 2-byte pointers', () => {
  const plain = dnsPacket.encode(packets['A records of a headless service']);
  const compressed = compressMessage(plain);
  // Each of the 3 answers' 27-byte owner name becomes a 2-byte pointer.
  assert.is(plain.length - compressed.length, 3 * (27 - 2));
});

test('SRV targets stay uncompressed (RFC 2782), other rdata names are pointers', () => {
  const compressed = compressMessage(dnsPacket.encode(packets['SRV with additional A, SOA, CNAME, PTR, NS and OPT']));
  const target = Buffer.from('\x04db-0\x02db\x04shop\x03svc\x07cluster\x05local\x00', 'latin1');
  assert.ok(compressed.includes(target), 'the first SRV target is written in full');
  const soaMname = Buffer.from('\x02ns\x03dns', 'latin1');
  const first = compressed.indexOf(soaMname);
  assert.ok(first > 0);
  assert.is(compressed.indexOf(soaMname, first + 1), -1, 'ns.dns is written once, then pointed to');
});

test('names that differ only in case are not merged (the client spelling survives)', () => {
  const packet: Packet = {
    type: 'response',
    id: 5,
    questions: [{ name: 'WEB.default.svc.cluster.local', type: 'A' }],
    answers: [{ type: 'A', name: 'web.default.svc.cluster.local', ttl, data: '10.96.0.20' }],
  };
  const decoded = dnsPacket.decode(compressMessage(dnsPacket.encode(packet)));
  assert.is(decoded.questions?.[0].name, 'WEB.default.svc.cluster.local');
  assert.is(decoded.answers?.[0].name, 'web.default.svc.cluster.local');
});

test.run();
