// What `minik rules` and `minik trace` print in ipvs mode, read from the
// node's kernel (never from the agent's memory): `ipvsadm -Ln` plus the
// helper table for rules, the matching `ipvsadm -Lnc` entries for trace.

import type { Exec } from '../../../api/exec/exec.ts';
import { HELPER_TABLE } from './names.ts';
import { parseConnections, type IpvsConnection } from './parse.ts';

const serviceRef = (service: string) => (service.includes('/') ? service : `default/${service}`);

/** `ipvsadm -Ln` split into its header and one block per virtual server (the service line and its `->` lines). */
export function splitListing(text: string): { header: string[]; blocks: { address: string; port: number; lines: string[] }[] } {
  const header: string[] = [];
  const blocks: { address: string; port: number; lines: string[] }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(TCP|UDP|SCTP)\s+\[?([^\]\s]+?)\]?:(\d+)\s/.exec(line);
    if (m) blocks.push({ address: m[2], port: Number(m[3]), lines: [line] });
    else if (blocks.length && /^\s+->/.test(line)) blocks[blocks.length - 1].lines.push(line);
    else if (!blocks.length && line.trim()) header.push(line);
  }
  return { header, blocks };
}

/**
 * The addresses and ports (`10.96.0.20:80`) and node ports (`:30080`) of one
 * service, taken from the helper table's element comments (`ns/name:port`).
 */
export function serviceEndpointsFromHelper(nftText: string, service: string): { vips: Set<string>; nodePorts: Set<number> } {
  const ref = serviceRef(service);
  const vips = new Set<string>();
  const nodePorts = new Set<number>();
  for (const m of nftText.matchAll(/(\d+\.\d+\.\d+\.\d+) \. (?:tcp|udp|sctp) \. (\d+) comment "([^"]+)"/g)) {
    if (m[3].startsWith(`${ref}:`)) vips.add(`${m[1]}:${m[2]}`);
  }
  for (const m of nftText.matchAll(/(?<!\. )\b(?:tcp|udp|sctp) \. (\d+) comment "([^"]+)"/g)) {
    if (m[2].startsWith(`${ref}:`)) nodePorts.add(Number(m[1]));
  }
  return { vips, nodePorts };
}

/** `minik rules` in ipvs mode: the virtual servers (narrowed to one service when asked) and the helper table. */
export async function ipvsRules(exec: Exec, options: { service?: string } = {}): Promise<string> {
  const list = await exec.run(['ipvsadm', '-Ln'], { allowFailure: true });
  const ipvs = list.code === 0 ? list.stdout : `# ipvsadm -Ln failed: ${list.stderr.trim().split('\n')[0]}\n`;
  const table = await exec.run(['nft', 'list', 'table', 'ip', HELPER_TABLE], { allowFailure: true });
  const helper = table.code === 0 ? table.stdout : `# table ip ${HELPER_TABLE} does not exist on this node\n`;
  if (!options.service || list.code !== 0) return `# ipvsadm -Ln\n${ipvs}\n# nft list table ip ${HELPER_TABLE}\n${helper}`;
  const { vips, nodePorts } = serviceEndpointsFromHelper(helper, options.service);
  const { header, blocks } = splitListing(ipvs);
  const mine = blocks.filter((b) => vips.has(`${b.address}:${b.port}`) || nodePorts.has(b.port));
  const ref = serviceRef(options.service);
  const helperLines = helper.split('\n').filter((l) => l.includes(`"${ref}:`)).map((l) => l.trim().replace(/^elements = \{ /, '').replace(/[,}]\s*$/, '').trim());
  return [
    `# ipvsadm -Ln (virtual servers of ${ref})`,
    ...header,
    ...mine.flatMap((b) => b.lines),
    '',
    `# table ip ${HELPER_TABLE}: elements of ${ref}`,
    ...helperLines,
    '',
  ].join('\n');
}

export interface TraceFilter {
  /** The client's address as IPVS saw it (after any masquerade on the way in). */
  source?: string;
  /** `ip:port` or `ip` the client connected to. */
  virtual?: string;
}

export const matchConnection = (c: IpvsConnection, f: TraceFilter) =>
  (!f.source || c.source.split(':')[0] === f.source || c.source === f.source) &&
  (!f.virtual || c.virtual === f.virtual || c.virtual.split(':')[0] === f.virtual);

/**
 * `minik trace` in ipvs mode: IPVS's connection entries for the connection
 * (run right after the client connected; entries live for the protocol's
 * timeout). Each entry says which virtual server took it and which real
 * server it went to.
 */
export async function ipvsTrace(exec: Exec, filter: TraceFilter): Promise<{ entries: IpvsConnection[]; text: string }> {
  const r = await exec.run(['ipvsadm', '-Lnc']);
  const entries = parseConnections(r.stdout).filter((c) => matchConnection(c, filter));
  const lines = entries.map((c) => `ipvs: ${c.protocol} ${c.source} → virtual server ${c.virtual} → real server ${c.destination} (${c.state}, expires in ${c.expire})`);
  return { entries, text: lines.length ? lines.join('\n') + '\n' : `ipvs: no connection entry matches${filter.source ? ` source ${filter.source}` : ''}${filter.virtual ? ` virtual ${filter.virtual}` : ''}\n` };
}
