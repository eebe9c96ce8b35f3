// `minik rules [--node NODE] [--service NAME]`: the data plane a node has
// programmed, in its proxy mode's own terms (the nft table; iptables-save of
// minik's chains; ipvsadm -Ln plus the helper table; the userspace proxy's
// listener table). It reads the node's kernel, not the agent's memory: the
// CLI runs `minik rules --local` on the node (its namespace, or its VM),
// which asks the mode's back end (agent/proxy/registry.ts).

import { labLayout } from '../../api/layout.ts';
import type { Node } from '../../api/types.ts';
import { stringOption, UsageError, type CommandContext, type CommandModule } from './types.ts';

/** Where a Vagrant VM keeps the minik binary (vagrant/provision.sh). */
export const VM_MINIK = '/usr/local/bin/minik';

export interface NodeTarget {
  node: string;
  mode: string;
}

/** The node asked for (default: the first by name) and the proxy mode its agent registered with. */
export async function nodeTarget(ctx: CommandContext, requested?: string): Promise<NodeTarget> {
  const client = await ctx.client();
  let node: Node | undefined;
  if (requested) node = await client.get<Node>('Node', undefined, requested);
  else node = (await client.list<Node>('Node')).items.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))[0];
  if (!node) throw new Error('the cluster has no nodes');
  return { node: node.metadata.name, mode: node.status?.nodeInfo?.proxyMode || 'nftables' };
}

/** How to run minik on a lab node, and where that node's agent keeps its state. */
export async function onNodeMinik(ctx: CommandContext, node: string): Promise<{ argv: string[]; stateDir: string }> {
  const config = await ctx.config();
  if (config.provider === 'vagrant') {
    const { vmAgentStateDir } = await import('../lab/vagrant.ts');
    return { argv: [VM_MINIK], stateDir: vmAgentStateDir(node) };
  }
  return { argv: ctx.io.selfArgv, stateDir: labLayout(config.lab).nodeStateDir(node) };
}

export const rulesCommand: CommandModule = {
  name: 'rules',
  description: "Print the data plane a node has programmed, in its proxy mode's terms",
  options: [
    { flags: '--node <node>', description: 'the node (default: the first node)' },
    { flags: '--service <name>', description: "only this service's path (NAME or NAMESPACE/NAME)" },
    { flags: '--local', description: 'read this machine/namespace directly (what the CLI runs on the node)' },
    { flags: '--mode <mode>', description: 'with --local: the proxy mode to read' },
    { flags: '--state-dir <dir>', description: "with --local: the agent's state directory" },
  ],
  examples: ['rules --node node2', 'rules --service web'],
  async run(ctx, { options }) {
    const service = stringOption(options, 'service');
    if (options.local) {
      const mode = stringOption(options, 'mode');
      if (!mode) throw new UsageError('--local needs --mode');
      const { loadProxyMode } = await import('../../agent/proxy/registry.ts');
      const { realExec } = await import('../../api/exec/exec.ts');
      const backend = await loadProxyMode(mode);
      ctx.io.out(`# proxy mode ${mode}\n` + (await backend.rules(realExec, { service, stateDir: stringOption(options, 'stateDir') ?? '' })));
      return 0;
    }
    const target = await nodeTarget(ctx, stringOption(options, 'node'));
    const { argv, stateDir } = await onNodeMinik(ctx, target.node);
    const { labShell } = await import('./lab-access.ts');
    const local = [...argv, 'rules', '--local', '--mode', target.mode, '--state-dir', stateDir, ...(service ? ['--service', service] : [])];
    return (await labShell(ctx)).onNode(target.node, local, { root: true });
  },
};
