// buildProxyModel: Services + Endpoints → what this node's proxier must do,
// one entry per service port, independent of how a mode programs it
// (nftables, ipvs, userspace all start here). Pure.

import { cidrContains, ipToInt as ipToNumber, isIPv4 } from '../../api/ip.ts';
import { DEFAULT_CLIENT_IP_AFFINITY_SECONDS } from '../../api/defaults.ts';
import { CLUSTER } from '../../api/layout.ts';

import type { EndpointPort, Endpoints, Node, Protocol, Service, ServicePort } from '../../api/types.ts';

export type L4Protocol = 'tcp' | 'udp' | 'sctp';

export interface ProxyEndpoint {
  ip: string;
  port: number;
  /** The backing pod runs on this node (externalTrafficPolicy/internalTrafficPolicy Local, hairpin). */
  isLocal: boolean;
  nodeName?: string;
}

export interface ServicePortModel {
  /** Stable identity: `namespace/name:port/protocol` (the service port number, not its name). */
  key: string;
  namespace: string;
  name: string;
  /** The service port's name ('' when unnamed). */
  portName: string;
  protocol: L4Protocol;
  clusterIP: string;
  port: number;
  nodePort?: number;
  loadBalancerIPs: string[];
  /** externalTrafficPolicy Local: NodePort/LB traffic goes to local endpoints only and keeps its source IP. */
  externalLocal: boolean;
  /** internalTrafficPolicy Local: ClusterIP traffic goes to local endpoints only. */
  internalLocal: boolean;
  /** Set for sessionAffinity ClientIP. */
  affinityTimeoutSeconds?: number;
  /** Ready endpoints, sorted by ip then port. */
  endpoints: ProxyEndpoint[];
}

export interface ProxyModel {
  node: string;
  clusterCidr: string;
  serviceCidr: string;
  /** Sorted by key. */
  servicePorts: ServicePortModel[];
}

export interface BuildProxyModelInput {
  services: Service[];
  endpoints: Endpoints[];
  /** This node's name. */
  node: string;
  /** All nodes: an endpoint without nodeName is local when its IP is in this node's podCIDR. */
  nodes?: Node[];
  clusterCidr?: string;
  serviceCidr?: string;
  /** `namespace/name` of services the proxier leaves alone. Default: the cluster DNS service (each node answers it itself). */
  skipServices?: string[];
}

export const DEFAULT_SKIPPED_SERVICES = ['kube-system/kube-dns'];
const DEFAULT_AFFINITY_TIMEOUT = DEFAULT_CLIENT_IP_AFFINITY_SECONDS;

const protocolOf = (p?: Protocol): L4Protocol => (p ?? 'TCP').toLowerCase() as L4Protocol;


/** The endpoint port that serves a service port: same name (both may be unnamed) and protocol. */
function matchPort(sp: ServicePort, ports: EndpointPort[], servicePortCount: number): EndpointPort | undefined {
  const proto = protocolOf(sp.protocol);
  const sameProto = ports.filter((p) => protocolOf(p.protocol) === proto);
  const byName = sameProto.find((p) => (p.name ?? '') === (sp.name ?? ''));
  if (byName) return byName;
  return servicePortCount === 1 && sameProto.length === 1 ? sameProto[0] : undefined;
}

function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec.clusterIP;
  return !!ip && ip !== 'None' && isIPv4(ip);
}

interface Context {
  node: string;
  skip: Set<string>;
  isLocal: (ip: string, nodeName?: string) => boolean;
}

function contextOf(input: BuildProxyModelInput): Context & { podCidrKey: string } {
  const ownPodCidrs = (input.nodes ?? [])
    .filter((n) => n.metadata.name === input.node)
    .flatMap((n) => n.spec.podCIDRs ?? (n.spec.podCIDR ? [n.spec.podCIDR] : []));
  return {
    node: input.node,
    skip: new Set(input.skipServices ?? DEFAULT_SKIPPED_SERVICES),
    isLocal: (ip, nodeName) => (nodeName !== undefined ? nodeName === input.node : ownPodCidrs.some((c) => cidrContains(c, ip))),
    podCidrKey: ownPodCidrs.join(','),
  };
}

const serviceId = (o: { metadata: { namespace?: string; name: string } }) => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;

