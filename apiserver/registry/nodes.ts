// Node registration and liveness. Heartbeats are kept in memory (like
// Kubernetes' leases) and write nothing by themselves; the monitor marks a
// node NotReady after three missed heartbeats, and its pods not ready, so
// their endpoints move to notReadyAddresses. Like kubelet's periodic status
// report, the monitor also refreshes a Ready node's lastHeartbeatTime every
// NODE_STATUS_REPORT_MS (one write, no event; agents ignore it).

import { ApiError, notFound } from '../../api/errors.ts';
import { isIPv4 } from '../../api/ip.ts';
import { DEFAULT_PROXY_MODE, HEARTBEAT_INTERVAL_MS, MISSED_HEARTBEATS, NODE_STATUS_REPORT_MS } from '../../api/layout.ts';
import { objectKey } from '../../api/resources.ts';
import type { AnyObject, Node, NodeCondition, Pod } from '../../api/types.ts';
import { allocatePodCidr, type AllocatorConfig } from '../allocators/allocators.ts';
import { isNodeReady } from '../scheduler.ts';
import type { NodeRegistry } from '../store/types.ts';
import type { Registry } from './registry.ts';
import { recordEventTx } from '../events.ts';

/** The node controller's events (kubelet's words: `Node node1 status is now: NodeReady`). */
const readinessEvent = (node: Node, ready: boolean) => ({
  involved: { kind: 'Node', name: node.metadata.name, uid: node.metadata.uid, apiVersion: 'v1' },
  type: ready ? ('Normal' as const) : ('Warning' as const),
  reason: ready ? 'NodeReady' : 'NodeNotReady',
  message: `Node ${node.metadata.name} status is now: ${ready ? 'NodeReady' : 'NodeNotReady'}`,
  component: 'node-controller',
});


const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function readyCondition(ready: boolean, now: string, reason: string, message: string): NodeCondition {
  return { type: 'Ready', status: ready ? 'True' : 'Unknown', lastHeartbeatTime: now, lastTransitionTime: now, reason, message };
}

/** `node3` → 3: the lab's node order, which picks the node's pod CIDR block (design: node1 → 10.244.1.0/24). */
export function nodeOrdinal(name: string): number | undefined {
  const m = /(\d{1,4})$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** How much newer the last heartbeat is than the one the Ready condition shows (ms). */
function heartbeatAge(node: Node, seen: number): number {
  const shown = node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime;
  return seen - (shown ? Date.parse(shown) : 0);
}

export class Nodes implements NodeRegistry {
  private lastSeen = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly registry: Registry,
    private readonly allocators: AllocatorConfig,
    private readonly clock: () => number = Date.now,
  ) {
    // After a restart every known node gets a full grace period.
    for (const node of registry.store.list<Node>('Node')) this.lastSeen.set(node.metadata.name, clock());
  }

  async register(request: { name: string; internalIP: string; proxyMode?: string; podCIDR?: string }): Promise<AnyObject> {
    const { name, internalIP } = request;
    if (!NODE_NAME.test(name) || name.length > 253) throw new ApiError('Invalid', `Node "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`);
    if (!isIPv4(internalIP)) throw new ApiError('Invalid', `Node "${name}" is invalid: status.addresses[0].address: Invalid value: "${internalIP}": must be a valid IPv4 address`);
    this.lastSeen.set(name, this.clock());
    const now = isoSeconds(this.clock());
    return this.registry.transact((tx, hooks) => {
      const existing = tx.get<Node>('Node', undefined, name);
      const podCIDR = allocatePodCidr(tx, this.allocators, objectKey('Node', undefined, name), request.podCIDR, nodeOrdinal(name));
      const node: Node = {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: existing?.metadata ?? { name, labels: { 'kubernetes.io/hostname': name } },
        spec: { ...existing?.spec, podCIDR, podCIDRs: [podCIDR] },
        status: {
          addresses: [
            { type: 'InternalIP', address: internalIP },
            { type: 'Hostname', address: name },
          ],
          conditions: [readyCondition(true, now, 'AgentReady', 'minik agent is posting ready status')],
          nodeInfo: { kubeProxyVersion: 'minik', proxyMode: request.proxyMode ?? DEFAULT_PROXY_MODE },
        },
      };
      const written = existing ? tx.update(node) : tx.create(node);
      if (!existing || !isNodeReady(existing)) recordEventTx(tx, readinessEvent(written, true), new Date(this.clock()));
      hooks.afterWrite(written, existing);
      return written;
    });
  }

  async heartbeat(name: string): Promise<void> {
    const node = this.registry.store.get<Node>('Node', undefined, name);
    if (!node) throw notFound('nodes', name);
    this.lastSeen.set(name, this.clock());
    if (!isNodeReady(node)) await this.setReady(name, true);
  }

  /** Checks every node once; called by the monitor every heartbeat interval. */
  async checkNodes(): Promise<void> {
    const deadline = this.clock() - MISSED_HEARTBEATS * HEARTBEAT_INTERVAL_MS;
    for (const node of this.registry.store.list<Node>('Node')) {
      const seen = this.lastSeen.get(node.metadata.name) ?? 0;
      if (!isNodeReady(node)) continue;
      if (seen < deadline) await this.setReady(node.metadata.name, false);
      else if (heartbeatAge(node, seen) >= NODE_STATUS_REPORT_MS) await this.reportHeartbeat(node.metadata.name, seen);
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.checkNodes().catch(() => {}), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Stores the last heartbeat in the Ready condition; nothing else changes, so no event and no scheduling. */
  private reportHeartbeat(name: string, seen: number): Promise<void> {
    return this.registry.transact((tx) => {
      const node = tx.get<Node>('Node', undefined, name);
      if (!node || !isNodeReady(node)) return;
      const conditions = (node.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, lastHeartbeatTime: isoSeconds(seen) } : c));
      tx.update({ ...node, status: { ...node.status, conditions } });
    });
  }

  private setReady(name: string, ready: boolean): Promise<void> {
    const now = isoSeconds(this.clock());
    return this.registry.transact((tx, hooks) => {
      const node = tx.get<Node>('Node', undefined, name);
      if (!node) return;
      const others = (node.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
      const condition = ready
        ? readyCondition(true, now, 'AgentReady', 'minik agent is posting ready status')
        : readyCondition(false, now, 'NodeStatusUnknown', 'minik agent stopped posting node status');
      const updated = tx.update({ ...node, status: { ...node.status, conditions: [...others, condition] } });
      recordEventTx(tx, readinessEvent(updated, ready), new Date(this.clock()));
      hooks.afterWrite(updated, node);
      if (ready) return;
      // Its pods can no longer be trusted to serve: not ready until its agent says otherwise.
      for (const pod of tx.list<Pod>('Pod')) {
        if (pod.spec.nodeName !== name) continue;
        const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
        conditions.push({ type: 'Ready', status: 'False', reason: 'NodeNotReady', lastTransitionTime: now });
        const changed = tx.update({ ...pod, status: { ...pod.status, conditions } });
        hooks.afterWrite(changed, pod);
      }
    });
  }
}
