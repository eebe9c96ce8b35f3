// IPv4 CIDR arithmetic the node and pod code needs: gateway (.1), usable
// host range, address <-> number. Pure functions, no I/O. The plain address
// arithmetic is api/ip.ts; this adds the strict pod-CIDR rules.

import { cidrContains, intToIp, ipToInt } from '../../api/ip.ts';

export interface Ipv4Cidr {
  /** network address as an unsigned 32-bit number */
  network: number;
  prefixLength: number;
}

export class CidrError extends Error {
  readonly code = 'INVALID_CIDR';
  constructor(message: string) {
    super(message);
    this.name = 'CidrError';
  }
}

export function ipToNumber(ip: string): number {
  try {
    return ipToInt(ip);
  } catch {
    throw new CidrError(`not an IPv4 address: "${ip}"`);
  }
}

export const numberToIp = intToIp;
export { cidrContains };

/** Parses `10.244.1.0/24`; host bits must be zero, as Kubernetes requires of podCIDR. */
export function parseCidr(cidr: string): Ipv4Cidr {
  const [ip, bits, extra] = cidr.split('/');
  const prefixLength = Number(bits);
  if (extra !== undefined || !/^\d{1,2}$/.test(bits ?? '') || prefixLength > 32) {
    throw new CidrError(`not an IPv4 CIDR: "${cidr}"`);
  }
  const network = ipToNumber(ip);
  if ((network & hostMask(prefixLength)) >>> 0 !== 0) throw new CidrError(`"${cidr}" has host bits set`);
  return { network, prefixLength };
}

const hostMask = (prefixLength: number) => (prefixLength === 0 ? 0xffffffff : (2 ** (32 - prefixLength) - 1) >>> 0);

export const cidrSize = (c: Ipv4Cidr) => 2 ** (32 - c.prefixLength);

/** The bridge's address: the first host of the range (`.1`). */
export function gatewayIp(cidr: string): string {
  const c = parseCidr(cidr);
  if (c.prefixLength > 30) throw new CidrError(`pod CIDR "${cidr}" is too small for a gateway and pods`);
  return numberToIp(c.network + 1);
}

/** Addresses a pod may get: everything except the network (.0), the gateway (.1) and broadcast. */
export function podAddressRange(cidr: string): { first: number; last: number } {
  const c = parseCidr(cidr);
  if (c.prefixLength > 30) throw new CidrError(`pod CIDR "${cidr}" is too small for a gateway and pods`);
  return { first: c.network + 2, last: c.network + cidrSize(c) - 2 };
}

export const prefixLengthOf = (cidr: string) => parseCidr(cidr).prefixLength;
