// Which node announces a LoadBalancer IP on the node network. Pure: every
// agent computes the same answer from the same watched Nodes, Services and
// Endpoints, so no leader election or lease is needed — the apiserver's
// Ready condition (three missed heartbeats) is the failure detector.
//
// The choice is rendezvous (highest-random-weight) hashing of ip + node
// name over the candidate nodes: each node's weight for an IP does not
// depend on the other nodes, so a node joining or leaving moves only the IPs
// it wins or held, and different IPs spread over the nodes. MetalLB's layer2
// speaker does the same thing (sorting by sha256(node + "#" + ip)).
//
// Candidates: the Ready nodes not labelled
// `node.kubernetes.io/exclude-from-external-load-balancers`; with
// externalTrafficPolicy Local, only those with a ready endpoint of the
// service on them (only they can serve while keeping the client's IP).
// Deviation from MetalLB, which announces nothing while a service has no
// usable endpoint: we still announce (from the Ready nodes) so the client's
// connection is rejected at once by the proxier, as the design asks for a
// service without endpoints, instead of timing out on ARP.

import { createHash } from 'node:crypto';
import { compareIps, isIPv4 } from '../../api/ip.ts';
import type { Endpoints, Node, Service } from '../../api/types.ts';

export const EXCLUDE_FROM_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** The weight of `node` for `ip`: the first 8 bytes of sha256("ip#node") as a bigint. */
export function weight(ip: string, node: string): bigint {
  return createHash('sha256').update(`${ip}#${node}`).digest().readBigUInt64BE(0);
}

/** The candidate with the highest weight for `ip` (ties, practically impossible, go to the smaller name); undefined without candidates. */
export function announcerFor(ip: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1n;
  for (const node of candidates) {
    const w = weight(ip, node);
    if (w > bestWeight || (w === bestWeight && best !== undefined && node < best)) {
      best = node;
      bestWeight = w;
    }
  }
  return best;
}

export function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Names of the nodes that may announce LoadBalancer IPs at all. */
export function eligibleNodes(nodes: readonly Node[]): string[] {
  return nodes.filter((n) => isNodeReady(n) && n.metadata.labels?.[EXCLUDE_FROM_LB_LABEL] === undefined).map((n) => n.metadata.name);
}

/** The IPs in status.loadBalancer.ingress of a LoadBalancer Service. */
export function loadBalancerIps(svc: Service): string[] {
  if (svc.spec.type !== 'LoadBalancer') return [];
  return (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip && isIPv4(ip));
}

/** Nodes with at least one ready address of these Endpoints. */
export function nodesWithReadyEndpoints(eps: Endpoints | undefined): Set<string> {
  const nodes = new Set<string>();
  for (const subset of eps?.subsets ?? []) {
    for (const addr of subset.addresses ?? []) if (addr.nodeName) nodes.add(addr.nodeName);
  }
  return nodes;
}

const idOf = (o: { metadata: { namespace?: string; name: string } }) => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;

/** Candidate nodes per LoadBalancer IP (the union when, unusually, several Services share one IP). */
export function candidatesByIp(services: readonly Service[], endpoints: readonly Endpoints[], nodes: readonly Node[]): Map<string, string[]> {
  const eligible = eligibleNodes(nodes);
  const endpointsById = new Map(endpoints.map((e) => [idOf(e), e]));
  const byIp = new Map<string, Set<string>>();
  for (const svc of services) {
    const ips = loadBalancerIps(svc);
    if (!ips.length) continue;
    let candidates = eligible;
    if (svc.spec.externalTrafficPolicy === 'Local') {
      const withEndpoints = nodesWithReadyEndpoints(endpointsById.get(idOf(svc)));
      const local = eligible.filter((n) => withEndpoints.has(n));
      // No node can serve locally: any node will do, its proxier rejects or drops at once.
      if (local.length) candidates = local;
    }
    for (const ip of ips) {
      const set = byIp.get(ip) ?? new Set<string>();
      for (const n of candidates) set.add(n);
      byIp.set(ip, set);
    }
  }
  return new Map([...byIp].map(([ip, set]) => [ip, [...set].sort()]));
}

/** Every LoadBalancer IP with the node that announces it (undefined: no Ready node). */
export function announcements(services: readonly Service[], endpoints: readonly Endpoints[], nodes: readonly Node[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const [ip, candidates] of candidatesByIp(services, endpoints, nodes)) out.set(ip, announcerFor(ip, candidates));
  return out;
}

/** The LoadBalancer IPs node `me` must hold, sorted numerically. */
export function desiredAddresses(services: readonly Service[], endpoints: readonly Endpoints[], nodes: readonly Node[], me: string): string[] {
  const mine: string[] = [];
  for (const [ip, node] of announcements(services, endpoints, nodes)) if (node === me) mine.push(ip);
  return mine.sort(compareIps);
}
