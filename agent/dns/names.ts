// Domain-name helpers for the cluster DNS: normalising names for lookup,
// the dashed form of an IPv4 address that Kubernetes uses in pod and endpoint
// names, and the in-addr.arpa form used by PTR. Pure functions, no I/O.

import { isIPv4 } from '../../api/ip.ts';

/** Lookup key of a name: DNS compares names case-insensitively, and a trailing dot is only notation. */
export function normalizeName(name: string): string {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  return trimmed.toLowerCase();
}

/** `10.244.1.5` → `10-244-1-5`, the label Kubernetes gives pods and unnamed endpoints. */
export const dashedIp = (ip: string) => ip.replaceAll('.', '-');

/** `10.96.0.10` → `10.0.96.10.in-addr.arpa`. */
export const reverseName = (ip: string) => `${ip.split('.').reverse().join('.')}.in-addr.arpa`;

/** The IPv4 address a full `d.c.b.a.in-addr.arpa` name stands for, or undefined for anything else. */
export function ipFromReverseName(name: string): string | undefined {
  const match = /^(.+)\.in-addr\.arpa$/.exec(normalizeName(name));
  if (!match) return undefined;
  const ip = match[1].split('.').reverse().join('.');
  return isIPv4(ip) ? ip : undefined;
}

/** True when `name` equals `zone` or lies below it (both normalised). */
export const isInZone = (name: string, zone: string) => name === zone || name.endsWith(`.${zone}`);

/** `a.b.c` below zone `c` → [`b.c`, `c`]: the names that exist because `name` does. */
export function ancestorsWithin(name: string, zone: string): string[] {
  const out: string[] = [];
  let current = name;
  while (current !== zone && current.includes('.')) {
    current = current.slice(current.indexOf('.') + 1);
    out.push(current);
    if (!isInZone(current, zone)) return [];
  }
  return out;
}
