// Before a lab takes its /24: is that network already in use on the host (a
// real LAN, a VPN, another lab)? A second connected route to the same network
// would break the person's network or the other lab, so `up` refuses instead.

import { parseCidr } from '../../api/ip.ts';
import { LabError } from './errors.ts';
import type { Exec } from '../../api/exec/exec.ts';
import { runOrThrow } from './run.ts';
import { parseIpJson } from '../../api/exec/ip-json.ts';
import type { LabAddresses } from './lan.ts';

export interface HostNetwork {
  /** e.g. 192.0.2.0/24 */
  cidr: string;
  dev?: string;
  what: 'route' | 'address';
}

/** The addresses a route or address covers (a bare address is a /32); undefined for `default` and the like. */
function range(cidr: string): [number, number] | undefined {
  try {
    const c = parseCidr(cidr.includes('/') ? cidr : `${cidr}/32`);
    return [c.first, c.last];
  } catch {
    return undefined;
  }
}

/** Host networks that overlap the lab's /24, except the lab's own link and the default route. */
export function lanConflicts(lan: LabAddresses, hostLink: string, inUse: HostNetwork[]): HostNetwork[] {
  const [labStart, labEnd] = range(lan.cidr)!;
  return inUse.filter((n) => {
    if (n.dev === hostLink || n.cidr === 'default') return false;
    const r = range(n.cidr);
    return r !== undefined && r[0] <= labEnd && labStart <= r[1];
  });
}

export async function hostNetworks(exec: Exec): Promise<HostNetwork[]> {
  type Route = { dst: string; dev?: string };
  type Link = { ifname: string; addr_info?: { local: string; prefixlen: number }[] };
  const routes = parseIpJson<Route>(await runOrThrow(exec, ['ip', '-j', '-4', 'route', 'show', 'table', 'main']));
  const links = parseIpJson<Link>(await runOrThrow(exec, ['ip', '-j', '-4', 'addr', 'show']));
  return [
    ...routes.map((r): HostNetwork => ({ cidr: r.dst, dev: r.dev, what: 'route' })),
    ...links.flatMap((l) => (l.addr_info ?? []).map((a): HostNetwork => ({ cidr: `${a.local}/${a.prefixlen}`, dev: l.ifname, what: 'address' }))),
  ];
}

export async function assertLanFree(lan: LabAddresses, hostLink: string, exec: Exec): Promise<void> {
  const [conflict] = lanConflicts(lan, hostLink, await hostNetworks(exec));
  if (conflict) {
    throw new LabError(
      'LAB_INVALID_LAN',
      `--lan ${lan.cidr} overlaps ${conflict.cidr}${conflict.dev ? ` on ${conflict.dev}` : ''}, already on this host: choose another --lan`,
    );
  }
}
