// diffRulesets(previous, next): the smallest transaction that turns the table
// we last wrote into the one we want, touching only chains and elements that
// changed. Pure. Without a previous ruleset it recreates the whole table
// (still one atomic transaction: nothing is ever half-programmed).

import { Transaction } from './transaction.ts';
import type { ChainSpec, ElementSpec, Ruleset, SetSpec } from './types.ts';

const setDecl = ({ elements: _e, ...decl }: SetSpec) => JSON.stringify(decl);
const chainDecl = (c: ChainSpec) => JSON.stringify({ base: c.base ?? null, comment: c.comment ?? null });
const elementText = (e: ElementSpec) => JSON.stringify([e.value ?? null, e.timeout ?? null, e.comment ?? null]);
const refsSet = (rule: string, set: string) => rule.includes(`@${set}`) && new RegExp(`@${set.replace(/[.]/g, '\\.')}(?![\\w/.-])`).test(rule);
const refsChain = (text: string, chain: string) => new RegExp(`\\b(?:jump|goto)\\s+${chain.replace(/[.]/g, '\\.')}(?![\\w/.-])`).test(text);

/** Whole-table (re)creation: what a full resync sends. */
export function fullSyncTransaction(next: Ruleset): Transaction {
  return new Transaction(next.family, next.table).destroyTable().addRuleset(next);
}

export function diffRulesets(prev: Ruleset | undefined, next: Ruleset): Transaction {
  if (!prev || prev.family !== next.family || prev.table !== next.table) return fullSyncTransaction(next);
  const tx = new Transaction(next.family, next.table);
  const prevSets = new Map(prev.sets.map((s) => [s.name, s]));
  const nextSets = new Map(next.sets.map((s) => [s.name, s]));
  const prevChains = new Map(prev.chains.map((c) => [c.name, c]));
  const nextChains = new Map(next.chains.map((c) => [c.name, c]));

  const newSets = next.sets.filter((s) => !prevSets.has(s.name));
  const removedSets = prev.sets.filter((s) => !nextSets.has(s.name));
  const recreatedSets = next.sets.filter((s) => prevSets.has(s.name) && setDecl(prevSets.get(s.name)!) !== setDecl(s));
  const recreatedSetNames = new Set(recreatedSets.map((s) => s.name));

  const newChains = next.chains.filter((c) => !prevChains.has(c.name));
  const removedChains = prev.chains.filter((c) => !nextChains.has(c.name));
  const recreatedChains = next.chains.filter((c) => prevChains.has(c.name) && chainDecl(prevChains.get(c.name)!) !== chainDecl(c));
  const recreatedChainNames = new Set(recreatedChains.map((c) => c.name));
  // A chain whose rules changed, or that uses a set being recreated, gets flushed and refilled.
  const refilledChains = next.chains.filter((c) => {
    const before = prevChains.get(c.name);
    if (!before || recreatedChainNames.has(c.name)) return false;
    if (before.rules.join('\n') !== c.rules.join('\n')) return true;
    return c.rules.some((r) => [...recreatedSetNames].some((s) => refsSet(r, s)));
  });

  // Element changes in sets that survive as they are.
  const elementDeletes: [string, ElementSpec[]][] = [];
  const elementAdds: [string, ElementSpec[]][] = [];
  for (const set of next.sets) {
    const before = prevSets.get(set.name);
    if (!before || recreatedSetNames.has(set.name)) continue;
    const old = new Map(before.elements.map((e) => [e.key, e]));
    const dels: ElementSpec[] = [];
    const adds: ElementSpec[] = [];
    for (const e of set.elements) {
      const was = old.get(e.key);
      old.delete(e.key);
      const pointsAtRecreated = e.value !== undefined && [...recreatedChainNames].some((c) => refsChain(e.value!, c));
      if (!was) adds.push(e);
      else if (elementText(was) !== elementText(e) || pointsAtRecreated) {
        dels.push(was);
        adds.push(e);
      }
    }
    dels.push(...old.values());
    if (dels.length) elementDeletes.push([set.name, dels]);
    if (adds.length) elementAdds.push([set.name, adds]);
  }

  for (const s of newSets) tx.addSet({ ...s, elements: [] });
  for (const c of newChains) tx.addChain({ name: c.name, base: c.base, comment: c.comment });
  for (const c of [...refilledChains, ...removedChains, ...recreatedChains.map((c) => prevChains.get(c.name)!)]) tx.flushChain(c.name);
  for (const [set, els] of elementDeletes) tx.deleteElements(set, els);
  for (const c of [...removedChains, ...recreatedChains]) tx.deleteChain(c.name);
  for (const s of [...removedSets, ...recreatedSets]) tx.deleteSet(s.name);
  for (const s of recreatedSets) tx.addSet({ ...s, elements: [] });
  for (const c of recreatedChains) tx.addChain({ name: c.name, base: c.base, comment: c.comment });
  for (const c of [...newChains, ...recreatedChains, ...refilledChains]) for (const r of c.rules) tx.addRule(c.name, r);
  for (const [set, els] of elementAdds) tx.addElements(set, els);
  for (const s of [...newSets, ...recreatedSets]) tx.addElements(s.name, s.elements);
  return tx;
}
