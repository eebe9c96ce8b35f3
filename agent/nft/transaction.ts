// A Transaction is an ordered list of typed operations on one table that
// renders to a `nft -f -` script. nft applies a whole script as one netlink
// batch: all of it or nothing.

import { assertName, quote, renderChainBody, renderElement, renderSetBody } from './render.ts';
import type { ChainSpec, ElementSpec, Family, Ruleset, SetSpec } from './types.ts';

export type Op =
  | { verb: 'add' | 'create'; object: 'table'; comment?: string }
  | { verb: 'delete' | 'destroy' | 'flush'; object: 'table' }
  | { verb: 'add' | 'create'; object: 'chain'; chain: Omit<ChainSpec, 'rules'> }
  | { verb: 'delete' | 'destroy' | 'flush'; object: 'chain'; name: string }
  | { verb: 'add' | 'create'; object: 'set'; set: Omit<SetSpec, 'elements'> }
  | { verb: 'delete' | 'flush'; object: 'set'; name: string }
  /** destroy needs the declaration: nft 1.0.6 has no `destroy`, so it is emulated with add + delete. */
  | { verb: 'destroy'; object: 'set'; set: Omit<SetSpec, 'elements'> }
  | { verb: 'add' | 'create' | 'delete'; object: 'element'; set: string; elements: ElementSpec[] }
  | { verb: 'add' | 'insert'; object: 'rule'; chain: string; rule: string };

export interface RenderOptions {
  /**
   * nft >= 1.0.8 knows `destroy` (delete if present). Older nft (Debian 12 ships 1.0.6)
   * gets the classic idiom: add the object, then delete it. Default: emulate.
   */
  nativeDestroy?: boolean;
  /** Elements per `add element` statement; keeps single lines reasonable. */
  elementsPerStatement?: number;
}

export class Transaction {
  readonly family: Family;
  readonly table: string;
  readonly ops: Op[] = [];

  constructor(family: Family, table: string) {
    this.family = family;
    this.table = assertName('table', table);
  }

  get isEmpty(): boolean {
    return this.ops.length === 0;
  }

  addTable(opts: { comment?: string } = {}): this {
    return this.push({ verb: 'add', object: 'table', comment: opts.comment });
  }
  createTable(opts: { comment?: string } = {}): this {
    return this.push({ verb: 'create', object: 'table', comment: opts.comment });
  }
  deleteTable(): this {
    return this.push({ verb: 'delete', object: 'table' });
  }
  destroyTable(): this {
    return this.push({ verb: 'destroy', object: 'table' });
  }
  flushTable(): this {
    return this.push({ verb: 'flush', object: 'table' });
  }

  /** Adds the chain (idempotent) and, if the spec has rules, appends them. */
  addChain(chain: Omit<ChainSpec, 'rules'> & { rules?: string[] }): this {
    const { rules, ...decl } = chain;
    this.push({ verb: 'add', object: 'chain', chain: { ...decl, name: assertName('chain', decl.name) } });
    for (const rule of rules ?? []) this.addRule(chain.name, rule);
    return this;
  }
  createChain(chain: Omit<ChainSpec, 'rules'>): this {
    return this.push({ verb: 'create', object: 'chain', chain: { ...chain, name: assertName('chain', chain.name) } });
  }
  flushChain(name: string): this {
    return this.push({ verb: 'flush', object: 'chain', name: assertName('chain', name) });
  }
  deleteChain(name: string): this {
    return this.push({ verb: 'delete', object: 'chain', name: assertName('chain', name) });
  }
  /** Removes the chain (and its rules) if it exists. */
  destroyChain(name: string): this {
    return this.push({ verb: 'destroy', object: 'chain', name: assertName('chain', name) });
  }

  addRule(chain: string, rule: string): this {
    return this.push({ verb: 'add', object: 'rule', chain: assertName('chain', chain), rule });
  }
  insertRule(chain: string, rule: string): this {
    return this.push({ verb: 'insert', object: 'rule', chain: assertName('chain', chain), rule });
  }

  /** Adds the set or map declaration and then its elements. */
  addSet(set: SetSpec | Omit<SetSpec, 'elements'>): this {
    const { elements, ...decl } = set as SetSpec;
    this.push({ verb: 'add', object: 'set', set: { ...decl, name: assertName('set', decl.name) } });
    if (elements?.length) this.addElements(set.name, elements);
    return this;
  }
  createSet(set: Omit<SetSpec, 'elements'>): this {
    return this.push({ verb: 'create', object: 'set', set: { ...set, name: assertName('set', set.name) } });
  }
  flushSet(name: string): this {
    return this.push({ verb: 'flush', object: 'set', name: assertName('set', name) });
  }
  deleteSet(name: string): this {
    return this.push({ verb: 'delete', object: 'set', name: assertName('set', name) });
  }
  destroySet(set: Omit<SetSpec, 'elements'>): this {
    return this.push({ verb: 'destroy', object: 'set', set });
  }

