// The apiserver's state: every object, every allocation, the revision counter
// and the change log, kept in memory and persisted to LevelDB.
//
// A change is a synchronous function run against a transaction view, so two
// changes never interleave (JavaScript runs one at a time) and an allocator
// can never hand out a value twice. Its writes go to LevelDB as ONE batch —
// objects, allocations, revision and log entries together — so a crash leaves
// either all of it or none. Batches of changes that arrive together share one
// fsync (group commit); a change is acknowledged only once it is durable.
// Should a write fail, the memory view is rebuilt from disk and every change
// not yet durable is rejected.

import { randomUUID } from 'node:crypto';
import { objectKey, type Kind } from '../../api/resources.ts';
import type { AnyObject } from '../../api/types.ts';
import { ApiError } from '../../api/errors.ts';
import type { KvDb, KvOp } from './kv.ts';
import type { EventSource, Snapshot, StoreEvent } from './types.ts';

const OBJECT_PREFIX = 'o/';
const ALLOC_PREFIX = 'a/';
const LOG_PREFIX = 'l/';
const REVISION_KEY = 'm/revision';

const logKey = (revision: number) => `${LOG_PREFIX}${String(revision).padStart(15, '0')}`;
const allocKey = (pool: string, value: string) => `${ALLOC_PREFIX}${pool}/${value}`;

export interface StoreOptions {
  /** Events kept for resuming watches (the design asks for at least 10,000). */
  logKeep?: number;
  /** fsync every batch (default true). */
  sync?: boolean;
  now?: () => Date;
}

export interface TransactOptions {
  /** Run the change and return its result, but store and allocate nothing (`?dryRun=All`). */
  dryRun?: boolean;
}

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

