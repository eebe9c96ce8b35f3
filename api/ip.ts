// IPv4 arithmetic on numbers: CIDRs, ranges, membership, ordering, and the
// pod-CIDR rules (gateway, usable range). Pure. The one home of IPv4 math in
// minik: everything else imports it from here.

/** A malformed address or CIDR (a stable code, as everywhere in minik). */
export class IpError extends Error {
  constructor(
    readonly code: 'INVALID_IP' | 'INVALID_CIDR',
    message: string,
  ) {
    super(message);
    this.name = 'IpError';
  }
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new IpError('INVALID_IP', `not an IPv4 address: ${ip}`);
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) throw new IpError('INVALID_IP', `not an IPv4 address: ${ip}`);
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
  if (!base || !/^\d{1,2}$/.test(bits ?? '') || prefix > 32) throw new IpError('INVALID_CIDR', `not an IPv4 CIDR: ${text}`);
  const size = 2 ** (32 - prefix);
  const first = Math.floor(ipToInt(base) / size) * size;
  return { first, last: first + size - 1, text: `${intToIp(first)}/${prefix}`, base: intToIp(first), prefix };
}

/** Numeric order of two addresses (for sort). */
export function compareIps(a: string, b: string): number {
  return ipToInt(a) - ipToInt(b);
}

/** Parses `10.244.1.0/24` strictly: host bits must be zero, as Kubernetes requires of podCIDR. */
export function parseNetworkCidr(text: string): Cidr {
  const [, , extra] = text.split('/');
  let cidr: Cidr;
  try {
    if (extra !== undefined) throw new Error();
    cidr = parseCidr(text);
    if (ipToInt(text.split('/')[0]) !== cidr.first) throw new IpError('INVALID_CIDR', `"${text}" has host bits set`);
  } catch (err) {
    throw err instanceof IpError && err.code === 'INVALID_CIDR' && err.message.includes('host bits') ? err : new IpError('INVALID_CIDR', `not an IPv4 CIDR: "${text}"`);
  }
  return cidr;
}

export const prefixLengthOf = (cidr: string) => parseNetworkCidr(cidr).prefix;

/** The pod bridge's address: the first host of the range (`.1`). */
export function gatewayIp(cidr: string): string {
  return intToIp(podAddressRange(cidr).first - 1);
}

/** Addresses a pod may get: everything except the network (.0), the gateway (.1) and broadcast. */
export function podAddressRange(cidr: string): { first: number; last: number } {
  const c = parseNetworkCidr(cidr);
  if (c.prefix > 30) throw new IpError('INVALID_CIDR', `pod CIDR "${cidr}" is too small for a gateway and pods`);
  return { first: c.first + 2, last: c.last - 1 };
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
