// Allocation of cluster IPs, node ports, load-balancer IPs and node pod CIDRs.
// Values live in the store's allocation pools (value → owning object key), so
// they are claimed and released in the same atomic batch as the object.

import { field, ApiError, type FieldError } from '../../api/errors.ts';
import { INGRESS_NODE_PORT } from '../../api/ingress-ports.ts';
import { intToIp, ipToInt, inRange, parseCidr, parseIpRange, parsePortRange, type Cidr, type IpRange } from '../../api/ip.ts';
import type { Tx } from '../store/store.ts';

export const POOLS = {
  clusterIp: 'cluster-ip',
  nodePort: 'node-port',
  loadBalancerIp: 'lb-ip',
  podCidr: 'pod-cidr',
} as const;

export interface AllocatorConfig {
  serviceCidr: Cidr;
  nodePorts: { first: number; last: number; text: string };
  lbPool: IpRange;
  clusterCidr: Cidr;
  /** Cluster IPs never handed out automatically (the cluster DNS address). */
  reservedClusterIps: string[];
  /** Node ports no Service may take (the ingress router's port on every node). */
  reservedNodePorts: number[];
  podCidrPrefix: number;
}

export function allocatorConfig(options: {
  serviceCidr: string;
  nodePortRange: string;
  lbPool: string;
  clusterCidr: string;
  dnsServiceIp: string;
}): AllocatorConfig {
  return {
    serviceCidr: parseCidr(options.serviceCidr),
    nodePorts: parsePortRange(options.nodePortRange),
    lbPool: parseIpRange(options.lbPool),
    clusterCidr: parseCidr(options.clusterCidr),
    reservedClusterIps: [options.dnsServiceIp],
    reservedNodePorts: [INGRESS_NODE_PORT],
    podCidrPrefix: 24,
  };
}

/** A requested value that cannot be had: becomes a 422 with this field error. */
export class AllocationError extends Error {
  constructor(readonly fieldError: FieldError) {
    super(fieldError.message);
  }
}

const rangeFull = (what: string) => new ApiError('InternalError', `failed to allocate a ${what}: range is full`);

/** First free value scanning from a random start, wrapping around. */
function findFree(count: number, isFree: (offset: number) => boolean): number | undefined {
  const start = Math.floor(Math.random() * count);
  for (let i = 0; i < count; i++) {
    const offset = (start + i) % count;
    if (isFree(offset)) return offset;
  }
  return undefined;
}

function clusterIpError(ip: string, detail: string): AllocationError {
  return new AllocationError({
    type: 'FieldValueInvalid',
    field: 'spec.clusterIPs',
    message: `spec.clusterIPs: Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: ${detail}`,
  });
}

export function allocateClusterIp(tx: Tx, config: AllocatorConfig, owner: string, requested?: string): string {
  const range = config.serviceCidr;
  if (requested) {
    if (!inRange(range, requested) || ipToInt(requested) === range.first || ipToInt(requested) === range.last) {
      throw clusterIpError(
        requested,
        `the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${range.text}`,
      );
    }
    const holder = tx.owner(POOLS.clusterIp, requested);
    if (holder && holder !== owner) throw clusterIpError(requested, 'provided IP is already allocated');
    tx.claim(POOLS.clusterIp, requested, owner);
    return requested;
  }
  const reserved = new Set(config.reservedClusterIps);
  // Skip the network and broadcast addresses.
  const offset = findFree(range.last - range.first - 1, (o) => {
    const ip = intToIp(range.first + 1 + o);
    return !reserved.has(ip) && tx.owner(POOLS.clusterIp, ip) === undefined;
  });
  if (offset === undefined) throw rangeFull('serviceIP');
  const ip = intToIp(range.first + 1 + offset);
  tx.claim(POOLS.clusterIp, ip, owner);
  return ip;
}

