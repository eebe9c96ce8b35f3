// Small helpers the modes that own an nftables table share (nftables,
// userspace, ipvs' helper table): remove it whether or not it exists, and
// read it back for `minik rules`, narrowed to one service when asked.

import type { Exec } from '../../api/exec/exec.ts';

/** Deletes `table`; absent is fine (`add` then `delete` in one batch is nft's idiom for that). */
export async function deleteNftTable(exec: Exec, family: string, table: string): Promise<void> {
  await exec.run(['nft', '-f', '-'], { input: `add table ${family} ${table}\ndelete table ${family} ${table}\n` });
}

/** `nft list table` text, or a line saying the table is absent. */
export async function listNftTable(exec: Exec, family: string, table: string): Promise<string> {
  const result = await exec.run(['nft', 'list', 'table', family, table], { allowFailure: true });
  if (result.code === 0) return result.stdout;
  if (/No such file|does not exist/i.test(result.stderr)) return `# table ${family} ${table} does not exist on this node\n`;
  throw new Error(`nft list table ${family} ${table}: ${result.stderr.trim()}`);
}

/** `ns/name` from `name` or `ns/name`. */
export const serviceRef = (service: string) => (service.includes('/') ? service : `default/${service}`);

/**
 * The part of an `nft list table` listing on one service's path: the map
 * elements and rules that name it (comments `ns/name:port`), the chains they
 * jump or go to, and those chains' rules; other elements are left out.
 */
export function narrowNftListing(text: string, service: string): string {
  const ref = serviceRef(service);
  const [ns, name] = ref.split('/');
  const mentions = (line: string) => line.includes(`"${ref}:`) || line.includes(`-${ns}-${name}-`);
  const lines = text.split('\n');
  const wanted = new Set<string>();
  for (const line of lines) {
    if (!mentions(line)) continue;
    for (const m of line.matchAll(/(?:goto|jump) ([\w.-]+)/g)) wanted.add(m[1]);
  }
  const out: string[] = [];
  let chain: string | undefined;
  for (const line of lines) {
    const start = /^\s*chain ([\w.-]+) \{/.exec(line);
    if (start) chain = start[1];
    const keepChain = chain !== undefined && (wanted.has(chain) || chain.includes(`-${ns}-${name}-`));
    if (/^\s*(table|\}$)/.test(line) && !chain) out.push(line);
    else if (keepChain) out.push(line);
    else if (mentions(line)) out.push(line.replace(/^(\s*)(elements = \{ )?/, '$1').replace(/,$/, ''));
    if (chain && /^\s*\}\s*$/.test(line)) chain = undefined;
  }
  return out.join('\n') + '\n';
}
