// Reading state from `ip -j`: the few fields of iproute2's JSON output that
// node, pod and lab networking look at, and helpers that run and parse it.

import type { Exec } from './exec.ts';

export interface IpLink {
  ifname: string;
  flags?: string[];
  master?: string;
  operstate?: string;
  link_type?: string;
  addr_info?: IpAddrInfo[];
}

export interface IpAddrInfo {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
}

export interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  prefsrc?: string;
}

export interface IpNetns {
  name: string;
  id?: number;
}

/** Parses `ip -j ...` output; ip prints nothing at all (not `[]`) when a list is empty. */
export function parseIpJson<T>(stdout: string): T[] {
  const text = stdout.trim();
  return text === '' ? [] : (JSON.parse(text) as T[]);
}

/** Runs `ip -j ARGS` and parses the answer; a device that does not exist reads as `[]`. */
export async function ipJson<T>(exec: Exec, args: string[]): Promise<T[]> {
  const result = await exec.run(['ip', '-j', ...args], { allowFailure: true });
  if (result.code !== 0) {
    if (/does not exist|Cannot find device|No such file/i.test(result.stderr)) return [];
    throw new Error(`ip -j ${args.join(' ')}: ${result.stderr.trim()}`);
  }
  return parseIpJson<T>(result.stdout);
}

/** `default` in `ip -j route` output means 0.0.0.0/0; a host route has no `/32`. */
export function normalizeRouteDst(dst: string): string {
  if (dst === 'default') return '0.0.0.0/0';
  return dst.includes('/') ? dst : `${dst}/32`;
}
