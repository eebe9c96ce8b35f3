// Reading state back: `nft -j list ...` output parsed into typed objects.
// Element keys and values are rendered back into nft's text syntax, so they
// compare equal to the ElementSpec a program wrote.

import { NftError } from './errors.ts';
import type { BaseChainSpec, ChainState, ChainSummary, ElementSpec, Family, SetState, TableState } from './types.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

function items(text: string): Obj[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new NftError('NFT_PARSE', `nft printed invalid JSON: ${(err as Error).message}`);
  }
  const list = (doc as { nftables?: unknown }).nftables;
  if (!Array.isArray(list)) throw new NftError('NFT_PARSE', 'nft JSON has no "nftables" array');
  return list as Obj[];
}

const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON value of a set element (or part of one) in nft's text syntax. */
export function jsonValueToText(v: Json): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return '';
  if (Array.isArray(v)) return v.map(jsonValueToText).join(' . ');
  if (Array.isArray(v.concat)) return v.concat.map(jsonValueToText).join(' . ');
  if (isObj(v.prefix)) return `${jsonValueToText(v.prefix.addr)}/${jsonValueToText(v.prefix.len)}`;
  if (Array.isArray(v.range)) return `${jsonValueToText(v.range[0])}-${jsonValueToText(v.range[1])}`;
  for (const verdict of ['goto', 'jump'] as const) {
    const target = v[verdict];
    if (isObj(target)) return `${verdict} ${jsonValueToText(target.target)}`;
  }
  for (const verdict of ['accept', 'drop', 'continue', 'return']) if (verdict in v) return verdict;
  if (isObj(v.elem)) return jsonValueToText(v.elem.val);
  return JSON.stringify(v);
}

function elementFromJson(raw: Json, map: boolean): ElementSpec {
  const [keyPart, valuePart] = map && Array.isArray(raw) ? [raw[0], raw[1]] : [raw, undefined];
  const el: ElementSpec = { key: '' };
  if (isObj(keyPart) && isObj(keyPart.elem)) {
    const e = keyPart.elem;
    el.key = jsonValueToText(e.val);
    if (typeof e.timeout === 'number') el.timeout = `${e.timeout}s`;
    if (typeof e.comment === 'string') el.comment = e.comment;
  } else {
    el.key = jsonValueToText(keyPart);
  }
  if (valuePart !== undefined) el.value = jsonValueToText(valuePart);
  return el;
}

const typeText = (t: Json | undefined): string | undefined =>
  t === undefined ? undefined : Array.isArray(t) ? t.map(String).join(' . ') : isObj(t) && 'typeof' in t ? JSON.stringify(t) : String(t);

function baseOf(c: Obj): BaseChainSpec | undefined {
  if (typeof c.hook !== 'string') return undefined;
  return {
    type: String(c.type) as BaseChainSpec['type'],
    hook: c.hook as BaseChainSpec['hook'],
    priority: typeof c.prio === 'number' ? c.prio : String(c.prio),
    policy: c.policy === 'drop' ? 'drop' : 'accept',
  };
}

/** Parses `nft -j list table FAMILY NAME`. */
export function parseTableJson(text: string): TableState {
  const list = items(text);
  const tableObj = list.find((i) => isObj(i.table))?.table as Obj | undefined;
  if (!tableObj) throw new NftError('NFT_PARSE', 'nft JSON holds no table');
  const state: TableState = {
    family: String(tableObj.family) as Family,
    name: String(tableObj.name),
    handle: Number(tableObj.handle),
    chains: [],
    sets: [],
  };
  const chains = new Map<string, ChainState>();
  for (const item of list) {
    if (isObj(item.chain)) {
      const c = item.chain;
      const chain: ChainState = { name: String(c.name), handle: Number(c.handle), base: baseOf(c), rules: [] };
      chains.set(chain.name, chain);
      state.chains.push(chain);
    } else if (isObj(item.set) || isObj(item.map)) {
      const s = (item.set ?? item.map) as Obj;
      const map = s.map !== undefined;
      const set: SetState = {
        name: String(s.name),
        handle: Number(s.handle),
        map,
        key: typeText(s.type) ?? '',
        data: typeText(s.map),
        flags: Array.isArray(s.flags) ? s.flags.map(String) : [],
        timeout: typeof s.timeout === 'number' ? s.timeout : undefined,
        elements: Array.isArray(s.elem) ? s.elem.map((e) => elementFromJson(e, map)) : [],
      };
      state.sets.push(set);
    } else if (isObj(item.rule)) {
      const r = item.rule;
      const chain = chains.get(String(r.chain));
      if (!chain) throw new NftError('NFT_PARSE', `rule for unknown chain ${String(r.chain)}`);
      chain.rules.push({
        handle: Number(r.handle),
        expr: Array.isArray(r.expr) ? r.expr : [],
        comment: typeof r.comment === 'string' ? r.comment : undefined,
      });
    }
  }
  return state;
}

/** Parses `nft -j list chains [FAMILY]`. */
export function parseChainsJson(text: string): ChainSummary[] {
  return items(text)
    .filter((i) => isObj(i.chain))
    .map((i) => {
      const c = i.chain as Obj;
      return { family: String(c.family) as Family, table: String(c.table), name: String(c.name), handle: Number(c.handle) };
    });
}
