// FakeNft: an in-memory nftables that applies Transactions with the same
// all-or-nothing semantics and the same error codes as the kernel, for unit
// tests of programs built on this library. It checks what nft checks about
// identity and references (missing table/chain/set, duplicate create, deleting
// something in use); it does not parse rule statements beyond `jump`/`goto`/`@set`.

import type { NftApplier } from './applier.ts';
import { NftError } from './errors.ts';
import { renderRuleset } from './render.ts';
import type { Op, Transaction } from './transaction.ts';
import type { ChainSpec, ChainSummary, ElementSpec, Family, Ruleset, SetSpec, TableState } from './types.ts';

interface FakeChain {
  decl: Omit<ChainSpec, 'rules'>;
  handle: number;
  rules: string[];
}
interface FakeSet {
  decl: Omit<SetSpec, 'elements'>;
  handle: number;
  elements: Map<string, ElementSpec>;
}
interface FakeTable {
  family: Family;
  name: string;
  handle: number;
  comment?: string;
  chains: Map<string, FakeChain>;
  sets: Map<string, FakeSet>;
}

const chainRefs = (text: string): string[] => [...text.matchAll(/\b(?:jump|goto)\s+([A-Za-z_][\w/.-]*)/g)].map((m) => m[1]);
const setRefs = (text: string): string[] => [...text.matchAll(/@([A-Za-z_][\w/.-]*)/g)].map((m) => m[1]);
const sameDecl = (a: object, b: object) => JSON.stringify(a) === JSON.stringify(b);

export class FakeNft implements NftApplier {
  private tables = new Map<string, FakeTable>();
  private nextHandle = 1;
  /** Every transaction applied successfully, in order (tests assert on what was sent). */
  readonly applied: Transaction[] = [];
  private failures: NftError[] = [];

  /** Makes the next `times` applies fail with this error (changing nothing), as a broken nft would. */
  failNextApply(err: NftError, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(err);
  }

  async apply(tx: Transaction): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    const next = this.clone();
    for (const op of tx.ops) applyOp(next, tx.family, tx.table, op, () => this.nextHandle++);
    this.tables = next;
    this.applied.push(tx);
  }

  async check(tx: Transaction): Promise<void> {
    const scratch = this.clone();
    let handle = this.nextHandle;
    for (const op of tx.ops) applyOp(scratch, tx.family, tx.table, op, () => handle++);
  }

  /** The table as a typed Ruleset (chains and sets in insertion order), or undefined. */
  ruleset(family: Family, name: string): Ruleset | undefined {
    const t = this.tables.get(`${family} ${name}`);
    if (!t) return undefined;
    return {
      family,
      table: name,
      comment: t.comment,
      sets: [...t.sets.values()].map((s) => ({ ...s.decl, elements: [...s.elements.values()] })),
      chains: [...t.chains.values()].map((c) => ({ ...c.decl, rules: [...c.rules] })),
    };
  }

  async listTable(family: Family, name: string): Promise<TableState | undefined> {
    const t = this.tables.get(`${family} ${name}`);
    if (!t) return undefined;
    return {
      family,
      name,
      handle: t.handle,
      chains: [...t.chains.values()].map((c) => ({
        name: c.decl.name,
        handle: c.handle,
        base: c.decl.base,
        rules: c.rules.map((text, i) => ({ handle: c.handle * 1000 + i, expr: [{ text }] })),
      })),
      sets: [...t.sets.values()].map((s) => ({
        name: s.decl.name,
        handle: s.handle,
        map: s.decl.data !== undefined,
        key: s.decl.key,
        data: s.decl.data,
        flags: s.decl.flags ?? [],
        elements: [...s.elements.values()],
      })),
    };
  }

  async listTableText(family: Family, name: string): Promise<string | undefined> {
    const rs = this.ruleset(family, name);
    return rs && renderRuleset(rs);
  }

  async listChains(family: Family): Promise<ChainSummary[]> {
    return [...this.tables.values()]
      .filter((t) => t.family === family)
      .flatMap((t) => [...t.chains.values()].map((c) => ({ family, table: t.name, name: c.decl.name, handle: c.handle })));
  }

  /** Simulates someone else's `nft flush ruleset`. */
  flushRuleset(): void {
    this.tables.clear();
  }

  /** Simulates `nft flush table`: rules go, chains and sets stay. */
  flushTableRules(family: Family, name: string): void {
    for (const c of this.tables.get(`${family} ${name}`)?.chains.values() ?? []) c.rules = [];
  }

  close(): void {}

  private clone(): Map<string, FakeTable> {
    const out = new Map<string, FakeTable>();
    for (const [k, t] of this.tables) {
      out.set(k, {
        ...t,
        chains: new Map([...t.chains].map(([n, c]) => [n, { ...c, rules: [...c.rules] }])),
        sets: new Map([...t.sets].map(([n, s]) => [n, { ...s, elements: new Map(s.elements) }])),
      });
    }
    return out;
  }
}