export function allocateNodePort(
  tx: Tx,
  config: AllocatorConfig,
  owner: string,
  fieldPath: string,
  requested?: number,
): number {
  const { first, last, text } = config.nodePorts;
  if (requested !== undefined) {
    if (requested < first || requested > last) {
      throw new AllocationError(
        field.invalid(fieldPath, requested, `provided port is not in the valid range. The range of valid ports is ${text}`),
      );
    }
    if (config.reservedNodePorts.includes(requested)) {
      throw new AllocationError(field.invalid(fieldPath, requested, "provided port is reserved for minik's ingress router on every node"));
    }
    const holder = tx.owner(POOLS.nodePort, String(requested));
    if (holder && holder !== owner) {
      throw new AllocationError(field.invalid(fieldPath, requested, 'provided port is already allocated'));
    }
    tx.claim(POOLS.nodePort, String(requested), owner);
    return requested;
  }
  const reserved = new Set(config.reservedNodePorts);
  const offset = findFree(last - first + 1, (o) => !reserved.has(first + o) && tx.owner(POOLS.nodePort, String(first + o)) === undefined);
  if (offset === undefined) throw rangeFull('nodePort');
  tx.claim(POOLS.nodePort, String(first + offset), owner);
  return first + offset;
}

/** An address from the pool, or undefined when the pool is exhausted (the service stays `<pending>`). */
export function allocateLoadBalancerIp(tx: Tx, config: AllocatorConfig, owner: string, requested?: string): string | undefined {
  const pool = config.lbPool;
  if (requested) {
    if (!inRange(pool, requested)) {
      throw new AllocationError(
        field.invalid('spec.loadBalancerIP', requested, `must be in the load-balancer pool ${pool.text}`),
      );
    }
    const holder = tx.owner(POOLS.loadBalancerIp, requested);
    if (holder && holder !== owner) {
      throw new AllocationError(field.invalid('spec.loadBalancerIP', requested, 'provided IP is already allocated'));
    }
    tx.claim(POOLS.loadBalancerIp, requested, owner);
    return requested;
  }
  // In order, like MetalLB: the lowest free address.
  for (let n = pool.first; n <= pool.last; n++) {
    const ip = intToIp(n);
    if (tx.owner(POOLS.loadBalancerIp, ip) === undefined) {
      tx.claim(POOLS.loadBalancerIp, ip, owner);
      return ip;
    }
  }
  return undefined;
}

/** The next free /24 of the cluster CIDR, in registration order. */
/**
 * A node's pod CIDR: the one `owner` holds; else `requested` when it is a free
 * block of the cluster CIDR (a node registering again after its Node was
 * deleted keeps the CIDR its bridge and pods already use); else block
 * `preferredIndex` when free (node N of the lab → block N, so node1 gets
 * 10.244.1.0/24 whatever order agents register in); else the first free block.
 */
export function allocatePodCidr(tx: Tx, config: AllocatorConfig, owner: string, requested?: string, preferredIndex?: number): string {
  const held = tx.heldBy(POOLS.podCidr, owner);
  if (held.length) return held[0];
  const size = 2 ** (32 - config.podCidrPrefix);
  const wanted = requested ? parseCidrOrUndefined(requested) : undefined;
  if (
    wanted &&
    wanted.prefix === config.podCidrPrefix &&
    wanted.first >= config.clusterCidr.first &&
    wanted.last <= config.clusterCidr.last &&
    tx.owner(POOLS.podCidr, wanted.text) === undefined
  ) {
    tx.claim(POOLS.podCidr, wanted.text, owner);
    return wanted.text;
  }
  if (preferredIndex !== undefined && preferredIndex >= 0) {
    const n = config.clusterCidr.first + preferredIndex * size;
    const cidr = `${intToIp(n)}/${config.podCidrPrefix}`;
    if (n + size - 1 <= config.clusterCidr.last && tx.owner(POOLS.podCidr, cidr) === undefined) {
      tx.claim(POOLS.podCidr, cidr, owner);
      return cidr;
    }
  }
  for (let n = config.clusterCidr.first; n + size - 1 <= config.clusterCidr.last; n += size) {
    const cidr = `${intToIp(n)}/${config.podCidrPrefix}`;
    if (tx.owner(POOLS.podCidr, cidr) === undefined) {
      tx.claim(POOLS.podCidr, cidr, owner);
      return cidr;
    }
  }
  throw rangeFull('podCIDR');
}

/** Releases every value `owner` holds in `pools`. */
export function releaseAll(tx: Tx, owner: string, pools: readonly string[] = Object.values(POOLS)): void {
  for (const pool of pools) for (const value of tx.heldBy(pool, owner)) tx.release(pool, value);
}

function parseCidrOrUndefined(text: string): Cidr | undefined {
  try {
    return parseCidr(text);
  } catch {
    return undefined;
  }
}
