// The agent's sync loop: watch events mark kinds dirty; one loop applies the
// newest state, so a burst of events costs one sync and a slow sync never
// queues stale work behind it. A short coalescing window lets a Service and
// its Endpoints (written together, delivered as two events) land in one sync.
// A failed sync keeps its kinds dirty and is retried after `retryMs`; the loop
// remembers since when it has been failing, so the heartbeater can stop
// calling the node Ready while its data plane is stale.

import { type Clock, realClock, sleep } from './clock.ts';

export interface SyncLoopOptions<K> {
  /** Brings the node to the newest state; `changed` says which kinds moved since the last success. */
  sync(changed: Set<K>): Promise<void>;
  log(line: string): void;
  clock?: Clock;
  /** How long to wait for related events before syncing. */
  coalesceMs?: number;
  /** Pause after a failed sync before the next attempt. */
  retryMs?: number;
}

/** How long the loop waits for related events (a Service and its Endpoints) to arrive together. */
export const COALESCE_MS = 2;
export const SYNC_RETRY_MS = 500;

/**
 * A sync that did what matters for the node but left something to retry
 * (a pod that cannot start): retried like a failure, but the data plane is
 * not stale because of it.
 */
export class RetryLaterError extends Error {
  readonly code = 'SYNC_RETRY_LATER';
}

export class SyncLoop<K> {
  private dirty = new Set<K>();
  private running?: Promise<void>;
  private started = false;
  private closed = false;
  private failingSince?: number;
  private lastError = '';
  private failures = 0;
  private readonly clock: Clock;

  constructor(private readonly options: SyncLoopOptions<K>) {
    this.clock = options.clock ?? realClock;
  }

  /** Marks kinds dirty and runs the loop (once started). */
  mark(...kinds: K[]): void {
    for (const kind of kinds) this.dirty.add(kind);
    this.kick();
  }

  /** Called when the first snapshot is in the cache: syncing before it would tear down what exists. */
  start(...kinds: K[]): void {
    this.started = true;
    this.mark(...kinds);
  }

  /** Since when syncs have failed without a success in between (undefined: the last one worked). */
  get failingSinceMs(): number | undefined {
    return this.failingSince;
  }

  get lastFailure(): string {
    return this.lastError;
  }

  /** Resolves when nothing is dirty or running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  private kick(): void {
    if (this.running || !this.started || this.closed || !this.dirty.size) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  private async loop(): Promise<void> {
    await sleep(this.clock, this.options.coalesceMs ?? COALESCE_MS);
    while (this.dirty.size && !this.closed) {
      const changed = this.dirty;
      this.dirty = new Set();
      try {
        await this.options.sync(changed);
        if (this.failingSince !== undefined) this.options.log(`sync recovered after ${this.failures} failed attempts`);
        this.failingSince = undefined;
        this.failures = 0;
        this.lastError = '';
      } catch (err) {
        const message = (err as Error).message;
        if (!(err instanceof RetryLaterError)) {
          this.failures += 1;
          this.failingSince ??= this.clock.now();
        }
        // One line per distinct failure, not one every retry.
        if (message !== this.lastError) this.options.log(`sync failed: ${message} (retrying every ${this.options.retryMs ?? SYNC_RETRY_MS} ms)`);
        this.lastError = message;
        for (const kind of changed) this.dirty.add(kind);
        await sleep(this.clock, this.options.retryMs ?? SYNC_RETRY_MS);
      }
    }
  }
}
