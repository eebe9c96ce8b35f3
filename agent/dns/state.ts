// What the cluster DNS knows: every record it can serve, keyed by owner name,
// built from the watched Services, Endpoints and Pods by one pure function.
// The agent rebuilds it when a watch delivers a change and hands the server
// the new value; queries never touch the API objects themselves.
//
// Record shapes follow the Kubernetes DNS specification
// (github.com/kubernetes/dns, docs/specification.md) as CoreDNS' kubernetes
// plugin serves it, with the deviations noted where they happen.

import type { SoaAnswer, SrvAnswer, StringAnswer } from 'dns-packet';
import type { EndpointAddress, EndpointPort, Endpoints, Pod, Service } from '../../api/types.ts';
import { CLUSTER } from '../../api/layout.ts';
import { isIPv4 } from '../../api/ip.ts';
import { ancestorsWithin, dashedIp, normalizeName, reverseName } from './names.ts';

/** A resource record in dns-packet's shape, so the server can encode it as is. */
export type DnsRecord = StringAnswer | SrvAnswer | SoaAnswer;

export interface DnsState {
  /** the cluster domain, normalised: `cluster.local` */
  domain: string;
  /** TTL of every record, and the SOA minimum (negative-caching time) */
  ttl: number;
  /** SOA serial: changes when the data does, so a caching resolver can tell */
  serial: number;
  /** records by normalised owner name */
  records: ReadonlyMap<string, readonly DnsRecord[]>;
  /** every name that exists: owners plus the empty non-terminals above them */
  names: ReadonlySet<string>;
  /** IPv4 ranges whose reverse names we answer for (NXDOMAIN when unknown) */
  reverseCidrs: readonly string[];
}

export interface DnsSources {
  services: readonly Service[];
  endpoints: readonly Endpoints[];
  pods: readonly Pod[];
  /** default `cluster.local` */
  domain?: string;
  /** default 5 s, as CoreDNS' kubernetes plugin */
  ttl?: number;
  /** default: the highest resourceVersion among the sources (a store revision) */
  serial?: number;
  /** default: the service CIDR and the cluster (pod) CIDR */
  reverseCidrs?: readonly string[];
}

/** The DNS Service every agent answers for itself (design: kube-system/kube-dns). */
const DNS_SERVICE = { namespace: 'kube-system', name: 'kube-dns' };
const DEFAULT_TTL = 5;

export function buildDnsState(sources: DnsSources): DnsState {
  const domain = normalizeName(sources.domain ?? CLUSTER.domain);
  const ttl = sources.ttl ?? DEFAULT_TTL;
  const records = new Map<string, DnsRecord[]>();
  const seen = new Set<string>();
  const add = (record: DnsRecord) => {
    const owner = normalizeName(record.name);
    const identity = `${record.type} ${owner} ${recordDataKey(record)}`;
    if (seen.has(identity)) return;
    seen.add(identity);
    const list = records.get(owner);
    if (list) list.push(record);
    else records.set(owner, [record]);
  };

  const endpointsByService = new Map(sources.endpoints.map((e) => [objectKey(e.metadata), e]));
  const namedEndpointIps = new Set<string>();

  for (const svc of sources.services) {
    const ns = svc.metadata.namespace ?? 'default';
    const base = `${svc.metadata.name}.${ns}.svc.${domain}`;
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName') {
      // The CNAME leaves the cluster domain, and minik serves only
      // cluster.local with no upstream DNS in a lab. glibc's stub resolver
      // does not chase a CNAME itself (it expects a recursive server), so
      // getaddrinfo (curl, ping, getent) reports the name as unresolvable;
      // `dig` shows the CNAME, and asking us for the external name directly
      // gets REFUSED. An ExternalName pointing inside cluster.local does
      // resolve: resolve() follows in-zone CNAMEs itself.
      if (spec.externalName) add({ type: 'CNAME', name: base, ttl, data: normalizeName(spec.externalName) });
      else markExisting(records, base);
      continue;
    }
    const clusterIps = (spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP ?? '']).filter(isIPv4);
    if (spec.clusterIP === 'None') {
      const subsets = readySubsets(endpointsByService.get(objectKey(svc.metadata)), spec.publishNotReadyAddresses === true);
      if (subsets.length === 0) markExisting(records, base);
      for (const subset of subsets) {
        for (const address of subset.addresses) {
          const endpointName = `${address.hostname || dashedIp(address.ip)}.${base}`;
          add({ type: 'A', name: base, ttl, data: address.ip });
          add({ type: 'A', name: endpointName, ttl, data: address.ip });
          add({ type: 'PTR', name: reverseName(address.ip), ttl, data: endpointName });
          namedEndpointIps.add(address.ip);
          for (const port of subset.ports) {
            if (port.name) add(srv(port.name, port.protocol, base, port.port, endpointName, ttl));
          }
        }
      }
      continue;
    }
    if (clusterIps.length === 0) markExisting(records, base); // not allocated yet: the name exists, no address
    for (const ip of clusterIps) {
      add({ type: 'A', name: base, ttl, data: ip });
      add({ type: 'PTR', name: reverseName(ip), ttl, data: base });
    }
    for (const port of spec.ports ?? []) {
      if (port.name) add(srv(port.name, port.protocol, base, port.port, base, ttl));
    }
  }

  // Pod records `a-b-c-d.<ns>.pod.<domain>` exist only for pods that have that
  // IP (CoreDNS' `pods verified`), not for any dashed address (`pods insecure`).
  for (const pod of sources.pods) {
    const ip = pod.status?.podIP;
    if (!ip || !isIPv4(ip) || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const name = `${dashedIp(ip)}.${pod.metadata.namespace ?? 'default'}.pod.${domain}`;
    add({ type: 'A', name, ttl, data: ip });
    // A headless endpoint name is the more useful answer for its IP, as in CoreDNS.
    if (!namedEndpointIps.has(ip)) add({ type: 'PTR', name: reverseName(ip), ttl, data: name });
  }

  const dnsService = sources.services.find(
    (s) => s.metadata.namespace === DNS_SERVICE.namespace && s.metadata.name === DNS_SERVICE.name,
  );
  const nameserver = `ns.dns.${domain}`;
  const serial = sources.serial ?? highestResourceVersion(sources);
  add(soaRecord(domain, ttl, serial));
  add({ type: 'NS', name: domain, ttl, data: nameserver });
  if (dnsService?.spec.clusterIP && isIPv4(dnsService.spec.clusterIP)) {
    add({ type: 'A', name: nameserver, ttl, data: dnsService.spec.clusterIP });
  }

  shareSrvWeights(records);
  const names = new Set<string>([domain, `svc.${domain}`, `pod.${domain}`]);
  for (const owner of records.keys()) {
    if (names.has(owner)) continue;
    names.add(owner);
    for (const ancestor of ancestorsWithin(owner, domain)) names.add(ancestor);
  }
  return {
    domain,
    ttl,
    serial,
    records,
    names,
    reverseCidrs: sources.reverseCidrs ?? [CLUSTER.serviceCidr, CLUSTER.clusterCidr],
  };
}