  addElements(set: string, elements: ElementSpec[]): this {
    return elements.length ? this.push({ verb: 'add', object: 'element', set: assertName('set', set), elements }) : this;
  }
  /** Like add, but fails (NFT_EXISTS) when a key is already present. */
  createElements(set: string, elements: ElementSpec[]): this {
    return elements.length ? this.push({ verb: 'create', object: 'element', set: assertName('set', set), elements }) : this;
  }
  /** Only keys matter for delete; values are ignored. */
  deleteElements(set: string, elements: (ElementSpec | string)[]): this {
    const els = elements.map((e) => (typeof e === 'string' ? { key: e } : { key: e.key }));
    return els.length ? this.push({ verb: 'delete', object: 'element', set: assertName('set', set), elements: els }) : this;
  }

  /** Everything of a ruleset, in an order nft accepts: table, sets, empty chains, then rules and elements (which reference them). */
  addRuleset(rs: Ruleset): this {
    this.addTable({ comment: rs.comment });
    for (const set of rs.sets) this.addSet({ ...set, elements: [] });
    for (const chain of rs.chains) this.addChain({ name: chain.name, base: chain.base, comment: chain.comment });
    for (const chain of rs.chains) for (const rule of chain.rules) this.addRule(chain.name, rule);
    for (const set of rs.sets) this.addElements(set.name, set.elements);
    return this;
  }

  /** Appends another transaction's operations (same table). */
  append(other: Transaction): this {
    if (other.family !== this.family || other.table !== this.table) throw new Error('append: transactions target different tables');
    for (const op of other.ops) this.ops.push(op);
    return this;
  }

  render(opts: RenderOptions = {}): string {
    return this.ops.flatMap((op) => renderOp(this.family, this.table, op, opts)).join('\n') + (this.ops.length ? '\n' : '');
  }

  private push(op: Op): this {
    this.ops.push(op);
    return this;
  }
}

function renderOp(family: Family, table: string, op: Op, opts: RenderOptions): string[] {
  const t = `${family} ${table}`;
  const native = opts.nativeDestroy === true;
  switch (op.object) {
    case 'table':
      if (op.verb === 'add' || op.verb === 'create') {
        return [`${op.verb} table ${t}${op.comment ? ` { comment ${quote(op.comment)}; }` : ''}`];
      }
      if (op.verb === 'destroy' && !native) return [`add table ${t}`, `delete table ${t}`];
      return [`${op.verb} table ${t}`];
    case 'chain':
      if ('chain' in op) return [`${op.verb} chain ${t} ${op.chain.name}${renderChainBody(op.chain)}`];
      if (op.verb === 'destroy' && !native) {
        return [`add chain ${t} ${op.name}`, `flush chain ${t} ${op.name}`, `delete chain ${t} ${op.name}`];
      }
      return [`${op.verb} chain ${t} ${op.name}`];
    case 'set':
      if (op.verb !== 'destroy' && 'set' in op) {
        return [`${op.verb} ${op.set.data !== undefined ? 'map' : 'set'} ${t} ${op.set.name}${renderSetBody({ ...op.set, elements: [] })}`];
      }
      if ('set' in op) {
        const kind = op.set.data !== undefined ? 'map' : 'set';
        if (native) return [`destroy ${kind} ${t} ${op.set.name}`];
        return [`add ${kind} ${t} ${op.set.name}${renderSetBody({ ...op.set, elements: [] })}`, `delete ${kind} ${t} ${op.set.name}`];
      }
      return [`${op.verb} set ${t} ${op.name}`];
    case 'element': {
      const per = opts.elementsPerStatement ?? 1000;
      const lines: string[] = [];
      for (let i = 0; i < op.elements.length; i += per) {
        const chunk = op.elements.slice(i, i + per);
        const items = op.verb === 'delete' ? chunk.map((e) => e.key) : chunk.map(renderElement);
        lines.push(`${op.verb} element ${t} ${op.set} { ${items.join(', ')} }`);
      }
      return lines;
    }
    case 'rule':
      return [`${op.verb} rule ${t} ${op.chain} ${op.rule}`];
  }
}
