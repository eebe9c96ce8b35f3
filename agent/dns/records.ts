// resolve(): one question against the cluster DNS state → the sections of the
// answer. Pure: the server (server.ts, message.ts) does the wire format.
//
// What minik answers, and why:
// - Names in the cluster domain: records from state.ts; an unknown name is
//   NXDOMAIN and a known name without the asked type is NODATA (NOERROR, no
//   answers), both with the zone's SOA in the authority section so resolvers
//   cache the negative answer for the SOA minimum (5 s), as CoreDNS does.
// - Reverse names inside the service and pod CIDRs: PTR, else NXDOMAIN + SOA.
// - Everything else: REFUSED. A lab has no upstream DNS to forward to, and
//   REFUSED (rather than a fake NXDOMAIN) tells a stub resolver that this
//   server is not the authority, so it can try its next nameserver if any.
// - No IPv6: AAAA for an existing name is NODATA.

import { cidrContains } from '../../api/ip.ts';
import { ipFromReverseName, isInZone, normalizeName } from './names.ts';
import { soaRecord, type DnsRecord, type DnsState } from './state.ts';


export type Rcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';

export interface DnsQuestion {
  name: string;
  /** a record type as dns-packet spells it: `A`, `SRV`, `ANY`, `UNKNOWN_65`... */
  type: string;
}

export interface Resolution {
  rcode: Rcode;
  /** AA: set for every answer from a zone we own */
  authoritative: boolean;
  answers: DnsRecord[];
  authority: DnsRecord[];
  additional: DnsRecord[];
}

/** RFC 1034 caps CNAME chains loosely; CoreDNS stops after 8 links, so do we. */
const MAX_CNAME_CHAIN = 8;
const REVERSE_ZONE = 'in-addr.arpa';
const ZONE_TRANSFERS = new Set(['AXFR', 'IXFR']);

export function resolve(question: DnsQuestion, state: DnsState): Resolution {
  const type = question.type.toUpperCase();
  const name = normalizeName(question.name);
  const zone = authorityZone(name, state);
  if (!zone || ZONE_TRANSFERS.has(type)) return { rcode: 'REFUSED', authoritative: false, answers: [], authority: [], additional: [] };

  const answers: DnsRecord[] = [];
  let owner = name;
  // The client's spelling of the name is kept on the first answers (0x20-style
  // case randomisation checks it); names reached through a CNAME are ours.
  let spelledAs = question.name.endsWith('.') ? question.name.slice(0, -1) : question.name;
  for (let link = 0; ; link++) {
    const lookup = lookupOwner(owner, type, state);
    answers.push(...lookup.records.map((r) => ({ ...r, name: spelledAs }) as DnsRecord));
    const cname = lookup.cname;
    if (!cname) {
      if (!lookup.exists) return negative('NXDOMAIN', answers, zone, state);
      if (lookup.records.length === 0) return negative('NOERROR', answers, zone, state);
      return { rcode: 'NOERROR', authoritative: true, answers, authority: [], additional: additionalFor(answers, state) };
    }
    answers.push({ ...cname, name: spelledAs });
    const target = normalizeName(cname.data);
    // Outside our zone the client's resolver must chase the target itself.
    if (!isInZone(target, state.domain) || link + 1 >= MAX_CNAME_CHAIN) {
      return { rcode: 'NOERROR', authoritative: true, answers, authority: [], additional: [] };
    }
    owner = target;
    spelledAs = target;
  }
}

interface OwnerLookup {
  exists: boolean;
  records: DnsRecord[];
  /** set when the owner is an alias and the question is not about the alias itself */
  cname?: DnsRecord & { type: 'CNAME'; data: string };
}

function lookupOwner(owner: string, type: string, state: DnsState): OwnerLookup {
  if (!state.names.has(owner)) return { exists: false, records: [] };
  const all = state.records.get(owner) ?? [];
  if (type === 'ANY') return { exists: true, records: [...all] };
  const cname = all.find((r) => r.type === 'CNAME');
  if (cname && type !== 'CNAME') return { exists: true, records: [], cname: cname as OwnerLookup['cname'] };
  return { exists: true, records: all.filter((r) => r.type === type) };
}

/** The zone we answer `name` for with authority, or undefined when we must refuse. */
function authorityZone(name: string, state: DnsState): string | undefined {
  if (isInZone(name, state.domain)) return state.domain;
  if (state.names.has(name)) return REVERSE_ZONE; // a PTR owner we built ourselves
  const ip = ipFromReverseName(name);
  if (ip && state.reverseCidrs.some((cidr) => cidrContains(cidr, ip))) return REVERSE_ZONE;
  return undefined;
}

function negative(rcode: 'NXDOMAIN' | 'NOERROR', answers: DnsRecord[], zone: string, state: DnsState): Resolution {
  return { rcode, authoritative: true, answers, authority: [soaRecord(zone, state.ttl, state.serial)], additional: [] };
}

/** Addresses of SRV targets and NS hosts, so clients need no second query (RFC 2782). */
function additionalFor(answers: DnsRecord[], state: DnsState): DnsRecord[] {
  const targets = new Set<string>();
  for (const r of answers) {
    if (r.type === 'SRV') targets.add(normalizeName(r.data.target));
    else if (r.type === 'NS') targets.add(normalizeName(r.data));
  }
  const out: DnsRecord[] = [];
  for (const target of targets) {
    for (const r of state.records.get(target) ?? []) if (r.type === 'A') out.push(r);
  }
  return out;
}
