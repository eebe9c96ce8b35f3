// compile(model) → the complete `ip minik` table. Pure.
//
// Shape (see README "nftables data plane" for the measurements behind it):
// every per-service fact is a map ELEMENT, not a rule or chain. Lookups are
// `ip daddr . meta l4proto . th dport` verdict maps; the endpoint is picked
// by a second lookup (per protocol) keyed by address, port and
// `numgen random mod N`, in a chain shared by all services with N endpoints. So a one-service change is a
// handful of element updates, which the kernel applies without re-validating
// the table, and nft without loading its cache of rules: ~2 ms at 30k
// services where a chain per service costs 0.25 s (kernel validation walks
// every reachable rule on each commit) and a chain per endpoint minutes.
// ClientIP affinity keeps kube-proxy's per-service/per-endpoint chains with
// dynamic affinity sets; those services are rare.

import type { ChainSpec, ElementSpec, Ruleset, SetSpec } from '../../nft/index.ts';
import type { L4Protocol, ProxyEndpoint, ProxyModel, ServicePortModel } from '../model.ts';
import { CHAIN, hookChains, tailChains } from '../nft-chains.ts';
import {
  MASQUERADE_MARK,
  PREALLOCATED_DNAT_CHAINS,
  PROTOCOLS,
  SET,
  TABLE,
  TABLE_COMMENT,
  affinityEndpointChain,
  affinityExternalChain,
  affinityServiceChain,
  affinitySet,
  dnatChain,
  masqDnatChain,
  nodePortDnatChain,
  nodePortMasqDnatChain,
} from './names.ts';

const VIP_KEY = 'ipv4_addr . inet_proto . inet_service';
// nft derives the transport protocol of a `dnat ... map` from the map's data type (and adds an implicit
// `meta l4proto` check), so endpoint maps and dnat chains exist per protocol.
const DNAT_SERVICE = (p: L4Protocol, n: number) => `dnat ip to ip daddr . ${p} dport . numgen random mod ${n} map @${SET.serviceEndpoints(p)}`;
const DNAT_NODEPORT = (p: L4Protocol, n: number) => `dnat ip to ${p} dport . numgen random mod ${n} map @${SET.nodePortEndpoints(p)}`;

export interface CompileOptions {
  table?: string;
}

/** Human label of a service port, used as element comment: `default/web:http` or `default/web:80`. */
export const servicePortLabel = (sp: ServicePortModel) => `${sp.namespace}/${sp.name}:${sp.portName || sp.port}`;

/** What one service port contributes to the table. Fragments of different service ports never share elements or owned chains. */
export interface Fragment {
  /** Elements per set name. */
  elements: Record<string, ElementSpec[]>;
  /** `ip . ip` keys of the hairpin set (several service ports may share an endpoint). */
  hairpin: string[];
  /** Chains shared by every service with the same endpoint count (`dnat-3`); reference-counted. */
  shared: ChainSpec[];
  /** Chains and sets owned by this service port alone (ClientIP affinity). */
  chains: ChainSpec[];
  sets: SetSpec[];
}

class FragmentBuilder {
  readonly f: Fragment = { elements: {}, hairpin: [], shared: [], chains: [], sets: [] };

  add(set: string, e: ElementSpec): void {
    (this.f.elements[set] ??= []).push(e);
  }

  shared(name: string, rules: string[]): string {
    if (!this.f.shared.some((c) => c.name === name)) this.f.shared.push({ name, rules });
    return name;
  }

  /** Elements `vip . proto . port . i : endpoint`, and the chain that picks among them. */
  vipDispatch(vip: string, sp: ServicePortModel, eps: ProxyEndpoint[], masquerade: boolean): string {
    const [n, p] = [eps.length, sp.protocol];
    eps.forEach((ep, i) => this.add(SET.serviceEndpoints(p), { key: `${vip} . ${sp.port} . ${i}`, value: `${ep.ip} . ${ep.port}` }));
    return masquerade
      ? this.shared(masqDnatChain(p, n), [`jump ${CHAIN.markForMasquerade}`, DNAT_SERVICE(p, n)])
      : this.shared(dnatChain(p, n), [DNAT_SERVICE(p, n)]);
  }

  nodePortDispatch(sp: ServicePortModel, eps: ProxyEndpoint[], masquerade: boolean): string {
    const [n, p] = [eps.length, sp.protocol];
    eps.forEach((ep, i) => this.add(SET.nodePortEndpoints(p), { key: `${sp.nodePort} . ${i}`, value: `${ep.ip} . ${ep.port}` }));
    return masquerade
      ? this.shared(nodePortMasqDnatChain(p, n), [`jump ${CHAIN.markForMasquerade}`, DNAT_NODEPORT(p, n)])
      : this.shared(nodePortDnatChain(p, n), [DNAT_NODEPORT(p, n)]);
  }

