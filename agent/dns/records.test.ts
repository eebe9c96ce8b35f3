import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolve } from './records.ts';
import { buildDnsState, type DnsRecord, type DnsState } from './state.ts';
import { ancestorsWithin, ipFromReverseName, normalizeName, reverseName } from './names.ts';
import { endpoints, pods, services } from './testdata/cluster.ts';

const state = buildDnsState({ services, endpoints, pods });

/** `TYPE owner data` with SRV and SOA data spelled out, so expectations read like dig output. */
function show(r: DnsRecord): string {
  if (r.type === 'SRV') return `SRV ${r.name} ${r.data.priority} ${r.data.weight} ${r.data.port} ${r.data.target}`;
  if (r.type === 'SOA') return `SOA ${r.name} ${r.data.mname} ${r.data.rname}`;
  return `${r.type} ${r.name} ${r.data}`;
}

interface Case {
  name: string;
  q: string;
  type: string;
  rcode: string;
  answers?: string[];
  /** `SOA <zone>` when the answer is negative */
  authority?: string[];
  additional?: string[];
}

const SOA_CLUSTER = 'SOA cluster.local ns.dns.cluster.local hostmaster.cluster.local';

const cases: Case[] = [
  { name: 'A of a ClusterIP service', q: 'web.default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['A web.default.svc.cluster.local 10.96.0.20'] },
  { name: 'a trailing dot is only notation', q: 'web.default.svc.cluster.local.', type: 'A', rcode: 'NOERROR', answers: ['A web.default.svc.cluster.local 10.96.0.20'] },
  {
    name: 'names are case-insensitive and the answer keeps the asked spelling',
    q: 'WeB.DEFAULT.svc.Cluster.Local',
    type: 'a',
    rcode: 'NOERROR',
    answers: ['A WeB.DEFAULT.svc.Cluster.Local 10.96.0.20'],
  },
  {
    name: 'SRV of a named TCP port points to the service name, with its address as additional',
    q: '_http._tcp.web.default.svc.cluster.local',
    type: 'SRV',
    rcode: 'NOERROR',
    answers: ['SRV _http._tcp.web.default.svc.cluster.local 0 100 80 web.default.svc.cluster.local'],
    additional: ['A web.default.svc.cluster.local 10.96.0.20'],
  },
  {
    name: 'SRV of a named UDP port',
    q: '_dns._udp.web.default.svc.cluster.local',
    type: 'SRV',
    rcode: 'NOERROR',
    answers: ['SRV _dns._udp.web.default.svc.cluster.local 0 100 53 web.default.svc.cluster.local'],
    additional: ['A web.default.svc.cluster.local 10.96.0.20'],
  },
  { name: 'SRV with the wrong protocol does not exist', q: '_http._udp.web.default.svc.cluster.local', type: 'SRV', rcode: 'NXDOMAIN', authority: [SOA_CLUSTER] },
  { name: 'AAAA of an existing name is NODATA with the SOA', q: 'web.default.svc.cluster.local', type: 'AAAA', rcode: 'NOERROR', answers: [], authority: [SOA_CLUSTER] },
  { name: 'TXT of an existing name is NODATA', q: 'web.default.svc.cluster.local', type: 'TXT', rcode: 'NOERROR', answers: [], authority: [SOA_CLUSTER] },
  { name: 'unknown service is NXDOMAIN with the SOA', q: 'nope.default.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', answers: [], authority: [SOA_CLUSTER] },
  { name: 'a search-path expansion of a full name is NXDOMAIN', q: 'web.default.svc.cluster.local.default.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: [SOA_CLUSTER] },
  { name: 'a namespace with services is an empty non-terminal: NODATA', q: 'default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: [], authority: [SOA_CLUSTER] },
  { name: 'svc.<domain> always exists', q: 'svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: [], authority: [SOA_CLUSTER] },
  { name: 'a namespace without services is NXDOMAIN', q: 'ghost.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: [SOA_CLUSTER] },
  {
    name: 'headless service: one A per ready endpoint (not-ready left out)',
    q: 'db.shop.svc.cluster.local',
    type: 'A',
    rcode: 'NOERROR',
    answers: ['A db.shop.svc.cluster.local 10.244.1.5', 'A db.shop.svc.cluster.local 10.244.2.7'],
  },
  { name: 'headless endpoint by hostname', q: 'db-0.db.shop.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['A db-0.db.shop.svc.cluster.local 10.244.1.5'] },
  { name: 'headless endpoint without hostname by dashed IP', q: '10-244-2-7.db.shop.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['A 10-244-2-7.db.shop.svc.cluster.local 10.244.2.7'] },
  { name: 'a not-ready endpoint has no name', q: '10-244-2-9.db.shop.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: [SOA_CLUSTER] },
  {
    name: 'headless SRV: one per ready endpoint with the endpoint port, weights sharing 100',
    q: '_pg._tcp.db.shop.svc.cluster.local',
    type: 'SRV',
    rcode: 'NOERROR',
    answers: [
      'SRV _pg._tcp.db.shop.svc.cluster.local 0 50 5433 db-0.db.shop.svc.cluster.local',
      'SRV _pg._tcp.db.shop.svc.cluster.local 0 50 5433 10-244-2-7.db.shop.svc.cluster.local',
    ],
    additional: ['A db-0.db.shop.svc.cluster.local 10.244.1.5', 'A 10-244-2-7.db.shop.svc.cluster.local 10.244.2.7'],
  },
  { name: 'headless service without endpoints exists but has no address', q: 'empty.shop.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: [], authority: [SOA_CLUSTER] },
  { name: 'ExternalName: CNAME to the external name, not chased', q: 'ext.default.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['CNAME ext.default.svc.cluster.local example.com'] },
  { name: 'ExternalName asked for its CNAME', q: 'ext.default.svc.cluster.local', type: 'CNAME', rcode: 'NOERROR', answers: ['CNAME ext.default.svc.cluster.local example.com'] },
  {
    name: 'ExternalName inside the cluster domain is followed',
    q: 'alias.default.svc.cluster.local',
    type: 'A',
    rcode: 'NOERROR',
    answers: ['CNAME alias.default.svc.cluster.local web.default.svc.cluster.local', 'A web.default.svc.cluster.local 10.96.0.20'],
  },
  {
    name: 'ExternalName to a missing in-zone name: the CNAME with NXDOMAIN (RFC 6604)',
    q: 'dangling.default.svc.cluster.local',
    type: 'A',
    rcode: 'NXDOMAIN',
    answers: ['CNAME dangling.default.svc.cluster.local gone.default.svc.cluster.local'],
    authority: [SOA_CLUSTER],
  },
  { name: 'pod A record by dashed IP', q: '10-244-1-3.default.pod.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['A 10-244-1-3.default.pod.cluster.local 10.244.1.3'] },
  { name: 'a pod name in the wrong namespace does not exist', q: '10-244-1-3.shop.pod.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: [SOA_CLUSTER] },
  { name: 'a failed pod has no record', q: '10-244-3-3.default.pod.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: [SOA_CLUSTER] },
  { name: 'PTR of a cluster IP', q: '20.0.96.10.in-addr.arpa', type: 'PTR', rcode: 'NOERROR', answers: ['PTR 20.0.96.10.in-addr.arpa web.default.svc.cluster.local'] },
  { name: 'PTR of a headless endpoint names the endpoint', q: '5.1.244.10.in-addr.arpa', type: 'PTR', rcode: 'NOERROR', answers: ['PTR 5.1.244.10.in-addr.arpa db-0.db.shop.svc.cluster.local'] },
  { name: 'PTR of a plain pod names the pod record', q: '3.1.244.10.in-addr.arpa', type: 'PTR', rcode: 'NOERROR', answers: ['PTR 3.1.244.10.in-addr.arpa 10-244-1-3.default.pod.cluster.local'] },
  { name: 'PTR case-insensitive', q: '20.0.96.10.IN-ADDR.ARPA', type: 'PTR', rcode: 'NOERROR', answers: ['PTR 20.0.96.10.IN-ADDR.ARPA web.default.svc.cluster.local'] },
  {
    name: 'unknown reverse name inside our CIDRs: NXDOMAIN with the reverse SOA',
    q: '99.0.96.10.in-addr.arpa',
    type: 'PTR',
    rcode: 'NXDOMAIN',
    authority: ['SOA in-addr.arpa ns.dns.in-addr.arpa hostmaster.in-addr.arpa'],
  },
  { name: 'reverse name outside our CIDRs: REFUSED', q: '1.1.168.192.in-addr.arpa', type: 'PTR', rcode: 'REFUSED' },
  { name: 'a name outside cluster.local: REFUSED (no upstream in a lab)', q: 'example.com', type: 'A', rcode: 'REFUSED' },
  { name: 'a name that only ends like the domain is outside it', q: 'evilcluster.local', type: 'A', rcode: 'REFUSED' },
  { name: 'zone transfers are refused', q: 'cluster.local', type: 'AXFR', rcode: 'REFUSED' },
  {
    name: 'SOA at the apex',
    q: 'cluster.local',
    type: 'SOA',
    rcode: 'NOERROR',
    answers: [SOA_CLUSTER],
  },
  {
    name: 'NS at the apex, with the address of ns.dns from kube-dns',
    q: 'cluster.local',
    type: 'NS',
    rcode: 'NOERROR',
    answers: ['NS cluster.local ns.dns.cluster.local'],
    additional: ['A ns.dns.cluster.local 10.96.0.10'],
  },
  { name: 'kube-dns itself', q: 'kube-dns.kube-system.svc.cluster.local', type: 'A', rcode: 'NOERROR', answers: ['A kube-dns.kube-system.svc.cluster.local 10.96.0.10'] },
  {
    name: 'ANY returns every record of the name',
    q: 'web.default.svc.cluster.local',
    type: 'ANY',
    rcode: 'NOERROR',
    answers: ['A web.default.svc.cluster.local 10.96.0.20'],
  },
];

for (const c of cases) {
  test(`resolve: ${c.name}`, () => {
    const r = resolve({ name: c.q, type: c.type }, state);
    assert.is(r.rcode, c.rcode);
    if (c.answers) assert.equal(r.answers.map(show), c.answers);
    else if (c.rcode !== 'NOERROR') assert.equal(r.answers.map(show).filter((a) => !a.startsWith('CNAME')), []);
    assert.equal(r.authority.map(show), c.authority ?? []);
    assert.equal(r.additional.map(show), c.additional ?? []);
    assert.is(r.authoritative, c.rcode !== 'REFUSED');
  });
}

test('every record and the SOA carry the 5 s TTL; the SOA has CoreDNS timers', () => {
  const nx = resolve({ name: 'nope.cluster.local', type: 'A' }, state);
  const soa = nx.authority[0];
  assert.is(soa.type, 'SOA');
  assert.is(soa.ttl, 5);
  if (soa.type !== 'SOA') return;
  assert.equal(
    { refresh: soa.data.refresh, retry: soa.data.retry, expire: soa.data.expire, minimum: soa.data.minimum },
    { refresh: 7200, retry: 1800, expire: 86400, minimum: 5 },
  );
  for (const list of state.records.values()) for (const r of list) assert.is(r.ttl, 5);
});

test('serial: the highest resourceVersion by default, or the one passed', () => {
  assert.is(state.serial, 40);
  assert.is(buildDnsState({ services, endpoints, pods, serial: 7 }).serial, 7);
});

test('publishNotReadyAddresses brings not-ready endpoints into the headless answer', () => {
  const published = services.map((s) => (s.metadata.name === 'db' ? { ...s, spec: { ...s.spec, publishNotReadyAddresses: true } } : s));
  const s = buildDnsState({ services: published, endpoints, pods });
  const r = resolve({ name: 'db.shop.svc.cluster.local', type: 'A' }, s);
  assert.equal(r.answers.map((a) => a.data).sort(), ['10.244.1.5', '10.244.2.7', '10.244.2.9']);
  const srv = resolve({ name: '_pg._tcp.db.shop.svc.cluster.local', type: 'SRV' }, s);
  assert.equal(srv.answers.map((a) => (a.type === 'SRV' ? a.data.weight : -1)), [33, 33, 33]);
});

test('a custom domain is honoured and cluster.local is then someone else\'s', () => {
  const s: DnsState = buildDnsState({ services, endpoints, pods, domain: 'Lab.Example.' });
  assert.is(resolve({ name: 'web.default.svc.lab.example', type: 'A' }, s).answers[0]?.data, '10.96.0.20');
  assert.is(resolve({ name: 'web.default.svc.cluster.local', type: 'A' }, s).rcode, 'REFUSED');
});

test('a chain of in-zone ExternalNames that loops stops after 8 links', () => {
  const loop = ['a', 'b'].map((name, i) => ({
    apiVersion: 'v1',
    kind: 'Service' as const,
    metadata: { name, namespace: 'default' },
    spec: { type: 'ExternalName' as const, externalName: `${i ? 'a' : 'b'}.default.svc.cluster.local` },
  }));
  const r = resolve({ name: 'a.default.svc.cluster.local', type: 'A' }, buildDnsState({ services: loop, endpoints: [], pods: [] }));
  assert.is(r.rcode, 'NOERROR');
  assert.is(r.answers.length, 8);
  assert.ok(r.answers.every((a) => a.type === 'CNAME'));
});

test('a service whose cluster IP is not allocated yet exists without an address', () => {
  const pending = [{ apiVersion: 'v1', kind: 'Service' as const, metadata: { name: 'new', namespace: 'default' }, spec: {} }];
  const r = resolve({ name: 'new.default.svc.cluster.local', type: 'A' }, buildDnsState({ services: pending, endpoints: [], pods: [] }));
  assert.is(r.rcode, 'NOERROR');
  assert.equal(r.answers, []);
});

test('names: normalising, reverse names both ways, ancestors', () => {
  assert.is(normalizeName('A.B.'), 'a.b');
  assert.is(reverseName('10.96.0.10'), '10.0.96.10.in-addr.arpa');
  assert.is(ipFromReverseName('10.0.96.10.in-addr.arpa.'), '10.96.0.10');
  assert.is(ipFromReverseName('0.96.10.in-addr.arpa'), undefined);
  assert.is(ipFromReverseName('300.0.96.10.in-addr.arpa'), undefined);
  assert.equal(ancestorsWithin('a.b.svc.cluster.local', 'cluster.local'), ['b.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
  assert.equal(ancestorsWithin('example.com', 'cluster.local'), []);
});

test.run();
