// What the rest of the apiserver sees of the store: committed objects, a
// revision counter, and the ordered change log that watches are served from.

import type { Kind } from '../../api/resources.ts';
import type { AnyObject } from '../../api/types.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  /** Revision of this change; strictly increasing, one per changed object. */
  revision: number;
  kind: Kind;
  /** The object after the change (for DELETED: as it was when deleted). */
  object: AnyObject;
}

export interface Snapshot {
  /** Every object of the asked kinds is as of this revision. */
  revision: number;
  objects: AnyObject[];
}

/** The read side of the store that watches are built on. */
export interface EventSource {
  /** Revision of the newest committed change (0 for an empty store). */
  currentRevision(): number;
  /** Oldest revision still resumable: `eventsSince(r)` works for r >= this. */
  oldestResumableRevision(): number;
  /**
   * Committed events with revision > since, in order; undefined when `since` is
   * older than the kept change log (the caller must relist).
   */
  eventsSince(since: number, kinds?: readonly Kind[]): StoreEvent[] | undefined;
  snapshot(kinds: readonly Kind[]): Snapshot;
  /** Called with each committed batch of events, in revision order. Returns unsubscribe. */
  subscribe(listener: (events: StoreEvent[]) => void): () => void;
}

/** What the gRPC node service needs: registration and liveness. */
export interface NodeRegistry {
  /** Creates or refreshes the Node, allocating its podCIDR on first registration. */
  register(request: { name: string; internalIP: string; proxyMode?: string; podCIDR?: string }): Promise<AnyObject>;
  /** Records a heartbeat; marks the node Ready again if it was not. Throws NotFound for an unknown node. */
  heartbeat(name: string): Promise<void>;
}