  /** kube-proxy's affinity scheme: remembered clients first, then a random endpoint that records the client. */
  affinityChains(sp: ServicePortModel, eps: ProxyEndpoint[]): string {
    const svcChain = affinityServiceChain(sp);
    const rules: string[] = [];
    const vmap: string[] = [];
    eps.forEach((ep, i) => {
      const epChain = affinityEndpointChain(sp, ep.ip, ep.port);
      const set = affinitySet(sp, ep.ip, ep.port);
      this.f.sets.push({ name: set, key: 'ipv4_addr', flags: ['dynamic', 'timeout'], timeout: `${sp.affinityTimeoutSeconds}s`, elements: [] });
      this.f.chains.push({ name: epChain, rules: [`update @${set} { ip saddr }`, `meta l4proto ${sp.protocol} dnat to ${ep.ip}:${ep.port}`] });
      rules.push(`ip saddr @${set} goto ${epChain}`);
      vmap.push(`${i} : goto ${epChain}`);
    });
    rules.push(`numgen random mod ${eps.length} vmap { ${vmap.join(', ')} }`);
    this.f.chains.push({ name: svcChain, rules });
    return svcChain;
  }
}

export function compileServicePort(sp: ServicePortModel): Fragment {
  const b = new FragmentBuilder();
  const comment = servicePortLabel(sp);
  const local = sp.endpoints.filter((e) => e.isLocal);
  const internal = sp.internalLocal ? local : sp.endpoints;
  const external = sp.externalLocal ? local : sp.endpoints;
  for (const ep of local) if (!b.f.hairpin.includes(`${ep.ip} . ${ep.ip}`)) b.f.hairpin.push(`${ep.ip} . ${ep.ip}`);
  // Nothing to reach at all: reject at once. Endpoints exist elsewhere but policy says local-only: drop, as kube-proxy does.
  const unusable = (eps: ProxyEndpoint[]) => (sp.endpoints.length === 0 ? `goto ${CHAIN.rejectService}` : eps.length === 0 ? 'drop' : undefined);
  const vipKey = (ip: string) => `${ip} . ${sp.protocol} . ${sp.port}`;
  const affinity = sp.affinityTimeoutSeconds !== undefined && internal.length > 0;
  const affinityChain = affinity ? b.affinityChains(sp, internal) : undefined;

  const noInternal = unusable(internal);
  if (noInternal) b.add(SET.noEndpointServices, { key: vipKey(sp.clusterIP), comment, value: noInternal });
  else b.add(SET.serviceIps, { key: vipKey(sp.clusterIP), comment, value: `goto ${affinityChain ?? b.vipDispatch(sp.clusterIP, sp, internal, false)}` });

  const noExternal = unusable(external);
  // External traffic (policy Cluster) is masqueraded so replies come back through this node.
  let externalAffinity: string | undefined;
  if (affinityChain && !sp.externalLocal && (sp.loadBalancerIPs.length || sp.nodePort)) {
    externalAffinity = affinityExternalChain(sp);
    b.f.chains.push({ name: externalAffinity, rules: [`jump ${CHAIN.markForMasquerade}`, `goto ${affinityChain}`] });
  }
  for (const lb of sp.loadBalancerIPs) {
    if (noExternal) b.add(SET.noEndpointServices, { key: vipKey(lb), comment, value: noExternal });
    else b.add(SET.serviceIps, { key: vipKey(lb), comment, value: `goto ${externalAffinity ?? b.vipDispatch(lb, sp, external, !sp.externalLocal)}` });
  }
  if (sp.nodePort) {
    const key = `${sp.protocol} . ${sp.nodePort}`;
    if (noExternal) b.add(SET.noEndpointNodePorts, { key, comment, value: noExternal });
    else b.add(SET.serviceNodePorts, { key, comment, value: `goto ${externalAffinity ?? b.nodePortDispatch(sp, external, !sp.externalLocal)}` });
  }
  return b.f;
}

const sortedChainNames = (names: string[]) =>
  names.sort((a, b) => {
    const [pa, na] = [a.replace(/-\d+$/, ''), Number(a.match(/-(\d+)$/)?.[1] ?? 0)];
    const [pb, nb] = [b.replace(/-\d+$/, ''), Number(b.match(/-(\d+)$/)?.[1] ?? 0)];
    return pa < pb ? -1 : pa > pb ? 1 : na - nb;
  });

export interface ClusterRanges {
  serviceCidr: string;
  clusterCidr: string;
}

