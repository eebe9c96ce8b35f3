// buildProxyModel: Services + Endpoints → what this node's proxier must do,
// one entry per service port, independent of how a mode programs it
// (nftables, ipvs, userspace all start here). Pure.

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
const DEFAULT_AFFINITY_TIMEOUT = 10800;

const protocolOf = (p?: Protocol): L4Protocol => (p ?? 'TCP').toLowerCase() as L4Protocol;

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function cidrContains(cidr: string, ip: string): boolean {
  const [base, lenText] = cidr.split('/');
  const len = Number(lenText ?? 32);
  const size = 2 ** (32 - len);
  const start = Math.floor(ipToNumber(base) / size) * size;
  const n = ipToNumber(ip);
  return n >= start && n < start + size;
}

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
  return !!ip && ip !== 'None' && /^\d+\.\d+\.\d+\.\d+$/.test(ip);
}

export function buildProxyModel(input: BuildProxyModelInput): ProxyModel {
  const skip = new Set(input.skipServices ?? DEFAULT_SKIPPED_SERVICES);
  const endpointsByName = new Map(input.endpoints.map((e) => [`${e.metadata.namespace ?? 'default'}/${e.metadata.name}`, e]));
  const ownPodCidrs = (input.nodes ?? [])
    .filter((n) => n.metadata.name === input.node)
    .flatMap((n) => n.spec.podCIDRs ?? (n.spec.podCIDR ? [n.spec.podCIDR] : []));
  const isLocal = (ip: string, nodeName?: string) =>
    nodeName !== undefined ? nodeName === input.node : ownPodCidrs.some((c) => cidrContains(c, ip));

  const servicePorts: ServicePortModel[] = [];
  for (const svc of input.services) {
    const namespace = svc.metadata.namespace ?? 'default';
    const id = `${namespace}/${svc.metadata.name}`;
    if (skip.has(id) || svc.spec.type === 'ExternalName' || !hasClusterIP(svc)) continue;
    const ports = svc.spec.ports ?? [];
    const subsets = endpointsByName.get(id)?.subsets ?? [];
    const lbIPs = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip);
    const affinity = svc.spec.sessionAffinity === 'ClientIP';
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
          endpoints.push({ ip: addr.ip, port: ep.port, isLocal: isLocal(addr.ip, addr.nodeName), nodeName: addr.nodeName });
        }
      }
      endpoints.sort((a, b) => ipToNumber(a.ip) - ipToNumber(b.ip) || a.port - b.port);
      const type = svc.spec.type ?? 'ClusterIP';
      const external = type === 'NodePort' || type === 'LoadBalancer';
      servicePorts.push({
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
  }
  servicePorts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    node: input.node,
    clusterCidr: input.clusterCidr ?? CLUSTER.clusterCidr,
    serviceCidr: input.serviceCidr ?? CLUSTER.serviceCidr,
    servicePorts,
  };
}