function fail(code: NftError['code'], what: string): never {
  throw new NftError(code, `Error: ${what}: ${code === 'NFT_NOT_FOUND' ? 'No such file or directory' : code === 'NFT_BUSY' ? 'Device or resource busy' : 'File exists'}`);
}

function referencedChain(t: FakeTable, name: string): boolean {
  for (const c of t.chains.values()) if (c.rules.some((r) => chainRefs(r).includes(name))) return true;
  for (const s of t.sets.values()) for (const e of s.elements.values()) if (e.value && chainRefs(e.value).includes(name)) return true;
  return false;
}

function applyOp(tables: Map<string, FakeTable>, family: Family, tableName: string, op: Op, handle: () => number): void {
  const key = `${family} ${tableName}`;
  if (op.object === 'table') {
    const exists = tables.has(key);
    if (op.verb === 'add' || op.verb === 'create') {
      if (exists && op.verb === 'create') fail('NFT_EXISTS', `create table ${key}`);
      if (!exists) tables.set(key, { family, name: tableName, handle: handle(), chains: new Map(), sets: new Map() });
      if (op.comment !== undefined) tables.get(key)!.comment = op.comment;
    } else if (op.verb === 'delete' || op.verb === 'destroy') {
      if (!exists && op.verb === 'delete') fail('NFT_NOT_FOUND', `delete table ${key}`);
      tables.delete(key);
    } else {
      if (!exists) fail('NFT_NOT_FOUND', `flush table ${key}`);
      for (const c of tables.get(key)!.chains.values()) c.rules = [];
    }
    return;
  }
  const t = tables.get(key) ?? fail('NFT_NOT_FOUND', `table ${key}`);
  switch (op.object) {
    case 'chain': {
      if ('chain' in op) {
        const existing = t.chains.get(op.chain.name);
        if (existing && (op.verb === 'create' || !sameDecl(existing.decl.base ?? {}, op.chain.base ?? {}))) fail('NFT_EXISTS', `chain ${op.chain.name}`);
        if (!existing) t.chains.set(op.chain.name, { decl: op.chain, handle: handle(), rules: [] });
        return;
      }
      const chain = t.chains.get(op.name);
      if (!chain) {
        if (op.verb === 'destroy') return;
        fail('NFT_NOT_FOUND', `${op.verb} chain ${op.name}`);
      }
      if (op.verb === 'flush') {
        chain.rules = [];
        return;
      }
      if (op.verb === 'destroy') chain.rules = [];
      if (chain.rules.length || referencedChain(t, op.name)) fail('NFT_BUSY', `delete chain ${op.name}`);
      t.chains.delete(op.name);
      return;
    }
    case 'rule': {
      const chain = t.chains.get(op.chain) ?? fail('NFT_NOT_FOUND', `rule in chain ${op.chain}`);
      for (const ref of chainRefs(op.rule)) if (!t.chains.has(ref)) fail('NFT_NOT_FOUND', `jump to chain ${ref}`);
      for (const ref of setRefs(op.rule)) if (!t.sets.has(ref)) fail('NFT_NOT_FOUND', `set @${ref}`);
      if (op.verb === 'add') chain.rules.push(op.rule);
      else chain.rules.unshift(op.rule);
      return;
    }
    case 'set': {
      if (op.verb !== 'destroy' && 'set' in op) {
        const existing = t.sets.get(op.set.name);
        if (existing && (op.verb === 'create' || !sameDecl({ ...existing.decl, comment: 0 }, { ...op.set, comment: 0 }))) {
          fail('NFT_EXISTS', `set ${op.set.name}`);
        }
        if (!existing) t.sets.set(op.set.name, { decl: op.set, handle: handle(), elements: new Map() });
        return;
      }
      const name = 'set' in op ? op.set.name : op.name;
      const set = t.sets.get(name);
      if (!set) {
        if (op.verb === 'destroy') return;
        fail('NFT_NOT_FOUND', `${op.verb} set ${name}`);
      }
      if (op.verb === 'flush') {
        set.elements.clear();
        return;
      }
      for (const c of t.chains.values()) if (c.rules.some((r) => setRefs(r).includes(name))) fail('NFT_BUSY', `delete set ${name}`);
      t.sets.delete(name);
      return;
    }
    case 'element': {
      const set = t.sets.get(op.set) ?? fail('NFT_NOT_FOUND', `set ${op.set}`);
      for (const e of op.elements) {
        const existing = set.elements.get(e.key);
        if (op.verb === 'delete') {
          if (!existing) fail('NFT_NOT_FOUND', `element ${e.key} in ${op.set}`);
          set.elements.delete(e.key);
          continue;
        }
        if (existing && (op.verb === 'create' || existing.value !== e.value)) fail('NFT_EXISTS', `element ${e.key} in ${op.set}`);
        for (const ref of e.value ? chainRefs(e.value) : []) if (!t.chains.has(ref)) fail('NFT_NOT_FOUND', `element ${e.key} jumps to chain ${ref}`);
        set.elements.set(e.key, e);
      }
      return;
    }
  }
}