/** Shared chains and hairpin keys needed by a set of fragments. */
export function sharedOf(fragments: Iterable<Fragment>): { shared: ChainSpec[]; hairpin: string[] } {
  const shared = new Map<string, ChainSpec>();
  const hairpin = new Set<string>();
  for (const f of fragments) {
    for (const c of f.shared) if (!shared.has(c.name)) shared.set(c.name, c);
    for (const h of f.hairpin) hairpin.add(h);
  }
  return { shared: [...shared.values()], hairpin: [...hairpin] };
}

/**
 * The table made of the fixed skeleton plus the given fragments, shared
 * chains and hairpin keys. Used for the whole table and, with only the
 * fragments that changed, for the two sides of an incremental diff.
 */
export function assemble(ranges: ClusterRanges, fragments: Fragment[], shared: ChainSpec[], hairpin: string[], table: string = TABLE): Ruleset {
  const elements = (set: string) => fragments.flatMap((f) => f.elements[set] ?? []);
  const fixed: ChainSpec[] = [
    ...hookChains(),
    {
      name: CHAIN.services,
      rules: [
        // Node processes and outside clients reaching a ClusterIP: masquerade, as kube-proxy does with a cluster CIDR.
        // Not for service addresses this node answers itself (the DNS IP on lo): loopback traffic stays as it is.
        `ip daddr ${ranges.serviceCidr} ip saddr != ${ranges.clusterCidr} fib daddr type != local jump ${CHAIN.markForMasquerade}`,
        `ip daddr . meta l4proto . th dport vmap @${SET.serviceIps}`,
        `fib daddr type local meta l4proto . th dport vmap @${SET.serviceNodePorts}`,
      ],
    },
    {
      name: CHAIN.endpointsCheck,
      rules: [
        `ip daddr . meta l4proto . th dport vmap @${SET.noEndpointServices}`,
        `fib daddr type local meta l4proto . th dport vmap @${SET.noEndpointNodePorts}`,
      ],
    },
    ...tailChains(MASQUERADE_MARK, SET.hairpin),
  ];
  const byName = (x: { name: string }, y: { name: string }) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);
  const allShared = new Map<string, ChainSpec>();
  for (let n = 1; n <= PREALLOCATED_DNAT_CHAINS; n++) allShared.set(dnatChain('tcp', n), { name: dnatChain('tcp', n), rules: [DNAT_SERVICE('tcp', n)] });
  for (const c of shared) if (!allShared.has(c.name)) allShared.set(c.name, c);
  const sharedSorted = sortedChainNames([...allShared.keys()]).map((n) => allShared.get(n)!);
  const owned = fragments.flatMap((f) => f.chains).sort(byName);
  const sets: SetSpec[] = [
    { name: SET.serviceIps, key: VIP_KEY, data: 'verdict', elements: elements(SET.serviceIps) },
    { name: SET.serviceNodePorts, key: 'inet_proto . inet_service', data: 'verdict', elements: elements(SET.serviceNodePorts) },
    ...PROTOCOLS.map((p) => ({
      name: SET.serviceEndpoints(p),
      typeof: true,
      key: `ip daddr . ${p} dport . numgen random mod 1`,
      data: `ip daddr . ${p} dport`,
      elements: elements(SET.serviceEndpoints(p)),
    })),
    ...PROTOCOLS.map((p) => ({
      name: SET.nodePortEndpoints(p),
      typeof: true,
      key: `${p} dport . numgen random mod 1`,
      data: `ip daddr . ${p} dport`,
      elements: elements(SET.nodePortEndpoints(p)),
    })),
    { name: SET.noEndpointServices, key: VIP_KEY, data: 'verdict', elements: elements(SET.noEndpointServices) },
    { name: SET.noEndpointNodePorts, key: 'inet_proto . inet_service', data: 'verdict', elements: elements(SET.noEndpointNodePorts) },
    { name: SET.hairpin, key: 'ipv4_addr . ipv4_addr', elements: [...hairpin].sort().map((key) => ({ key })) },
    ...fragments.flatMap((f) => f.sets).sort(byName),
  ];
  return { family: 'ip', table, comment: TABLE_COMMENT, sets, chains: [...fixed, ...sharedSorted, ...owned] };
}

export const byKey = (x: ServicePortModel, y: ServicePortModel) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);

export function compile(model: ProxyModel, opts: CompileOptions = {}): Ruleset {
  const fragments = [...model.servicePorts].sort(byKey).map(compileServicePort);
  const { shared, hairpin } = sharedOf(fragments);
  return assemble(model, fragments, shared, hairpin, opts.table);
}
