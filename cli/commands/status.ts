// `minik status`: is the apiserver up, and is every node Ready? Exit 0 only
// when there is at least one node and all are Ready, so scripts can wait on it.

import type { Node } from '../../api/types.ts';
import { age } from '../output/age.ts';
import { nodeInternalIp, nodeStatus } from '../output/columns.ts';
import { formatTable } from '../output/table.ts';
import type { CommandModule } from './types.ts';

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
    const now = ctx.io.now();
    const rows = nodes.map((n) => [n.metadata.name, nodeStatus(n), nodeInternalIp(n) ?? '<none>', n.spec?.podCIDR || '<none>', age(n.metadata.creationTimestamp, now)]);
    ctx.io.out(formatTable(['NODE', 'STATUS', 'INTERNAL-IP', 'POD-CIDR', 'AGE'], rows));
    const notReady = nodes.filter((n) => !nodeStatus(n).startsWith('Ready')).map((n) => n.metadata.name);
    if (notReady.length) {
      ctx.io.err(`not ready: ${notReady.join(', ')}\n`);
      return 1;
    }
    return 0;
  },
};
