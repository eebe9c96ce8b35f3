// Rendering the typed model into nft's own language. Two forms: the `table`
// block (what `nft list` prints; readable, used for golden files and full
// loads) and one-line commands (`add element ...`), used by transactions.

import { NftError } from './errors.ts';
import type { BaseChainSpec, ChainSpec, ElementSpec, Ruleset, SetSpec } from './types.ts';

/** nft's identifier grammar (scanner.l); other names would need quoting everywhere. */
const IDENTIFIER = /^[a-zA-Z_][a-zA-Z0-9/\-_.]*$/;
/** Kernel limit for table, chain and set names (NFT_NAME_MAXLEN - 1). */
export const NFT_NAME_MAX = 255;

export function assertName(kind: string, name: string): string {
  if (!IDENTIFIER.test(name) || name.length > NFT_NAME_MAX) {
    throw new NftError('NFT_SYNTAX', `invalid ${kind} name ${JSON.stringify(name)}: want [a-zA-Z_][a-zA-Z0-9/-_.]*, at most ${NFT_NAME_MAX} characters`);
  }
  return name;
}

/** nft strings cannot hold a double quote, and a comment is capped at 128 bytes. */
export function quote(text: string): string {
  return `"${text.replace(/["\\\n]/g, "'").slice(0, 127)}"`;
}

export function renderBaseChain(base: BaseChainSpec): string {
  const policy = base.policy ? ` policy ${base.policy};` : '';
  return `type ${base.type} hook ${base.hook} priority ${base.priority};${policy}`;
}

export function renderSetDeclaration(set: SetSpec): string[] {
  const kw = set.typeof ? 'typeof' : 'type';
  const lines = [`${kw} ${set.key}${set.data !== undefined ? ` : ${set.data}` : ''}`];
  if (set.flags?.length) lines.push(`flags ${set.flags.join(',')}`);
  if (set.timeout) lines.push(`timeout ${set.timeout}`);
  if (set.size) lines.push(`size ${set.size}`);
  if (set.comment) lines.push(`comment ${quote(set.comment)}`);
  return lines;
}

export function renderElement(e: ElementSpec): string {
  let text = e.key;
  if (e.timeout) text += ` timeout ${e.timeout}`;
  if (e.comment) text += ` comment ${quote(e.comment)}`;
  if (e.value !== undefined) text += ` : ${e.value}`;
  return text;
}

/** The `table ... { ... }` block, as `nft list table` would print it (elements one per line, sorted as given). */
export function renderRuleset(rs: Ruleset): string {
  assertName('table', rs.table);
  const out: string[] = [`table ${rs.family} ${rs.table} {`];
  if (rs.comment) out.push(`\tcomment ${quote(rs.comment)}`);
  for (const set of rs.sets) {
    assertName('set', set.name);
    out.push('', `\t${set.data !== undefined ? 'map' : 'set'} ${set.name} {`);
    for (const line of renderSetDeclaration(set)) out.push(`\t\t${line}`);
    if (set.elements.length) {
      const items = set.elements.map(renderElement);
      out.push(`\t\telements = { ${items.join(',\n\t\t\t     ')} }`);
    }
    out.push('\t}');
  }
  for (const chain of rs.chains) out.push('', ...renderChainBlock(chain));
  out.push('}', '');
  return out.join('\n');
}

function renderChainBlock(chain: ChainSpec): string[] {
  assertName('chain', chain.name);
  const out = [`\tchain ${chain.name} {`];
  if (chain.comment) out.push(`\t\tcomment ${quote(chain.comment)}`);
  if (chain.base) out.push(`\t\t${renderBaseChain(chain.base)}`);
  for (const rule of chain.rules) out.push(`\t\t${rule}`);
  out.push('\t}');
  return out;
}

/** `{ type nat hook ...; comment "..." ; }` for an `add chain` command, or '' for a regular chain without comment. */
export function renderChainBody(chain: Pick<ChainSpec, 'base' | 'comment'>): string {
  const parts: string[] = [];
  if (chain.base) parts.push(renderBaseChain(chain.base));
  if (chain.comment) parts.push(`comment ${quote(chain.comment)};`);
  return parts.length ? ` { ${parts.join(' ')} }` : '';
}

export function renderSetBody(set: SetSpec): string {
  return ` { ${renderSetDeclaration(set).join('; ')}; }`;
}
