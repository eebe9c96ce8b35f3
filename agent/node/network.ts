// Node-level networking, run inside the node's own network namespace (the
// agent is started there with nsenter): the pod bridge, forwarding, host-gw
// routes to other nodes' pod CIDRs, and the addresses through which node
// processes reach the cluster DNS and ClusterIPs. Every function is
// idempotent: it reads state with `ip -j` and only changes what differs.

import { CLUSTER } from '../../api/layout.ts';
import { gatewayIp, prefixLengthOf } from '../../api/ip.ts';
import { type Exec, realExec } from '../../api/exec/exec.ts';
import { type IpLink, type IpRoute, ipJson } from '../../api/exec/ip-json.ts';
import { type PodRoute, planRouteSync, staleAddresses } from './plan.ts';

/**
 * Route protocol numbers mark the routes minik owns (`ip route ... proto N`),
 * so syncing never touches a route someone else added. Two numbers, because
 * the pod-CIDR sync deletes every owned route it was not asked for.
 */
export const ROUTE_PROTO_POD_CIDRS = 77;
export const ROUTE_PROTO_SERVICES = 78;

export interface NodeNetworkOptions {
  /** this node's pod CIDR, e.g. 10.244.1.0/24; the bridge gets its .1 */
  podCIDR: string;
  bridge?: string;
}

export interface NodeNetwork {
  bridge: string;
  gateway: string;
  prefixLength: number;
}

/** Bridge `minik0` with the gateway address, up; `lo` up; IPv4 forwarding on in this namespace. */
export async function setupNodeNetwork(options: NodeNetworkOptions, exec: Exec = realExec): Promise<NodeNetwork> {
  const bridge = options.bridge ?? CLUSTER.podBridge;
  const gateway = gatewayIp(options.podCIDR);
  const prefixLength = prefixLengthOf(options.podCIDR);

  await exec.run(['ip', 'link', 'set', 'lo', 'up']);
  let [link] = await ipJson<IpLink>(exec, ['addr', 'show', 'dev', bridge]);
  if (link && link.link_type !== 'ether') throw new Error(`${bridge} exists but is not a bridge`);
  if (!link) {
    await exec.run(['ip', 'link', 'add', bridge, 'type', 'bridge']);
    link = { ifname: bridge, addr_info: [] };
  }
  for (const stale of staleAddresses(link.addr_info ?? [], { ip: gateway, prefixLength })) {
    await exec.run(['ip', 'addr', 'del', stale, 'dev', bridge]);
  }
  const hasGateway = (link.addr_info ?? []).some((a) => a.local === gateway && a.prefixlen === prefixLength);
  if (!hasGateway) await exec.run(['ip', 'addr', 'replace', `${gateway}/${prefixLength}`, 'dev', bridge]);
  if (!link.flags?.includes('UP')) await exec.run(['ip', 'link', 'set', bridge, 'up']);
  // /proc/sys/net is per network namespace: this turns forwarding on for the
  // node namespace the command runs in, never for the host.
  await exec.run(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  return { bridge, gateway, prefixLength };
}

/**
 * Host-gw routing: one route per other node's pod CIDR via that node's IP.
 * Adds what is missing, fixes changed gateways, deletes owned routes that are
 * no longer wanted. Returns what it changed.
 */
export async function syncPodRoutes(routes: PodRoute[], exec: Exec = realExec) {
  const current = await ipJson<IpRoute>(exec, ['route', 'show', 'proto', String(ROUTE_PROTO_POD_CIDRS)]);
  const plan = planRouteSync(current, routes);
  for (const r of plan.replace) {
    await exec.run(['ip', 'route', 'replace', r.cidr, 'via', r.via, 'proto', String(ROUTE_PROTO_POD_CIDRS)]);
  }
  for (const dst of plan.remove) {
    await exec.run(['ip', 'route', 'del', dst, 'proto', String(ROUTE_PROTO_POD_CIDRS)], { allowFailure: true });
  }
  return plan;
}

/** Puts a service address (the cluster DNS 10.96.0.10) on `lo` as a /32 so this node answers it itself. */
export async function bindServiceAddress(ip: string, exec: Exec = realExec): Promise<void> {
  await exec.run(['ip', 'addr', 'replace', `${ip}/32`, 'dev', 'lo']);
}

export async function unbindServiceAddress(ip: string, exec: Exec = realExec): Promise<void> {
  await exec.run(['ip', 'addr', 'del', `${ip}/32`, 'dev', 'lo'], { allowFailure: true });
}

export interface ServiceRouteOptions {
  serviceCidr?: string;
  bridge?: string;
  /** the bridge's gateway address, used as source */
  gateway: string;
}

/**
 * Lets processes of the node itself reach ClusterIPs. A locally generated
 * packet is routed before the nftables output hook sees it, so without a
 * route to the service CIDR connect() fails with ENETUNREACH before any DNAT
 * can happen. The route points at the pod bridge with the gateway as source:
 * after the output-hook DNAT the kernel re-routes by the new (pod) address,
 * and replies come back to the gateway address, which every node reaches
 * through its host-gw routes, so no masquerade is needed for correctness.
 * A service IP with no rule (no DNAT) is simply unanswered on the bridge;
 * the proxier rejects known services without endpoints. `lo` was not used:
 * a main-table route via `lo` loops the packet into the input path as a
 * non-local destination.
 */
export async function routeServiceCidr(options: ServiceRouteOptions, exec: Exec = realExec): Promise<void> {
  const cidr = options.serviceCidr ?? CLUSTER.serviceCidr;
  const bridge = options.bridge ?? CLUSTER.podBridge;
  await exec.run([
    'ip', 'route', 'replace', cidr, 'dev', bridge, 'src', options.gateway, 'proto', String(ROUTE_PROTO_SERVICES),
  ]);
}
