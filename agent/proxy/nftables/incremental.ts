// IncrementalCompiler: remembers each service port's fragment so that a sync
// costs in proportion to what changed, not to the number of services. It
// hands back two *partial* rulesets (the old and new contributions of the
// changed service ports, plus shared chains and touched hairpin keys) whose
// diffRulesets() is exactly the minimal transaction. Unchanged service ports
// are recognised by object identity first (the agent's cache keeps unchanged
// objects), then by content.

import type { ChainSpec, Ruleset } from '../../nft/index.ts';
import type { ProxyModel, ServicePortModel } from '../model.ts';
import { assemble, byKey, compileServicePort, type ClusterRanges, type Fragment } from './compile.ts';
import { TABLE } from './names.ts';

interface Entry {
  sp: ServicePortModel;
  /** The update() generation that last saw this service port. */
  gen: number;
  fragment: Fragment;
  /** Computed on first need: a full reset of 30k service ports should not pay for 30k JSON strings. */
  signature?: string;
}

export interface IncrementalChange {
  prev: Ruleset;
  next: Ruleset;
  /** Service ports whose programming changed (old and new versions; undefined when added/removed). */
  changed: { before?: ServicePortModel; after?: ServicePortModel }[];
}

const signatureOf = (f: Fragment) => JSON.stringify(f);

export class IncrementalCompiler {
  private readonly table: string;
  private entries = new Map<string, Entry>();
  private sharedRefs = new Map<string, { chain: ChainSpec; count: number }>();
  private hairpinRefs = new Map<string, number>();
  private ranges?: ClusterRanges;
  private gen = 0;

  constructor(table: string = TABLE) {
    this.table = table;
  }

  /** Forgets everything and returns the whole table for the model (a full sync). */
  reset(model: ProxyModel): Ruleset {
    this.entries.clear();
    this.sharedRefs.clear();
    this.hairpinRefs.clear();
    this.ranges = { serviceCidr: model.serviceCidr, clusterCidr: model.clusterCidr };
    for (const sp of model.servicePorts) this.put(sp, compileServicePort(sp), undefined);
    return this.ruleset();
  }

  /** The whole table as of the last reset/update. O(services). */
  ruleset(): Ruleset {
    const ordered = [...this.entries.values()].sort((a, b) => byKey(a.sp, b.sp));
    const shared = [...this.sharedRefs.values()].map((r) => r.chain);
    return assemble(this.ranges!, ordered.map((e) => e.fragment), shared, [...this.hairpinRefs.keys()], this.table);
  }

  /** Names of every chain of the table, without assembling its elements. */
  chainNames(): string[] {
    const fixed = assemble(this.ranges!, [], [], [], this.table).chains.map((c) => c.name);
    const owned = [...this.entries.values()].flatMap((e) => e.fragment.chains.map((c) => c.name));
    return [...new Set([...fixed, ...this.sharedRefs.keys(), ...owned])];
  }

  /** True when update() cannot be used (no state yet, or the cluster ranges moved). */
  needsReset(model: ProxyModel): boolean {
    return !this.ranges || this.ranges.serviceCidr !== model.serviceCidr || this.ranges.clusterCidr !== model.clusterCidr;
  }

  update(model: ProxyModel): IncrementalChange {
    const gen = ++this.gen;
    const before: Fragment[] = [];
    const after: Fragment[] = [];
    const changed: IncrementalChange['changed'] = [];
    const sharedBefore = [...this.sharedRefs.values()].map((r) => r.chain);
    const touchedHairpin = new Set<string>();
    const hairpinBefore = new Map(this.hairpinRefs);

    for (const sp of model.servicePorts) {
      const entry = this.entries.get(sp.key);
      if (entry) entry.gen = gen;
      if (entry?.sp === sp) continue;
      const fragment = compileServicePort(sp);
      const signature = signatureOf(fragment);
      if (entry && (entry.signature ??= signatureOf(entry.fragment)) === signature) {
        entry.sp = sp;
        continue;
      }
      if (entry) {
        before.push(entry.fragment);
        this.drop(entry);
      }
      after.push(fragment);
      this.put(sp, fragment, signature, gen);
      changed.push({ before: entry?.sp, after: sp });
    }
    for (const [key, entry] of this.entries) {
      if (entry.gen === gen) continue;
      before.push(entry.fragment);
      this.drop(entry);
      this.entries.delete(key);
      changed.push({ before: entry.sp });
    }
    for (const f of [...before, ...after]) for (const h of f.hairpin) touchedHairpin.add(h);
    const hairpinPrev = [...touchedHairpin].filter((h) => hairpinBefore.has(h));
    const hairpinNext = [...touchedHairpin].filter((h) => this.hairpinRefs.has(h));
    const sharedAfter = [...this.sharedRefs.values()].map((r) => r.chain);
    return {
      prev: assemble(this.ranges!, before, sharedBefore, hairpinPrev, this.table),
      next: assemble(this.ranges!, after, sharedAfter, hairpinNext, this.table),
      changed,
    };
  }

  private put(sp: ServicePortModel, fragment: Fragment, signature: string | undefined, gen = this.gen): void {
    this.entries.set(sp.key, { sp, fragment, signature, gen });
    for (const c of fragment.shared) {
      const ref = this.sharedRefs.get(c.name);
      if (ref) ref.count++;
      else this.sharedRefs.set(c.name, { chain: c, count: 1 });
    }
    for (const h of fragment.hairpin) this.hairpinRefs.set(h, (this.hairpinRefs.get(h) ?? 0) + 1);
  }

  private drop(entry: Entry): void {
    for (const c of entry.fragment.shared) {
      const ref = this.sharedRefs.get(c.name)!;
      if (--ref.count === 0) this.sharedRefs.delete(c.name);
    }
    for (const h of entry.fragment.hairpin) {
      const n = this.hairpinRefs.get(h)! - 1;
      if (n === 0) this.hairpinRefs.delete(h);
      else this.hairpinRefs.set(h, n);
    }
  }
}
