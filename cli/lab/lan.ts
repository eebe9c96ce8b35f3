// Addresses of a lab on its /24 LAN, and the checks on what a person typed.
// Pure: the same numbers feed the netns plan, the daemons' flags and the
// tests, so they can never disagree.

import { LAB_NAME_PATTERN, PROXY_MODES, type ProxyMode } from '../../api/layout.ts';
import { LabError } from './errors.ts';

export const MAX_NODES = 100;
export { PROXY_MODES, type ProxyMode };

/** Host octets on the lab LAN (design: host .1, client .2, nodes .11..., LB pool .200-.250). */
const HOST_OCTET = 1;
const CLIENT_OCTET = 2;
const FIRST_NODE_OCTET = 11;
const LB_POOL_OCTETS = [200, 250] as const;

export interface LabAddresses {
  /** e.g. 192.168.77.0/24 */
  cidr: string;
  prefixLength: 24;
  /** the host's end of the LAN (`<lab>-host`): apiserver and host shell */
  hostIp: string;
  clientIp: string;
  /** node `index` (0-based) → .11, .12, ... */
  nodeIp(index: number): string;
  /** `--lb-pool` for the apiserver: `A.B.C.200-A.B.C.250` */
  lbPool: string;
}

export function assertLabName(name: string): void {
  if (!LAB_NAME_PATTERN.test(name)) {
    throw new LabError(
      'LAB_INVALID_NAME',
      `invalid lab name "${name}": use 1-10 lower-case letters or digits, starting with a letter (it prefixes interface names, which Linux caps at 15 characters)`,
    );
  }
}

export function assertNodeCount(nodes: number): void {
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) {
    throw new LabError('LAB_INVALID_OPTION', `invalid --nodes ${nodes}: must be a whole number from 1 to ${MAX_NODES}`);
  }
}

export function assertProxyMode(mode: string): asserts mode is ProxyMode {
  if (!(PROXY_MODES as readonly string[]).includes(mode)) {
    throw new LabError('LAB_INVALID_OPTION', `invalid --proxy-mode "${mode}": must be one of ${PROXY_MODES.join(', ')}`);
  }
}

/** Parses `--lan`: it must be an IPv4 /24 network with its host bits zero, e.g. 192.168.77.0/24. */
export function parseLan(lan: string): LabAddresses {
  const refuse = (why: string) =>
    new LabError('LAB_INVALID_LAN', `invalid --lan "${lan}": ${why} (expected a /24 IPv4 network like 192.168.77.0/24)`);
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(lan.trim());
  if (!match) throw refuse('not an IPv4 network in CIDR notation');
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((o, i) => o > 255 || String(o) !== match[i + 1])) throw refuse('an octet is out of range or has leading zeros');
  if (Number(match[5]) !== 24) throw refuse(`prefix /${match[5]} is not /24`);
  if (octets[3] !== 0) throw refuse('host bits are set');
  if (octets[0] === 0 || octets[0] === 127 || octets[0] >= 224) throw refuse('not a unicast network usable for a LAN');

  const base = `${octets[0]}.${octets[1]}.${octets[2]}`;
  return {
    cidr: `${base}.0/24`,
    prefixLength: 24,
    hostIp: `${base}.${HOST_OCTET}`,
    clientIp: `${base}.${CLIENT_OCTET}`,
    nodeIp(index) {
      if (!Number.isInteger(index) || index < 0 || index >= MAX_NODES) throw new RangeError(`node index ${index} out of range`);
      return `${base}.${FIRST_NODE_OCTET + index}`;
    },
    lbPool: `${base}.${LB_POOL_OCTETS[0]}-${base}.${LB_POOL_OCTETS[1]}`,
  };
}
