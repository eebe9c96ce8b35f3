// The change tracker: the one place that compares what the proxier last
// programmed with what it must program now. Every mode consumes its answer
// (which service ports changed), and the front end uses it to find the UDP
// endpoints that went away, for every service address (ClusterIP, NodePort,
// LoadBalancer IP), so stale conntrack entries are flushed whatever the mode.
// Pure apart from remembering the last committed model.

import type { ProxyModel, ServicePortModel } from './model.ts';

export interface ServicePortChange {
  /** Absent when the service port is new. */
  before?: ServicePortModel;
  /** Absent when the service port is gone. */
  after?: ServicePortModel;
}

/** Conntrack entries that may still steer UDP packets to an endpoint that is gone. */
export type StaleUdpFlow =
  /** Entries made for a service address (ClusterIP or LoadBalancer IP) and port. */
  | { kind: 'address'; serviceIp: string; servicePort: number; endpointIp: string; endpointPort: number }
  /** Entries made for a NodePort, on any local address. */
  | { kind: 'nodePort'; nodePort: number; endpointIp: string; endpointPort: number };

export interface ModelChange {
  first: boolean;
  changed: ServicePortChange[];
  staleUdp: StaleUdpFlow[];
}

const sameServicePort = (a: ServicePortModel, b: ServicePortModel) => a === b || JSON.stringify(a) === JSON.stringify(b);

/** Service ports that differ between two models (by key; the model builder reuses unchanged objects, so most compare by identity). */
export function diffModels(prev: ProxyModel | undefined, next: ProxyModel): ServicePortChange[] {
  const before = new Map((prev?.servicePorts ?? []).map((sp) => [sp.key, sp]));
  const out: ServicePortChange[] = [];
  for (const after of next.servicePorts) {
    const b = before.get(after.key);
    before.delete(after.key);
    if (!b || !sameServicePort(b, after)) out.push({ before: b, after });
  }
  for (const b of before.values()) out.push({ before: b });
  return out;
}

/** The UDP flows that a change leaves pointing at endpoints no longer used for that address. */
export function staleUdpFlows(changed: ServicePortChange[]): StaleUdpFlow[] {
  const out: StaleUdpFlow[] = [];
  for (const { before, after } of changed) {
    if (!before || before.protocol !== 'udp') continue;
    const kept = after && after.protocol === 'udp' ? after : undefined;
    const still = (ep: { ip: string; port: number }) => !!kept?.endpoints.some((e) => e.ip === ep.ip && e.port === ep.port);
    for (const ep of before.endpoints) {
      const addressesKept = new Set(kept && still(ep) && kept.port === before.port ? [kept.clusterIP, ...kept.loadBalancerIPs] : []);
      for (const ip of [before.clusterIP, ...before.loadBalancerIPs]) {
        if (!addressesKept.has(ip)) out.push({ kind: 'address', serviceIp: ip, servicePort: before.port, endpointIp: ep.ip, endpointPort: ep.port });
      }
      if (before.nodePort && !(kept && still(ep) && kept.nodePort === before.nodePort)) {
        out.push({ kind: 'nodePort', nodePort: before.nodePort, endpointIp: ep.ip, endpointPort: ep.port });
      }
    }
  }
  return out;
}

/**
 * Remembers the model of the last successful sync. `next` computes the change
 * without moving on; `commit` moves on once the mode applied it, so a failed
 * sync is retried with the same change (and the same stale flows).
 */
export class ChangeTracker {
  private last?: ProxyModel;

  next(model: ProxyModel): ModelChange {
    const changed = diffModels(this.last, model);
    return { first: this.last === undefined, changed, staleUdp: this.last ? staleUdpFlows(changed) : [] };
  }

  commit(model: ProxyModel): void {
    this.last = model;
  }
}
