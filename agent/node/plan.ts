// Pure decisions of node networking: which routes to replace or delete, which
// bridge addresses are stale. Kept apart from the commands so they can be
// tested without a kernel.

import type { IpAddrInfo, IpRoute } from '../../api/exec/ip-json.ts';
import { normalizeRouteDst } from '../../api/exec/ip-json.ts';

/** A host-gw route: another node's pod CIDR via that node's IP. */
export interface PodRoute {
  cidr: string;
  via: string;
}

export interface RoutePlan {
  replace: PodRoute[];
  /** destinations of owned routes that are no longer wanted */
  remove: string[];
}

/**
 * `current` holds only the routes minik owns (filtered by protocol), so
 * nothing else is ever deleted. A route whose gateway changed is replaced.
 */
export function planRouteSync(current: IpRoute[], desired: PodRoute[]): RoutePlan {
  const have = new Map(current.map((r) => [normalizeRouteDst(r.dst), r.gateway]));
  const want = new Map(desired.map((r) => [normalizeRouteDst(r.cidr), r.via]));
  const replace: PodRoute[] = [];
  for (const [cidr, via] of want) if (have.get(cidr) !== via) replace.push({ cidr, via });
  const remove = [...have.keys()].filter((dst) => !want.has(dst));
  return { replace, remove };
}

/** IPv4 addresses on the bridge other than the gateway (e.g. after the node's podCIDR changed). */
export function staleAddresses(addrs: IpAddrInfo[], wanted: { ip: string; prefixLength: number }): string[] {
  return addrs
    .filter((a) => a.family === 'inet' && !(a.local === wanted.ip && a.prefixlen === wanted.prefixLength))
    .map((a) => `${a.local}/${a.prefixlen}`);
}
