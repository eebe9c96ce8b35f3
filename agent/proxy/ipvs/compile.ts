// compile(model, node) → what this node's IPVS, dummy link and helper table
// must hold. Pure.
//
// kube-proxy's ipvs shape: a virtual server per service address and port
// (ClusterIP, each LoadBalancer IP, and the NodePort on every node address),
// real servers = the ready endpoints (NAT forwarding), the scheduler from
// --ipvs-scheduler, persistence for ClientIP affinity. ClusterIPs and LB IPs
// are bound to the dummy link so the kernel treats them as local and IPVS
// (which hooks LOCAL_IN/LOCAL_OUT) sees the packets. IPVS cannot masquerade,
// tell node addresses apart or refuse a service without endpoints, so a small
// nftables table does that, keyed by map elements like the nftables mode.

import type { ChainSpec, ElementSpec, Ruleset, SetSpec } from '../../nft/index.ts';
import type { ProxyEndpoint, ProxyModel, ServicePortModel } from '../model.ts';
import { CHAIN, hookChains, tailChains } from '../nft-chains.ts';
import { DEFAULT_SCHEDULER, HELPER_TABLE, HELPER_TABLE_COMMENT, MASQUERADE_MARK, SET, type Scheduler } from './names.ts';
import type { RealServer, VirtualServer } from './types.ts';
import { virtualServerKey } from './types.ts';

export interface IpvsNodeInfo {
  /** Addresses NodePort virtual servers are made for (the node's address on the node network). */
  nodeIps: string[];
  scheduler?: Scheduler;
}

/** What one service port contributes. Fragments of different service ports share only addresses and hairpin keys. */
export interface IpvsFragment {
  key: string;
  virtualServers: VirtualServer[];
  /** Addresses to bind on the dummy link (ClusterIP, LB IPs); several ports of one service share them. */
  addresses: string[];
  elements: Record<string, ElementSpec[]>;
  hairpin: string[];
}

export interface IpvsDesired {
  virtualServers: VirtualServer[];
  /** Sorted, unique, without prefix length (bound as /32). */
  addresses: string[];
  helper: Ruleset;
}

/** Human label of a service port: `default/web:http` or `default/web:80`. */
export const servicePortLabel = (sp: ServicePortModel) => `${sp.namespace}/${sp.name}:${sp.portName || sp.port}`;

const ipNum = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const byAddress = (a: { address: string; port: number }, b: { address: string; port: number }) => ipNum(a.address) - ipNum(b.address) || a.port - b.port;

const realServers = (eps: ProxyEndpoint[]): RealServer[] =>
  eps.map((ep) => ({ address: ep.ip, port: ep.port, weight: 1, forwarding: 'masq' as const })).sort(byAddress);

export function compileServicePort(sp: ServicePortModel, node: IpvsNodeInfo): IpvsFragment {
  const scheduler = node.scheduler ?? DEFAULT_SCHEDULER;
  const comment = servicePortLabel(sp);
  const local = sp.endpoints.filter((e) => e.isLocal);
  const internal = sp.internalLocal ? local : sp.endpoints;
  const external = sp.externalLocal ? local : sp.endpoints;
  const f: IpvsFragment = { key: sp.key, virtualServers: [], addresses: [sp.clusterIP], elements: {}, hairpin: [] };
  const add = (set: string, e: ElementSpec) => (f.elements[set] ??= []).push(e);
  const vs = (address: string, port: number, eps: ProxyEndpoint[]) =>
    f.virtualServers.push({
      protocol: sp.protocol,
      address,
      port,
      scheduler,
      ...(sp.affinityTimeoutSeconds !== undefined ? { persistence: sp.affinityTimeoutSeconds } : {}),
      realServers: realServers(eps),
      comment,
    });
  // Nothing to reach at all: reject at once; endpoints exist but the policy allows none here: drop, as kube-proxy does.
  const unusable = (eps: ProxyEndpoint[]) => (sp.endpoints.length === 0 ? `goto ${CHAIN.rejectService}` : eps.length === 0 ? 'drop' : undefined);
  // External traffic with policy Cluster is masqueraded so replies come back through this node; Local keeps the client IP.
  const externalVerdict = sp.externalLocal ? 'continue' : `jump ${CHAIN.markForMasquerade}`;
  const vipKey = (ip: string) => `${ip} . ${sp.protocol} . ${sp.port}`;

  for (const ep of local) if (!f.hairpin.includes(`${ep.ip} . ${ep.ip}`)) f.hairpin.push(`${ep.ip} . ${ep.ip}`);

  vs(sp.clusterIP, sp.port, internal);
  add(SET.serviceIps, { key: vipKey(sp.clusterIP), comment });
  const noInternal = unusable(internal);
  if (noInternal) add(SET.noEndpointServices, { key: vipKey(sp.clusterIP), value: noInternal, comment });

  const noExternal = unusable(external);
  for (const lb of sp.loadBalancerIPs) {
    vs(lb, sp.port, external);
    if (!f.addresses.includes(lb)) f.addresses.push(lb);
    add(SET.externalIps, { key: vipKey(lb), value: externalVerdict, comment });
    if (noExternal) add(SET.noEndpointServices, { key: vipKey(lb), value: noExternal, comment });
  }
  if (sp.nodePort) {
    for (const ip of node.nodeIps) vs(ip, sp.nodePort, external);
    add(SET.nodePorts, { key: `${sp.protocol} . ${sp.nodePort}`, value: externalVerdict, comment });
    if (noExternal) add(SET.noEndpointNodePorts, { key: `${sp.protocol} . ${sp.nodePort}`, value: noExternal, comment });
  }
  return f;
}