interface PendingWrite {
  ops: KvOp[];
  events: StoreEvent[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

const clone = <T>(value: T): T => structuredClone(value);
const keyOf = (obj: AnyObject) => objectKey(obj.kind as Kind, obj.metadata.namespace, obj.metadata.name);

export class Store implements EventSource {
  private objects = new Map<Kind, Map<string, AnyObject>>();
  private allocations = new Map<string, Map<string, string>>();
  private revision = 0;
  private log: StoreEvent[] = [];
  /** Highest revision no longer in the log: resuming from below it is impossible. */
  private trimmedThrough = 0;
  private listeners = new Set<(events: StoreEvent[]) => void>();
  private queue: PendingWrite[] = [];
  private writing = false;
  private closed = false;
  private readonly logKeep: number;
  private readonly sync: boolean;
  private readonly now: () => Date;

  private constructor(
    private readonly db: KvDb,
    options: StoreOptions,
  ) {
    this.logKeep = options.logKeep ?? 20_000;
    this.sync = options.sync ?? true;
    this.now = options.now ?? (() => new Date());
  }

  static async open(db: KvDb, options: StoreOptions = {}): Promise<Store> {
    const store = new Store(db, options);
    await store.load();
    return store;
  }

  // ---- reads -------------------------------------------------------------

  get<T extends AnyObject>(kind: Kind, namespace: string | undefined, name: string): T | undefined {
    const obj = this.objects.get(kind)?.get(objectKey(kind, namespace, name));
    return obj ? (clone(obj) as T) : undefined;
  }

  list<T extends AnyObject>(kind: Kind, namespace?: string): T[] {
    const all = [...(this.objects.get(kind)?.values() ?? [])];
    return all.filter((o) => namespace === undefined || o.metadata.namespace === namespace).map((o) => clone(o) as T);
  }

  owner(pool: string, value: string): string | undefined {
    return this.allocations.get(pool)?.get(value);
  }

  /** Every allocation of a pool, value → owner (for consistency checks and tests). */
  allocationsOf(pool: string): Map<string, string> {
    return new Map(this.allocations.get(pool) ?? []);
  }

  currentRevision(): number {
    return this.revision;
  }

  oldestResumableRevision(): number {
    return this.trimmedThrough;
  }

  eventsSince(since: number, kinds?: readonly Kind[]): StoreEvent[] | undefined {
    if (since < this.trimmedThrough) return undefined;
    const start = this.firstLogIndexAfter(since);
    const events = this.log.slice(start);
    return kinds ? events.filter((e) => kinds.includes(e.kind)) : events;
  }

  snapshot(kinds: readonly Kind[]): Snapshot {
    const objects = kinds.flatMap((k) => [...(this.objects.get(k)?.values() ?? [])]).map(clone);
    return { revision: this.revision, objects };
  }

  subscribe(listener: (events: StoreEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- writes ------------------------------------------------------------

  /**
   * Runs `change` against a transaction view and makes its writes durable as
   * one LevelDB batch. If `change` throws, nothing is stored or allocated.
   */
  async transact<T>(change: (tx: Tx) => T, options: TransactOptions = {}): Promise<T> {
    if (this.closed) throw new ApiError('ServiceUnavailable', 'the store is closed');
    const tx = new Transaction(this.objects, this.allocations, this.revision, this.now());
    const result = change(tx);
    // A dry run sees everything a real change would (validation, allocation
    // checks, the object as it would be stored) and then drops the staged writes.
    if (options.dryRun || tx.isEmpty()) return result;
    this.applyToMemory(tx);
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ ops: this.opsOf(tx), events: tx.events, resolve, reject });
      void this.drain();
    });
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.writing || this.queue.length) await new Promise((r) => setTimeout(r, 5));
    await this.db.close();
  }

  // ---- internals -----------------------------------------------------------

  private firstLogIndexAfter(revision: number): number {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.log[mid].revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private applyToMemory(tx: Transaction): void {
    for (const [key, obj] of tx.objectWrites) {
      const kind = key.slice(0, key.indexOf('/')) as Kind;
      const byKind = this.objects.get(kind) ?? new Map<string, AnyObject>();
      this.objects.set(kind, byKind);
      if (obj) byKind.set(key, obj);
      else byKind.delete(key);
    }
    for (const [pool, writes] of tx.allocationWrites) {
      const byPool = this.allocations.get(pool) ?? new Map<string, string>();
      this.allocations.set(pool, byPool);
      for (const [value, owner] of writes) {
        if (owner) byPool.set(value, owner);
        else byPool.delete(value);
      }
    }
    this.revision = tx.revision;
    this.log.push(...tx.events);
    this.trimLog();
  }

  private opsOf(tx: Transaction): KvOp[] {
    const ops: KvOp[] = [];
    for (const [key, obj] of tx.objectWrites) {
      ops.push(obj ? { type: 'put', key: OBJECT_PREFIX + key, value: obj } : { type: 'del', key: OBJECT_PREFIX + key });
    }
    for (const [pool, writes] of tx.allocationWrites) {
      for (const [value, owner] of writes) {
        const key = allocKey(pool, value);
        ops.push(owner ? { type: 'put', key, value: owner } : { type: 'del', key });
      }
    }
    for (const event of tx.events) ops.push({ type: 'put', key: logKey(event.revision), value: event });
    ops.push({ type: 'put', key: REVISION_KEY, value: tx.revision });
    return ops;
  }

  private trimLog(): void {
    // Trim in chunks so the array is not spliced on every change.
    if (this.log.length <= this.logKeep + Math.max(100, this.logKeep / 10)) return;
    const drop = this.log.length - this.logKeep;
    this.trimmedThrough = this.log[drop - 1].revision;
    this.log = this.log.slice(drop);
    const through = this.trimmedThrough;
    // The persisted log is trimmed after the fact; a crash in between only keeps extra entries.
    void this.db.clearRange(LOG_PREFIX, logKey(through + 1)).catch(() => {});
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queue.length) {
        const group = this.queue;
        this.queue = [];
        try {
          await this.db.batch(
            group.flatMap((w) => w.ops),
            { sync: this.sync },
          );
        } catch (err) {
          const failed = [...group, ...this.queue];
          this.queue = [];
          await this.load().catch(() => {});
          const error = new ApiError('InternalError', `storage write failed: ${(err as Error).message}`);
          for (const w of failed) w.reject(error);
          continue;
        }
        const events = group.flatMap((w) => w.events);
        for (const listener of this.listeners) {
          try {
            listener(events);
          } catch {
            // A failing listener must not break the store or the others.
          }
        }
        for (const w of group) w.resolve();
      }
    } finally {
      this.writing = false;
    }
  }

  /** (Re)builds the memory view from LevelDB. */
  private async load(): Promise<void> {
    this.objects = new Map();
    this.allocations = new Map();
    this.log = [];
    this.revision = 0;
    for await (const [key, value] of this.db.entries(OBJECT_PREFIX)) {
      const obj = value as AnyObject;
      const kind = obj.kind as Kind;
      const byKind = this.objects.get(kind) ?? new Map<string, AnyObject>();
      this.objects.set(kind, byKind);
      byKind.set(key.slice(OBJECT_PREFIX.length), obj);
    }
    for await (const [key, owner] of this.db.entries(ALLOC_PREFIX)) {
      const rest = key.slice(ALLOC_PREFIX.length);
      const slash = rest.indexOf('/');
      const pool = rest.slice(0, slash);
      const byPool = this.allocations.get(pool) ?? new Map<string, string>();
      this.allocations.set(pool, byPool);
      byPool.set(rest.slice(slash + 1), owner as string);
    }
    for await (const [, event] of this.db.entries(LOG_PREFIX)) this.log.push(event as StoreEvent);
    for await (const [, revision] of this.db.entries(REVISION_KEY)) this.revision = revision as number;
    this.trimmedThrough = this.log.length ? this.log[0].revision - 1 : this.revision;
  }
}

/** A change in progress: writes are staged here until the store applies them. */
class Transaction implements Tx {
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
