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
// not yet durable is rejected; no change runs while the view is rebuilt, and
// the new view replaces the old one at once. Revisions never go backwards and
// are never reused: a rejected change's revision may have been seen by a read
// (a list's resourceVersion), so the next change starts above it.
//
// Everything loaded from disk is decoded against its kind's schema
// (api/schema): an object an older minik stored with a wrong type is left out
// of the view and reported, so it cannot break a list, the scheduler or a watch.

import { ALL_KINDS, objectKey, type Kind } from '../../api/resources.ts';
import { decodeObject } from '../../api/schema/index.ts';
import type { AnyObject } from '../../api/types.ts';
import { ApiError } from '../../api/errors.ts';
import type { KvDb, KvOp } from './kv.ts';
import type { EventSource, Snapshot, StoreEvent } from './types.ts';
import { Transaction, type Tx } from './transaction.ts';

export type { Tx } from './transaction.ts';

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
  /** Told about each stored object or log entry left out of the view because it does not decode (default: one line on stderr). */
  onUndecodable?: (key: string, reason: string) => void;
}

export interface TransactOptions {
  /** Run the change and return its result, but store and allocate nothing (`?dryRun=All`). */
  dryRun?: boolean;
}

interface PendingWrite {
  ops: KvOp[];
  events: StoreEvent[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

const clone = <T>(value: T): T => structuredClone(value);

export class Store implements EventSource {
  private objects = new Map<Kind, Map<string, AnyObject>>();
  private allocations = new Map<string, Map<string, string>>();
  private revision = 0;
  /** Highest revision ever handed out, durable or not: the next change starts above it. */
  private highestIssued = 0;
  /** Set while a failed write's rebuild from disk runs: changes wait for it. */
  private rebuilding?: Promise<void>;
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
  private readonly onUndecodable: (key: string, reason: string) => void;

  private constructor(
    private readonly db: KvDb,
    options: StoreOptions,
  ) {
    this.logKeep = options.logKeep ?? 20_000;
    this.sync = options.sync ?? true;
    this.now = options.now ?? (() => new Date());
    this.onUndecodable =
      options.onUndecodable ?? ((key, reason) => process.stderr.write(`store: ignoring ${key}: ${reason}\n`));
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
    while (this.rebuilding) await this.rebuilding;
    const tx = new Transaction(this.objects, this.allocations, Math.max(this.revision, this.highestIssued), this.now());
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
    this.highestIssued = Math.max(this.highestIssued, tx.revision);
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
          // Set before any await: no change may start on the view being replaced.
          this.rebuilding = this.load().catch(() => {});
          await this.rebuilding;
          this.rebuilding = undefined;
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

  /** (Re)builds the memory view from LevelDB, replacing the current one in one step. */
  private async load(): Promise<void> {
    const objects = new Map<Kind, Map<string, AnyObject>>();
    const allocations = new Map<string, Map<string, string>>();
    const log: StoreEvent[] = [];
    let revision = 0;
    for await (const [key, value] of this.db.entries(OBJECT_PREFIX)) {
      const obj = this.decodeStored(key, value);
      if (!obj) continue;
      const kind = obj.kind as Kind;
      const byKind = objects.get(kind) ?? new Map<string, AnyObject>();
      objects.set(kind, byKind);
      byKind.set(key.slice(OBJECT_PREFIX.length), obj);
    }
    for await (const [key, owner] of this.db.entries(ALLOC_PREFIX)) {
      const rest = key.slice(ALLOC_PREFIX.length);
      const slash = rest.indexOf('/');
      const pool = rest.slice(0, slash);
      const byPool = allocations.get(pool) ?? new Map<string, string>();
      allocations.set(pool, byPool);
      byPool.set(rest.slice(slash + 1), owner as string);
    }
    for await (const [key, value] of this.db.entries(LOG_PREFIX)) {
      const event = value as StoreEvent;
      const object = this.decodeStored(key, event?.object);
      if (object && typeof event.revision === 'number') log.push({ ...event, object });
      else log.length = 0; // an event that cannot be served: nobody may resume from before it
    }
    for await (const [, value] of this.db.entries(REVISION_KEY)) revision = value as number;
    this.objects = objects;
    this.allocations = allocations;
    this.log = log;
    this.revision = revision;
    this.highestIssued = Math.max(this.highestIssued, revision);
    this.trimmedThrough = log.length ? log[0].revision - 1 : revision;
  }

  /** A stored object decoded against its kind's schema, or undefined (reported) when it does not decode. */
  private decodeStored(key: string, value: unknown): AnyObject | undefined {
    const kind = (value as AnyObject | undefined)?.kind;
    if (!(ALL_KINDS as readonly unknown[]).includes(kind)) {
      this.onUndecodable(key, `unknown kind ${JSON.stringify(kind)}`);
      return undefined;
    }
    try {
      const obj = decodeObject(kind as Kind, value).object as AnyObject;
      if (typeof obj.metadata?.name !== 'string' || !obj.metadata.name) throw new Error('the object has no name');
      return obj;
    } catch (err) {
      this.onUndecodable(key, (err as Error).message);
      return undefined;
    }
  }
}
