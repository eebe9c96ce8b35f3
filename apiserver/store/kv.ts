// The few LevelDB operations the store uses, so a test can put a failing
// database in its place. The real one is `level` (classic-level on Node).

export type KvOp = { type: 'put'; key: string; value: unknown } | { type: 'del'; key: string };

export interface KvDb {
  batch(ops: KvOp[], options: { sync: boolean }): Promise<void>;
  /** All entries whose key starts with `prefix`, in key order. */
  entries(prefix: string): AsyncIterable<[string, unknown]>;
  /** Deletes the keys in [from, to). */
  clearRange(from: string, to: string): Promise<void>;
  close(): Promise<void>;
}

export async function openLevel(dir: string): Promise<KvDb> {
  const { Level } = await import('level');
  const db = new Level<string, unknown>(dir, { valueEncoding: 'json' });
  await db.open();
  return {
    // level's batch typing is overloaded; our ops are exactly its put/del operations.
    batch: (ops, options) => (db as unknown as { batch(o: KvOp[], opt: { sync: boolean }): Promise<void> }).batch(ops, options),
    entries: (prefix) => db.iterator({ gte: prefix, lt: `${prefix}\xff` }),
    clearRange: (from, to) => db.clear({ gte: from, lt: to }),
    close: () => db.close(),
  };
}