/** SOA of a zone as CoreDNS writes it: ns.dns.<zone>, hostmaster.<zone>, 7200/1800/86400, minimum = TTL. */
export function soaRecord(zone: string, ttl: number, serial: number): SoaAnswer {
  return {
    type: 'SOA',
    name: zone,
    ttl,
    data: {
      mname: `ns.dns.${zone}`,
      rname: `hostmaster.${zone}`,
      serial,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: ttl,
    },
  };
}

function srv(portName: string, protocol: string | undefined, base: string, port: number, target: string, ttl: number): SrvAnswer {
  const proto = (protocol ?? 'TCP').toLowerCase();
  return { type: 'SRV', name: `_${portName}._${proto}.${base}`, ttl, data: { priority: 0, weight: 100, port, target } };
}

/** SRV records of one name share a weight of 100 (at least 1 each), as CoreDNS computes it. */
function shareSrvWeights(records: Map<string, DnsRecord[]>): void {
  for (const list of records.values()) {
    const srvs = list.filter((r): r is SrvAnswer => r.type === 'SRV');
    const weight = Math.max(1, Math.floor(100 / srvs.length));
    for (const r of srvs) r.data.weight = weight;
  }
}

/** An owner with no records of its own still exists (NODATA rather than NXDOMAIN). */
function markExisting(records: Map<string, DnsRecord[]>, name: string): void {
  const key = normalizeName(name);
  if (!records.has(key)) records.set(key, []);
}

interface ReadySubset {
  addresses: EndpointAddress[];
  ports: EndpointPort[];
}

/** Per subset: its ready IPv4 addresses (and not-ready ones when the service publishes them) with its ports. */
function readySubsets(endpoints: Endpoints | undefined, includeNotReady: boolean): ReadySubset[] {
  const out: ReadySubset[] = [];
  for (const subset of endpoints?.subsets ?? []) {
    const addresses = [...(subset.addresses ?? []), ...(includeNotReady ? (subset.notReadyAddresses ?? []) : [])].filter((a) =>
      isIPv4(a.ip),
    );
    if (addresses.length > 0) out.push({ addresses, ports: subset.ports ?? [] });
  }
  return out;
}

const objectKey = (meta: { namespace?: string; name: string }) => `${meta.namespace ?? 'default'}/${meta.name}`;

function highestResourceVersion(sources: DnsSources): number {
  let highest = 0;
  for (const obj of [...sources.services, ...sources.endpoints, ...sources.pods]) {
    const rv = Number(obj.metadata.resourceVersion);
    if (Number.isSafeInteger(rv) && rv > highest) highest = rv;
  }
  return highest % 2 ** 32;
}

function recordDataKey(record: DnsRecord): string {
  if (record.type === 'SRV') return `${record.data.priority} ${record.data.port} ${normalizeName(record.data.target)}`;
  if (record.type === 'SOA') return '';
  return normalizeName(record.data);
}