const VIP_KEY = 'ipv4_addr . inet_proto . inet_service';
const PORT_KEY = 'inet_proto . inet_service';

/** The helper table holding the given fragments' elements, the node addresses and the given hairpin keys. */
export function assembleHelper(model: Pick<ProxyModel, 'clusterCidr'>, node: IpvsNodeInfo, fragments: IpvsFragment[], hairpin: string[], table = HELPER_TABLE): Ruleset {
  const elements = (set: string) => fragments.flatMap((f) => f.elements[set] ?? []);
  const sets: SetSpec[] = [
    { name: SET.serviceIps, key: VIP_KEY, elements: elements(SET.serviceIps) },
    { name: SET.externalIps, key: VIP_KEY, data: 'verdict', elements: elements(SET.externalIps) },
    { name: SET.nodePorts, key: PORT_KEY, data: 'verdict', elements: elements(SET.nodePorts) },
    { name: SET.nodeIps, key: 'ipv4_addr', elements: [...node.nodeIps].sort((a, b) => ipNum(a) - ipNum(b)).map((key) => ({ key })) },
    { name: SET.noEndpointServices, key: VIP_KEY, data: 'verdict', elements: elements(SET.noEndpointServices) },
    { name: SET.noEndpointNodePorts, key: PORT_KEY, data: 'verdict', elements: elements(SET.noEndpointNodePorts) },
    { name: SET.hairpin, key: 'ipv4_addr . ipv4_addr', elements: [...hairpin].sort().map((key) => ({ key })) },
  ];
  const chains: ChainSpec[] = [
    ...hookChains(),
    {
      name: CHAIN.services,
      rules: [
        // Node processes and outside clients reaching a ClusterIP: masquerade, so the endpoint answers through this node.
        `ip daddr . meta l4proto . th dport @${SET.serviceIps} ip saddr != ${model.clusterCidr} jump ${CHAIN.markForMasquerade}`,
        `ip daddr . meta l4proto . th dport vmap @${SET.externalIps}`,
        `ip daddr @${SET.nodeIps} meta l4proto . th dport vmap @${SET.nodePorts}`,
      ],
    },
    {
      name: CHAIN.endpointsCheck,
      rules: [`ip daddr . meta l4proto . th dport vmap @${SET.noEndpointServices}`, `ip daddr @${SET.nodeIps} meta l4proto . th dport vmap @${SET.noEndpointNodePorts}`],
    },
    ...tailChains(MASQUERADE_MARK, SET.hairpin),
  ];
  return { family: 'ip', table, comment: HELPER_TABLE_COMMENT, sets, chains };
}

export const sortVirtualServers = (list: VirtualServer[]) =>
  list.sort((a, b) => byAddress(a, b) || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));

/** One fragment per service port, in key order. */
export const compileFragments = (model: ProxyModel, node: IpvsNodeInfo): IpvsFragment[] =>
  [...model.servicePorts].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((sp) => compileServicePort(sp, node));

/** The whole desired state made of the given fragments. */
export function desiredOf(model: Pick<ProxyModel, 'clusterCidr'>, node: IpvsNodeInfo, fragments: IpvsFragment[]): IpvsDesired {
  const seen = new Set<string>();
  const virtualServers: VirtualServer[] = [];
  for (const f of fragments) {
    for (const vs of f.virtualServers) {
      // Two services cannot hold the same address and port (the apiserver allocates them), but never emit a duplicate -A.
      if (seen.has(virtualServerKey(vs))) continue;
      seen.add(virtualServerKey(vs));
      virtualServers.push(vs);
    }
  }
  const addresses = [...new Set(fragments.flatMap((f) => f.addresses))].sort((a, b) => ipNum(a) - ipNum(b));
  const hairpin = [...new Set(fragments.flatMap((f) => f.hairpin))];
  return { virtualServers: sortVirtualServers(virtualServers), addresses, helper: assembleHelper(model, node, fragments, hairpin) };
}

/** Everything the node must hold for this model. */
export const compile = (model: ProxyModel, node: IpvsNodeInfo): IpvsDesired => desiredOf(model, node, compileFragments(model, node));
