// `minik status`: is the apiserver up, and is every node Ready? Exit 0 only
// when there is at least one node and all are Ready, so scripts can wait on it.
// For the lab on this machine it also checks each agent's process: a node
// whose agent is dead is not shown Ready during the seconds before its missed
// heartbeats are noticed, and a node failed on purpose says so.

import type { Node } from '../../api/types.ts';
import { age } from '../../api/columns/age.ts';
import { nodeInternalIp, nodeStatus } from '../../api/columns/columns.ts';
import { formatTable } from '../output/table.ts';
import type { CommandContext, CommandModule } from './types.ts';

/** What the lab's run/ directory says about a node's agent. */
export interface AgentLiveness {
  running: boolean;
  pid?: number;
  /** failed on purpose with minik node stop */
  stopped: boolean;
}

/** A row per node: the API's status, overruled when the agent is known dead. Pure. */
export function statusRows(nodes: Node[], now: Date, liveness?: Map<string, AgentLiveness>): { headers: string[]; rows: string[][]; notReady: string[] } {
  const notReady: string[] = [];
  const rows = nodes.map((n) => {
    const name = n.metadata.name;
    const live = liveness?.get(name);
    let status = nodeStatus(n);
    if (live && !live.running && status.startsWith('Ready')) status = status.replace(/^Ready/, 'NotReady');
    if (!status.startsWith('Ready')) notReady.push(name);
    const row = [name, status, nodeInternalIp(n) ?? '<none>', n.spec?.podCIDR || '<none>', age(n.metadata.creationTimestamp, now)];
    if (liveness) row.push(!live ? '<unknown>' : live.stopped ? `stopped (minik node start ${name})` : live.running ? `running (pid ${live.pid})` : 'not running (minik up restarts it)');
    return row;
  });
  const headers = ['NODE', 'STATUS', 'INTERNAL-IP', 'POD-CIDR', 'AGE', ...(liveness ? ['AGENT'] : [])];
  return { headers, rows, notReady };
}

/** Agent liveness when the configured server is the netns lab on this machine; undefined otherwise. */
async function localLiveness(ctx: CommandContext, nodes: Node[]): Promise<Map<string, AgentLiveness> | undefined> {
  const config = await ctx.config();
  if (config.provider === 'vagrant') return undefined;
  const { labLayout } = await import('../../api/layout.ts');
  const { readLabRecord } = await import('../lab/config.ts');
  const { localServerUrl, agentDaemonName } = await import('../lab/specs.ts');
  const layout = labLayout(config.lab);
  const record = readLabRecord(layout);
  if (!record || localServerUrl(record.apiPort) !== config.server.replace(/\/+$/, '')) return undefined;
  const { pidFileDaemons } = await import('../lab/daemons.ts');
  const { isNodeStopped } = await import('../lab/node-control.ts');
  const daemons = pidFileDaemons(layout);
  return new Map(
    nodes.map((n) => {
      const s = daemons.status(agentDaemonName(n.metadata.name));
      return [n.metadata.name, { running: s.running, pid: s.pid, stopped: isNodeStopped(layout, n.metadata.name) }];
    }),
  );
}

export const statusCommand: CommandModule = {
  name: 'status',
  description: 'Show the apiserver and node readiness (exit 0 only when every node is Ready)',
  examples: ['status', 'until minik status >/dev/null; do sleep 1; done'],
  async run(ctx) {
    const client = await ctx.client();
    await client.healthz();
    ctx.io.out(`apiserver: ${client.server} (ok)\n`);
    const nodes = (await client.list<Node>('Node')).items;
    if (nodes.length === 0) {
      ctx.io.err('no nodes have registered yet\n');
      return 1;
    }
    const { headers, rows, notReady } = statusRows(nodes, ctx.io.now(), await localLiveness(ctx, nodes));
    ctx.io.out(formatTable(headers, rows));
    if (notReady.length) {
      ctx.io.err(`not ready: ${notReady.join(', ')}\n`);
      return 1;
    }
    return 0;
  },
};
