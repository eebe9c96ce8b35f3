// Pod IP addresses from the node's pod CIDR. Leases are persisted (one small
// file per pod under its state dir) so that an agent restart gives every pod
// the address it already has. Never hands out the network address, the
// gateway (.1) or the broadcast address.

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { podStateDir } from '../../api/layout.ts';
import { cidrContains, intToIp, ipToInt, podAddressRange } from '../../api/ip.ts';

export interface PodKey {
  namespace: string;
  name: string;
}

export interface Lease extends PodKey {
  ip: string;
}

/** Where leases live; the fake keeps them in memory. */
export interface LeaseStore {
  list(): Lease[];
  put(lease: Lease): void;
  drop(key: PodKey): void;
}

export class IpamError extends Error {
  constructor(
    readonly code: 'IPAM_EXHAUSTED',
    message: string,
  ) {
    super(message);
    this.name = 'IpamError';
  }
}

const keyOf = (k: PodKey) => `${k.namespace}/${k.name}`;

export class Ipam {
  private readonly byPod = new Map<string, string>();
  private readonly taken = new Set<number>();
  private readonly range: { first: number; last: number };
  /** where the next search starts, so a released address is not reused at once */
  private cursor: number;

  constructor(
    private readonly podCIDR: string,
    private readonly store: LeaseStore,
  ) {
    this.range = podAddressRange(podCIDR);
    this.cursor = this.range.first;
    for (const lease of store.list()) {
      // A lease from an older pod CIDR (the node re-registered) is void.
      if (!cidrContains(podCIDR, lease.ip) || !this.usable(ipToInt(lease.ip)) || this.taken.has(ipToInt(lease.ip))) {
        store.drop(lease);
        continue;
      }
      this.byPod.set(keyOf(lease), lease.ip);
      this.taken.add(ipToInt(lease.ip));
    }
  }

  /** The pod's address: its existing lease, or the next free one (persisted before it is returned). */
  allocate(pod: PodKey): string {
    const existing = this.byPod.get(keyOf(pod));
    if (existing) return existing;
    const size = this.range.last - this.range.first + 1;
    for (let i = 0; i < size; i++) {
      const n = this.range.first + ((this.cursor - this.range.first + i) % size);
      if (this.taken.has(n)) continue;
      const ip = intToIp(n);
      this.store.put({ ...pod, ip });
      this.taken.add(n);
      this.byPod.set(keyOf(pod), ip);
      this.cursor = n + 1 > this.range.last ? this.range.first : n + 1;
      return ip;
    }
    throw new IpamError('IPAM_EXHAUSTED', `no free pod IP left in ${this.podCIDR} (${size} addresses in use)`);
  }

  release(pod: PodKey): void {
    const ip = this.byPod.get(keyOf(pod));
    this.store.drop(pod);
    if (!ip) return;
    this.byPod.delete(keyOf(pod));
    this.taken.delete(ipToInt(ip));
  }

  lookup(pod: PodKey): string | undefined {
    return this.byPod.get(keyOf(pod));
  }

  leases(): Lease[] {
    return [...this.byPod].map(([key, ip]) => {
      const [namespace, name] = key.split('/');
      return { namespace, name, ip };
    });
  }

  private usable(n: number): boolean {
    return n >= this.range.first && n <= this.range.last;
  }
}

export class MemoryLeaseStore implements LeaseStore {
  readonly leases = new Map<string, Lease>();
  list() {
    return [...this.leases.values()];
  }
  put(lease: Lease) {
    this.leases.set(keyOf(lease), { ...lease });
  }
  drop(key: PodKey) {
    this.leases.delete(keyOf(key));
  }
}

export const LEASE_FILE = 'ip';

/** Leases as `<agentStateDir>/pods/<ns>_<pod>/ip`, written atomically (temp file + rename). */
export class FileLeaseStore implements LeaseStore {
  constructor(private readonly agentStateDir: string) {}

  list(): Lease[] {
    const podsDir = join(this.agentStateDir, 'pods');
    let dirs: string[];
    try {
      dirs = readdirSync(podsDir);
    } catch {
      return [];
    }
    const out: Lease[] = [];
    for (const dir of dirs) {
      const sep = dir.indexOf('_');
      if (sep <= 0) continue;
      try {
        const ip = readFileSync(join(podsDir, dir, LEASE_FILE), 'utf8').trim();
        if (ip) out.push({ namespace: dir.slice(0, sep), name: dir.slice(sep + 1), ip });
      } catch {
        // a pod dir without a lease (yet): nothing to restore
      }
    }
    return out;
  }

  put(lease: Lease): void {
    const path = this.path(lease);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.tmp`, `${lease.ip}\n`);
    renameSync(`${path}.tmp`, path);
  }

  drop(key: PodKey): void {
    rmSync(this.path(key), { force: true });
  }

  private path(key: PodKey): string {
    return join(podStateDir(this.agentStateDir, key.namespace, key.name), LEASE_FILE);
  }
}
