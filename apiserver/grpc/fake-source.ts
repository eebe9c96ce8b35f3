// In-memory twins of the store's EventSource and NodeRegistry, for the gRPC
// server's tests and benchmarks (and anyone else who needs a change log
// without LevelDB). They keep the same promises as the real store: revisions
// strictly increase, listeners see committed batches in order, and a change
// log of bounded length decides which revisions are still resumable.

import { field, invalid, notFound, type FieldError } from '../../api/errors.ts';
import { ALL_KINDS, objectKey, type Kind } from '../../api/resources.ts';
import type { AnyObject, Node } from '../../api/types.ts';
import type { EventSource, EventType, NodeRegistry, Snapshot, StoreEvent } from '../store/types.ts';

export interface Change {
  type: EventType;
  kind: Kind;
  object: AnyObject;
}

export interface MemoryEventSourceOptions {
  /** How many events the change log keeps (the real store keeps at least 10,000). */
  keepEvents?: number;
  /** 'sync' calls listeners inside commit(); 'microtask' a little later, as a store with async writes would. */
  delivery?: 'sync' | 'microtask';
}

export class MemoryEventSource implements EventSource {
  private revision = 0;
  private readonly objects = new Map<string, { kind: Kind; object: AnyObject }>();
  private log: StoreEvent[] = [];
  private trimmedUpTo = 0;
  private readonly listeners = new Set<(events: StoreEvent[]) => void>();
  private readonly keepEvents: number;
  private readonly delivery: 'sync' | 'microtask';

  constructor(options: MemoryEventSourceOptions = {}) {
    this.keepEvents = options.keepEvents ?? 100_000;
    this.delivery = options.delivery ?? 'sync';
  }

  currentRevision(): number {
    return this.revision;
  }

  oldestResumableRevision(): number {
    return this.trimmedUpTo;
  }

  eventsSince(since: number, kinds?: readonly Kind[]): StoreEvent[] | undefined {
    if (since < this.trimmedUpTo) return undefined;
    const wanted = kinds && kinds.length ? new Set(kinds) : undefined;
    // The log is ordered by revision: find the first event after `since`.
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.log[mid].revision <= since) lo = mid + 1;
      else hi = mid;
    }
    const after = this.log.slice(lo);
    return wanted ? after.filter((e) => wanted.has(e.kind)) : after;
  }

  snapshot(kinds: readonly Kind[]): Snapshot {
    const wanted = new Set(kinds.length ? kinds : ALL_KINDS);
    const objects = [...this.objects.values()].filter((o) => wanted.has(o.kind)).map((o) => o.object);
    return { revision: this.revision, objects };
  }

  subscribe(listener: (events: StoreEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  listenerCount(): number {
    return this.listeners.size;
  }

  /** Commits one batch atomically: one revision per change, one notification per batch. */
  commit(changes: Change[]): StoreEvent[] {
    const events: StoreEvent[] = [];
    for (const change of changes) {
      this.revision += 1;
      const object = withResourceVersion(change.object, this.revision);
      const key = objectKey(change.kind, object.metadata.namespace, object.metadata.name);
      if (change.type === 'DELETED') this.objects.delete(key);
      else this.objects.set(key, { kind: change.kind, object });
      events.push({ type: change.type, revision: this.revision, kind: change.kind, object });
    }
    this.log.push(...events);
    if (this.log.length > this.keepEvents) {
      const drop = this.log.length - this.keepEvents;
      this.trimmedUpTo = this.log[drop - 1].revision;
      this.log = this.log.slice(drop);
    }
    const listeners = [...this.listeners];
    const notify = () => listeners.forEach((l) => l(events));
    if (this.delivery === 'sync') notify();
    else queueMicrotask(notify);
    return events;
  }

  /** ADDED or MODIFIED, depending on whether the object exists. */
  put(kind: Kind, object: AnyObject): StoreEvent {
    const key = objectKey(kind, object.metadata.namespace, object.metadata.name);
    return this.commit([{ type: this.objects.has(key) ? 'MODIFIED' : 'ADDED', kind, object }])[0];
  }

  remove(kind: Kind, namespace: string | undefined, name: string): StoreEvent | undefined {
    const found = this.objects.get(objectKey(kind, namespace, name));
    return found ? this.commit([{ type: 'DELETED', kind, object: found.object }])[0] : undefined;
  }
}

function withResourceVersion(object: AnyObject, revision: number): AnyObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } } as AnyObject;
}

/** Registers nodes with /24 pod CIDRs of 10.244.0.0/16 in registration order. */
export class MemoryNodeRegistry implements NodeRegistry {
  readonly nodes = new Map<string, Node>();
  readonly heartbeats = new Map<string, number>();

  async register(request: { name: string; internalIP: string; proxyMode?: string }): Promise<Node> {
    const errors: FieldError[] = [];
    if (!request.name) errors.push(field.required('metadata.name', 'name or generateName is required'));
    if (!request.internalIP) errors.push(field.required('status.addresses[0].address'));
    if (errors.length) throw invalid('Node', request.name, errors);
    const existing = this.nodes.get(request.name);
    const podCIDR = existing?.spec?.podCIDR ?? `10.244.${this.nodes.size}.0/24`;
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: request.name },
      spec: { podCIDR, podCIDRs: [podCIDR] },
      status: {
        addresses: [{ type: 'InternalIP', address: request.internalIP }],
        conditions: [{ type: 'Ready', status: 'True' }],
        nodeInfo: { proxyMode: request.proxyMode || undefined },
      },
    };
    this.nodes.set(request.name, node);
    return node;
  }

  async heartbeat(name: string): Promise<void> {
    if (!this.nodes.has(name)) throw notFound('nodes', name);
    this.heartbeats.set(name, (this.heartbeats.get(name) ?? 0) + 1);
  }
}
