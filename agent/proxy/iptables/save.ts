// Reading `iptables-save` output: which of minik's chains exist, which hook
// rules are in the built-in chains, and the listing narrowed to minik's
// chains (or one service's path) for `minik rules`. Pure.

import { CHAIN, JUMPS, PER_SERVICE_CHAIN } from './names.ts';

export type TableName = 'nat' | 'filter';

export interface SavedTable {
  chains: string[];
  /** `-A CHAIN ...` lines. */
  rules: string[];
}

const OWN_FIXED = new Set<string>(Object.values(CHAIN));
export const isOwnChain = (name: string) => OWN_FIXED.has(name) || PER_SERVICE_CHAIN.test(name);

/** Tables of one `iptables-save` text. */
export function parseSave(text: string): Partial<Record<TableName, SavedTable>> {
  const out: Partial<Record<TableName, SavedTable>> = {};
  let current: SavedTable | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      current = { chains: [], rules: [] };
      out[line.slice(1).trim() as TableName] = current;
    } else if (!current) continue;
    else if (line.startsWith(':')) current.chains.push(line.slice(1).split(' ')[0]);
    else if (line.startsWith('-A ')) current.rules.push(line);
  }
  return out;
}

/** The `-A BUILTIN ... -j KUBE-*` hook rules present in a saved table. */
export function hookRules(table: SavedTable): string[] {
  return table.rules.filter((r) => {
    const [, chain] = r.split(' ');
    const target = / -j (\S+)/.exec(r)?.[1];
    return !isOwnChain(chain) && target !== undefined && isOwnChain(target);
  });
}

/** The hook rules of JUMPS missing from the live table, as inserts. */
export function missingJumps(table: TableName, saved: SavedTable | undefined): string[] {
  const present = new Set((saved ? hookRules(saved) : []).map((r) => r.replace(/^-A /, '')));
  return JUMPS[table].filter((j) => !present.has(`${j.chain} ${j.rule}`)).map((j) => `-I ${j.chain} 1 ${j.rule}`);
}

/** Per-service chains that exist live but are not wanted. */
export function staleChains(saved: SavedTable | undefined, wanted: Set<string>): string[] {
  return (saved?.chains ?? []).filter((c) => PER_SERVICE_CHAIN.test(c) && !wanted.has(c));
}

/** A restore batch that removes every trace of minik's chains from the tables given. */
export function cleanupBatch(tables: Partial<Record<TableName, SavedTable>>): string {
  const out: string[] = [];
  for (const name of ['nat', 'filter'] as const) {
    const t = tables[name];
    const own = (t?.chains ?? []).filter(isOwnChain);
    const hooks = t ? hookRules(t) : [];
    if (!t || (own.length === 0 && hooks.length === 0)) continue;
    out.push(`*${name}`, ...own.map((c) => `:${c} - [0:0]`), ...hooks.map((r) => r.replace(/^-A /, '-D ')), ...own.map((c) => `-X ${c}`), 'COMMIT');
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** `iptables-save` lines of minik's chains (and the hook rules into them), optionally only one service's path. */
export function narrowSave(text: string, service?: string): string {
  const tables = parseSave(text);
  const ref = service ? (service.includes('/') ? service : `default/${service}`) : undefined;
  const out: string[] = [];
  for (const name of ['nat', 'filter'] as const) {
    const t = tables[name];
    if (!t) continue;
    let rules = [...hookRules(t), ...t.rules.filter((r) => isOwnChain(r.split(' ')[1]))];
    let chains = t.chains.filter(isOwnChain);
    if (ref) {
      // The service's lines in the dispatch chains, then every chain they lead to.
      const keep = new Set<string>();
      const picked = rules.filter((r) => r.includes(`"${ref}:`) && OWN_FIXED.has(r.split(' ')[1]));
      const queue = picked.map((r) => / -j (\S+)/.exec(r)?.[1]).filter((c): c is string => !!c && PER_SERVICE_CHAIN.test(c));
      while (queue.length) {
        const c = queue.pop()!;
        if (keep.has(c)) continue;
        keep.add(c);
        for (const r of rules.filter((x) => x.split(' ')[1] === c)) {
          const next = / -j (\S+)/.exec(r)?.[1];
          if (next && PER_SERVICE_CHAIN.test(next)) queue.push(next);
        }
      }
      rules = [...picked, ...rules.filter((r) => keep.has(r.split(' ')[1]))];
      chains = chains.filter((c) => keep.has(c) || picked.some((r) => r.split(' ')[1] === c));
    }
    out.push(`*${name}`, ...chains.map((c) => `:${c}`), ...rules);
  }
  return out.join('\n') + '\n';
}