/** The service ports of one Service (empty when the proxier leaves it alone). */
function servicePortsOf(svc: Service, eps: Endpoints | undefined, ctx: Context): ServicePortModel[] {
  const namespace = svc.metadata.namespace ?? 'default';
  const id = serviceId(svc);
  if (ctx.skip.has(id) || svc.spec.type === 'ExternalName' || !hasClusterIP(svc)) return [];
  const ports = svc.spec.ports ?? [];
  const subsets = eps?.subsets ?? [];
  const lbIPs = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip);
  const affinity = svc.spec.sessionAffinity === 'ClientIP';
  const out: ServicePortModel[] = [];
  for (const sp of ports) {
    const protocol = protocolOf(sp.protocol);
    const seen = new Set<string>();
    const endpoints: ProxyEndpoint[] = [];
    for (const subset of subsets) {
      const ep = matchPort(sp, subset.ports ?? [], ports.length);
      if (!ep) continue;
      for (const addr of subset.addresses ?? []) {
        const k = `${addr.ip}:${ep.port}`;
        if (seen.has(k)) continue;
        seen.add(k);
        endpoints.push({ ip: addr.ip, port: ep.port, isLocal: ctx.isLocal(addr.ip, addr.nodeName), nodeName: addr.nodeName });
      }
    }
    endpoints.sort((a, b) => ipToNumber(a.ip) - ipToNumber(b.ip) || a.port - b.port);
    const type = svc.spec.type ?? 'ClusterIP';
    const external = type === 'NodePort' || type === 'LoadBalancer';
    out.push({
      key: `${id}:${sp.port}/${protocol}`,
      namespace,
      name: svc.metadata.name,
      portName: sp.name ?? '',
      protocol,
      clusterIP: svc.spec.clusterIP!,
      port: sp.port,
      nodePort: external && sp.nodePort ? sp.nodePort : undefined,
      loadBalancerIPs: type === 'LoadBalancer' ? lbIPs : [],
      externalLocal: external && svc.spec.externalTrafficPolicy === 'Local',
      internalLocal: svc.spec.internalTrafficPolicy === 'Local',
      affinityTimeoutSeconds: affinity ? (svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT) : undefined,
      endpoints,
    });
  }
  return out;
}

const byKey = (a: ServicePortModel, b: ServicePortModel) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** What this node's proxier must do, computed from scratch (see createProxyModelBuilder for the cached form). */
export function buildProxyModel(input: BuildProxyModelInput): ProxyModel {
  return createProxyModelBuilder()(input);
}

/**
 * Like buildProxyModel, but remembers each Service's result: while the
 * Service and Endpoints objects are the same objects as last time (a watch
 * cache replaces an object when it changes), the same ServicePortModel
 * objects come back, so the proxier's incremental compiler skips them at
 * once. Use one builder per proxier.
 */
export function createProxyModelBuilder(): (input: BuildProxyModelInput) => ProxyModel {
  const cache = new Map<string, { svc: Service; eps?: Endpoints; ctxKey: string; ports: ServicePortModel[] }>();
  return (input) => {
    const ctx = contextOf(input);
    const ctxKey = `${ctx.node}|${ctx.podCidrKey}|${[...ctx.skip].join(',')}`;
    const endpointsById = new Map(input.endpoints.map((e) => [serviceId(e), e]));
    const live = new Set<string>();
    const servicePorts: ServicePortModel[] = [];
    for (const svc of input.services) {
      const id = serviceId(svc);
      live.add(id);
      const eps = endpointsById.get(id);
      let hit = cache.get(id);
      if (!hit || hit.svc !== svc || hit.eps !== eps || hit.ctxKey !== ctxKey) {
        hit = { svc, eps, ctxKey, ports: servicePortsOf(svc, eps, ctx) };
        cache.set(id, hit);
      }
      for (const p of hit.ports) servicePorts.push(p);
    }
    for (const id of cache.keys()) if (!live.has(id)) cache.delete(id);
    servicePorts.sort(byKey);
    return {
      node: input.node,
      clusterCidr: input.clusterCidr ?? CLUSTER.clusterCidr,
      serviceCidr: input.serviceCidr ?? CLUSTER.serviceCidr,
      servicePorts,
    };
  };
}
