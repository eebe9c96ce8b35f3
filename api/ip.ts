// IPv4 arithmetic on numbers: CIDRs, ranges, membership. Pure.

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${ip}`);
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) throw new Error(`not an IPv4 address: ${ip}`);
    n = n * 256 + Number(part);
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isIPv4(text: string): boolean {
  try {
    ipToInt(text);
    return true;
  } catch {
    return false;
  }
}

/** An inclusive range of addresses, with the text it was written as. */
export interface IpRange {
  first: number;
  last: number;
  text: string;
}

export interface Cidr extends IpRange {
  base: string;
  prefix: number;
}

export function parseCidr(text: string): Cidr {
  const [base, bits] = text.split('/');
  const prefix = Number(bits);
  if (!base || !/^\d{1,2}$/.test(bits ?? '') || prefix > 32) throw new Error(`not an IPv4 CIDR: ${text}`);
  const size = 2 ** (32 - prefix);
  const first = Math.floor(ipToInt(base) / size) * size;
  return { first, last: first + size - 1, text: `${intToIp(first)}/${prefix}`, base: intToIp(first), prefix };
}

/** `192.168.77.200-192.168.77.250` or a CIDR. */
export function parseIpRange(text: string): IpRange {
  if (text.includes('/')) return parseCidr(text);
  const [from, to] = text.split('-');
  if (!from || !to) throw new Error(`not an IPv4 range (FIRST-LAST or CIDR): ${text}`);
  const first = ipToInt(from.trim());
  const last = ipToInt(to.trim());
  if (last < first) throw new Error(`range ends before it starts: ${text}`);
  return { first, last, text };
}

/** Whether `ip` lies inside `cidr` (e.g. `10.96.0.0/12`). */
export function cidrContains(cidr: string, ip: string): boolean {
  return inRange(parseCidr(cidr), ip);
}

export function inRange(range: IpRange, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= range.first && n <= range.last;
}

/** `30000-32767` */
export function parsePortRange(text: string): { first: number; last: number; text: string } {
  const match = /^(\d+)-(\d+)$/.exec(text.trim());
  const first = Number(match?.[1]);
  const last = Number(match?.[2]);
  if (!match || first < 1 || last > 65535 || last < first) throw new Error(`not a port range (FIRST-LAST): ${text}`);
  return { first, last, text: `${first}-${last}` };
}
