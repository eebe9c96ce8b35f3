// `minik trace`: which rules one connection hit, in each mode's own terms.
// A Tracer is started on a node before the connection and stopped after it:
//   nftables  `nft monitor trace` while a throwaway table sets nftrace on the
//             connection's packets (raw priority), keeping the lines about
//             minik's own table, in the order the kernel evaluated them
//   iptables  the packet counters of minik's rules before and after
//             (iptables-save -c): the rules this connection moved
//   userspace the proxy's decision log lines written meanwhile
//   ipvs      the connection entries of `ipvsadm -Lnc` to the address
// The node is reached through an argv prefix (`ip netns exec NODE`), so the
// same code runs against a namespace or, later, a VM.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Exec } from '../../api/exec/exec.ts';
import { DECISIONS_FILE } from './userspace/proxier.ts';

export const TRACE_TABLE = 'minik-trace';

export interface TraceTarget {
  ip: string;
  port: number;
  protocol: 'tcp' | 'udp';
}

export interface Tracer {
  /** Lines describing what the connection hit on this node ([] when it did not pass here). */
  stop(): Promise<string[]>;
}

export interface TraceNode {
  /** Runs commands on the node. */
  exec: Exec;
  /** argv prefix that runs a long-lived command on the node (`['ip', 'netns', 'exec', NS]`). */
  prefix: string[];
  /** The agent's state directory, readable from here. */
  stateDir: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The throwaway table that marks the connection's packets for tracing (both directions, every hook minik uses). */
export function traceTable(t: TraceTarget): string {
  const match = `ip daddr ${t.ip} ${t.protocol} dport ${t.port}`;
  const chain = (name: string, hook: string) => [`\tchain ${name} {`, `\t\ttype filter hook ${hook} priority raw; policy accept;`, `\t\t${match} meta nftrace set 1`, '\t}'];
  return [`table ip ${TRACE_TABLE} {`, ...chain('pre', 'prerouting'), ...chain('out', 'output'), '}', ''].join('\n');
}

/** nft monitor trace lines about minik's tables only, without the per-packet header noise. */
export function minikTraceLines(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => / ip minik(-\S+)? /.test(l) && !l.includes(` ip ${TRACE_TABLE} `))
    .map((l) => l.replace(/^trace id [0-9a-f]+ /, ''));
}

async function nftTracer(node: TraceNode, target: TraceTarget): Promise<Tracer> {
  await node.exec.run(['nft', '-f', '-'], { input: `add table ip ${TRACE_TABLE}\ndelete table ip ${TRACE_TABLE}\n${traceTable(target)}` });
  const monitor = spawn(node.prefix[0], [...node.prefix.slice(1), 'nft', 'monitor', 'trace'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  monitor.stdout.on('data', (d) => (out += d));
  await sleep(300); // the monitor subscribes before the first packet
  return {
    async stop() {
      await sleep(300);
      monitor.kill('SIGTERM');
      await node.exec.run(['nft', '-f', '-'], { input: `add table ip ${TRACE_TABLE}\ndelete table ip ${TRACE_TABLE}\n` });
      return minikTraceLines(out);
    },
  };
}

/** `[pkts:bytes] -A KUBE-...` lines of minik's chains → counter by `table rule`. Hooks in built-in chains count every packet of the node: left out. */
export function countersOf(save: string): Map<string, number> {
  const out = new Map<string, number>();
  let table = '';
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    const m = /^\[(\d+):\d+\] (-A KUBE-.*)$/.exec(line);
    // The "not marked: return" rule sees every packet leaving the node: noise, not the connection's path.
    if (m && !/-m mark ! --mark \S+ -j RETURN$/.test(m[2])) out.set(`${table} ${m[2]}`, Number(m[1]));
  }
  return out;
}

/** Path order of kube-proxy's chains, so the lines read as the packet went. */
const PATH_ORDER = ['nat -A KUBE-SERVICES', 'nat -A KUBE-NODEPORTS', 'nat -A KUBE-EXT-', 'nat -A KUBE-SVC-', 'nat -A KUBE-SVL-', 'nat -A KUBE-SEP-', 'nat -A KUBE-MARK-MASQ', 'filter ', 'nat -A KUBE-POSTROUTING'];
export const pathRank = (rule: string) => {
  const i = PATH_ORDER.findIndex((p) => rule.startsWith(p));
  return i < 0 ? PATH_ORDER.length : i;
};

async function iptablesTracer(node: TraceNode): Promise<Tracer> {
  const read = async () => countersOf((await node.exec.run(['iptables-legacy-save', '-c'])).stdout);
  const before = await read();
  return {
    async stop() {
      await sleep(200);
      const after = await read();
      return [...after]
        .filter(([rule, n]) => n > (before.get(rule) ?? 0))
        .sort(([a], [b]) => pathRank(a) - pathRank(b))
        .map(([rule, n]) => `${rule}   (+${n - (before.get(rule) ?? 0)} packets)`);
    },
  };
}

function userspaceTracer(node: TraceNode, target: TraceTarget): Tracer {
  const path = join(node.stateDir, DECISIONS_FILE);
  const read = () => {
    try {
      return readFileSync(path, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const before = read().length;
  return {
    async stop() {
      await sleep(200);
      return read()
        .slice(before)
        .map((l) => JSON.parse(l) as { at: string; portal: string; protocol: string; client: string; endpoint: string; reason: string })
        .filter((d) => d.protocol === target.protocol)
        .map((d) => `${d.at} ${d.portal} (${d.protocol}) client ${d.client} -> ${d.endpoint} [${d.reason}]`);
    },
  };
}

function ipvsTracer(node: TraceNode, target: TraceTarget): Tracer {
  return {
    async stop() {
      const r = await node.exec.run(['ipvsadm', '-Lnc'], { allowFailure: true });
      if (r.code !== 0) return [];
      const lines = r.stdout.split('\n');
      return [...lines.slice(0, 2), ...lines.slice(2).filter((l) => l.includes(`${target.ip}:${target.port}`))].filter(Boolean);
    },
  };
}

export async function startTrace(mode: string, node: TraceNode, target: TraceTarget): Promise<Tracer> {
  if (mode === 'iptables') return iptablesTracer(node);
  if (mode === 'userspace') return userspaceTracer(node, target);
  if (mode === 'ipvs') return ipvsTracer(node, target);
  return nftTracer(node, target);
}
