// `minik trace POD|client URL`: makes one connection to URL from a pod or
// the outside client and prints the rules it hit on the node(s) it passed,
// in the proxy mode's own terms (agent/proxy/trace.ts). Netns labs only:
// the tracers run next to the namespaces (a VM lab would run them in-VM).

import { labLayout, podNetnsName } from '../../api/layout.ts';
import type { Node, Pod } from '../../api/types.ts';
import { namespaceOf, NAMESPACE_OPTION, UsageError, type CommandModule } from './types.ts';

export interface TraceRequest {
  ip: string;
  port: number;
  protocol: 'tcp' | 'udp';
  url: string;
}

/** `http://IP[:PORT]/...` (TCP) or `udp://IP:PORT`; the address must be an IPv4 literal. */
export function parseTraceUrl(raw: string): TraceRequest {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`invalid URL "${raw}": give e.g. http://10.96.0.20/ or udp://10.96.0.53:53`);
  }
  const ip = url.hostname;
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) throw new UsageError(`trace needs an IPv4 address in the URL, got "${ip}" (see minik get svc)`);
  const protocol = url.protocol === 'udp:' ? 'udp' : 'tcp';
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  if (protocol === 'udp' && !url.port) throw new UsageError('a udp:// URL needs a port');
  return { ip, port, protocol, url: raw };
}

export const traceCommand: CommandModule = {
  name: 'trace',
  args: '<source> <url>',
  description: 'Make one connection from a pod (or "client") and print the proxy rules it hit, in order',
  options: [NAMESPACE_OPTION],
  examples: ['trace web-0 http://10.96.0.20/', 'trace client http://192.168.77.11:30080/', 'trace web-0 udp://10.96.0.30:53'],
  async run(ctx, { args, options }) {
    const [source, rawUrl] = args;
    if (!source || !rawUrl) throw new UsageError('usage: minik trace POD|client URL');
    const request = parseTraceUrl(rawUrl);
    const config = await ctx.config();
    if (config.provider === 'vagrant') throw new Error('minik trace runs on netns labs only for now (on a VM lab: minik ssh NODE -- nft monitor trace)');
    const layout = labLayout(config.lab);
    const client = await ctx.client();
    const nodes = (await client.list<Node>('Node')).items.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    let fromNetns: string;
    let traced: Node[];
    if (source === 'client') {
      fromNetns = layout.clientNetns;
      traced = nodes; // the address decides which node it enters: trace them all
    } else {
      const pod = await client.get<Pod>('Pod', namespaceOf(options), source);
      if (!pod.spec.nodeName) throw new Error(`pod "${source}" is not scheduled on a node yet`);
      fromNetns = podNetnsName(layout.nodeNetns(pod.spec.nodeName), pod.metadata.namespace ?? 'default', pod.metadata.name);
      traced = nodes.filter((n) => n.metadata.name === pod.spec.nodeName);
    }
    const { realExec, netnsExec } = await import('../../api/exec/exec.ts');
    const { startTrace } = await import('../../agent/proxy/trace.ts');
    const tracers = [];
    for (const n of traced) {
      const name = n.metadata.name;
      const mode = n.status?.nodeInfo?.proxyMode || 'nftables';
      const netns = layout.nodeNetns(name);
      const node = { exec: netnsExec(realExec, netns), prefix: ['ip', 'netns', 'exec', netns], stateDir: layout.nodeStateDir(name) };
      tracers.push({ name, mode, tracer: await startTrace(mode, node, request) });
    }
    const connect =
      request.protocol === 'udp'
        ? ['sh', '-c', `echo trace | socat -T 2 - UDP4:${request.ip}:${request.port}`]
        : ['curl', '-s', '-m', '3', request.url];
    const answer = await realExec.run(['ip', 'netns', 'exec', fromNetns, ...connect], { allowFailure: true });
    ctx.io.out(`connection: ${source} -> ${request.url} (${request.protocol})\n`);
    ctx.io.out(answer.code === 0 && answer.stdout.trim() ? `answer: ${answer.stdout.trim()}\n` : `no answer (exit ${answer.code}) ${answer.stderr.trim()}\n`);
    let hits = 0;
    for (const t of tracers) {
      const lines = await t.tracer.stop();
      if (lines.length === 0 && source === 'client') continue;
      hits += lines.length;
      ctx.io.out(`\n${t.name} (proxy mode ${t.mode}):\n${lines.length ? lines.map((l) => `  ${l}`).join('\n') : '  (no minik rule hit)'}\n`);
    }
    if (hits === 0 && source === 'client') ctx.io.out('\nno node recorded a minik rule for this connection\n');
    return answer.code === 0 ? 0 : 1;
  },
};
