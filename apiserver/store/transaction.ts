// A change in progress: the transaction view a change function works on.
// Reads see the change's own writes; writes are staged here (objects,
// allocations, events with their revisions) until the store applies them.

import { randomUUID } from 'node:crypto';
import { objectKey, type Kind } from '../../api/resources.ts';
import type { AnyObject } from '../../api/types.ts';
import type { StoreEvent } from './types.ts';

const clone = <T>(value: T): T => structuredClone(value);
const keyOf = (obj: AnyObject) => objectKey(obj.kind as Kind, obj.metadata.namespace, obj.metadata.name);

/** The view a change function works on: reads see the change's own writes. */
export interface Tx {
  get<T extends AnyObject>(kind: Kind, namespace: string | undefined, name: string): T | undefined;
  list<T extends AnyObject>(kind: Kind, namespace?: string): T[];
  /** Stores a new object, filling uid, creationTimestamp and resourceVersion. */
  create<T extends AnyObject>(obj: T): T;
  /** Replaces an existing object, bumping its resourceVersion. */
  update<T extends AnyObject>(obj: T): T;
  remove<T extends AnyObject>(kind: Kind, namespace: string | undefined, name: string): T | undefined;
  /** Who holds `value` in allocation pool `pool` (an object key), if anyone. */
  owner(pool: string, value: string): string | undefined;
  claim(pool: string, value: string, owner: string): void;
  release(pool: string, value: string): void;
  /** Every value of `pool` held by `owner`. */
  heldBy(pool: string, owner: string): string[];
}

/** A change in progress: writes are staged here until the store applies them. */
export class Transaction implements Tx {
  readonly objectWrites = new Map<string, AnyObject | null>();
  readonly allocationWrites = new Map<string, Map<string, string | null>>();
  readonly events: StoreEvent[] = [];
  revision: number;

  constructor(
    private readonly objects: Map<Kind, Map<string, AnyObject>>,
    private readonly allocations: Map<string, Map<string, string>>,
    baseRevision: number,
    private readonly now: Date,
  ) {
    this.revision = baseRevision;
  }

  isEmpty(): boolean {
    return this.events.length === 0 && this.allocationWrites.size === 0;
  }

  private read(key: string, kind: Kind): AnyObject | undefined {
    if (this.objectWrites.has(key)) return this.objectWrites.get(key) ?? undefined;
    return this.objects.get(kind)?.get(key);
  }

  get<T extends AnyObject>(kind: Kind, namespace: string | undefined, name: string): T | undefined {
    const obj = this.read(objectKey(kind, namespace, name), kind);
    return obj ? (clone(obj) as T) : undefined;
  }

  list<T extends AnyObject>(kind: Kind, namespace?: string): T[] {
    const merged = new Map(this.objects.get(kind) ?? []);
    for (const [key, obj] of this.objectWrites) {
      if (!key.startsWith(`${kind}/`)) continue;
      if (obj) merged.set(key, obj);
      else merged.delete(key);
    }
    return [...merged.values()]
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .map((o) => clone(o) as T);
  }

  private write(obj: AnyObject | null, type: StoreEvent['type'], kind: Kind, key: string, event: AnyObject): void {
    this.revision += 1;
    this.objectWrites.set(key, obj);
    this.events.push({ type, revision: this.revision, kind, object: clone(event) });
  }

  create<T extends AnyObject>(obj: T): T {
    const stored = clone(obj);
    stored.metadata.uid ??= randomUUID();
    stored.metadata.creationTimestamp ??= this.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    stored.metadata.resourceVersion = String(this.revision + 1);
    this.write(stored, 'ADDED', stored.kind as Kind, keyOf(stored), stored);
    return clone(stored);
  }

  update<T extends AnyObject>(obj: T): T {
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(this.revision + 1);
    this.write(stored, 'MODIFIED', stored.kind as Kind, keyOf(stored), stored);
    return clone(stored);
  }

  remove<T extends AnyObject>(kind: Kind, namespace: string | undefined, name: string): T | undefined {
    const key = objectKey(kind, namespace, name);
    const existing = this.read(key, kind);
    if (!existing) return undefined;
    const gone = clone(existing);
    gone.metadata.resourceVersion = String(this.revision + 1);
    this.write(null, 'DELETED', kind, key, gone);
    return gone as T;
  }

  owner(pool: string, value: string): string | undefined {
    const staged = this.allocationWrites.get(pool);
    if (staged?.has(value)) return staged.get(value) ?? undefined;
    return this.allocations.get(pool)?.get(value);
  }

  private stage(pool: string, value: string, owner: string | null): void {
    const staged = this.allocationWrites.get(pool) ?? new Map<string, string | null>();
    this.allocationWrites.set(pool, staged);
    staged.set(value, owner);
  }

  claim(pool: string, value: string, owner: string): void {
    const current = this.owner(pool, value);
    if (current && current !== owner) throw new Error(`${pool} ${value} is already held by ${current}`);
    this.stage(pool, value, owner);
  }

  release(pool: string, value: string): void {
    if (this.owner(pool, value) !== undefined) this.stage(pool, value, null);
  }

  heldBy(pool: string, owner: string): string[] {
    const values = new Set<string>();
    for (const [value, who] of this.allocations.get(pool) ?? []) if (who === owner) values.add(value);
    for (const [value, who] of this.allocationWrites.get(pool) ?? []) {
      if (who === owner) values.add(value);
      else values.delete(value);
    }
    return [...values];
  }
}
