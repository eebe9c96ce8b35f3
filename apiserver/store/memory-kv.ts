// The in-memory twin of the LevelDB adapter, for unit tests. `failNextBatch`
// makes the next write fail, to prove a failed write leaves nothing behind.

import type { KvDb, KvOp } from './kv.ts';

export class MemoryKv implements KvDb {
  readonly data = new Map<string, unknown>();
  batches = 0;
  private failures = 0;

  failNextBatch(count = 1): void {
    this.failures = count;
  }

  async batch(ops: KvOp[]): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('injected write failure');
    }
    this.batches += 1;
    for (const op of ops) {
      if (op.type === 'put') this.data.set(op.key, structuredClone(op.value));
      else this.data.delete(op.key);
    }
  }

  async *entries(prefix: string): AsyncIterable<[string, unknown]> {
    const keys = [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (const key of keys) yield [key, structuredClone(this.data.get(key))];
  }

  async clearRange(from: string, to: string): Promise<void> {
    for (const key of [...this.data.keys()]) if (key >= from && key < to) this.data.delete(key);
  }

  async close(): Promise<void> {}
}
