// `minik node stop|start NODE`: fail a node on purpose and bring it back
// (cli/lab/node-control.ts does the work), so failover, NotReady endpoints
// and LoadBalancer takeover can be watched: `minik get events -w` in another
// terminal shows them as they happen.

import { labLayout } from '../../api/layout.ts';
import type { CommandContext, CommandModule } from './types.ts';
import { stringOption, UsageError } from './types.ts';

const NAME_OPTION = { flags: '--name <lab>', description: 'Lab name (default: the lab in ~/.minik/config)' };

async function nodeDeps(ctx: CommandContext, options: Record<string, unknown>) {
  const config = await ctx.config();
  if (config.provider === 'vagrant') throw new UsageError('minik node stop|start drives the netns lab; for the Vagrant lab use vagrant halt NODE / vagrant up NODE');
  const layout = labLayout(stringOption(options, 'name') ?? config.lab);
  const { realExec } = await import('../../api/exec/exec.ts');
  const { pidFileDaemons, pidFilePath, stop } = await import('../lab/daemons.ts');
  return {
    layout,
    config,
    deps: { exec: realExec, daemons: pidFileDaemons(layout), stopDaemon: (name: string) => stop(pidFilePath(layout, name)) },
  };
}

export const nodeStopCommand: CommandModule = {
  name: 'node stop',
  args: '<node>',
  description: 'Fail a node on purpose: stop its agent and take its LAN link down (minik node start brings it back)',
  options: [NAME_OPTION],
  examples: ['node stop node1', 'get events -w   # in another terminal, to watch what follows'],
  async run(ctx, { args, options }) {
    const node = args[0];
    const { layout, deps } = await nodeDeps(ctx, options);
    const { stopNode } = await import('../lab/node-control.ts');
    const { agentWasRunning } = await stopNode(layout, node, deps);
    ctx.io.out(
      `node/${node} stopped: agent ${agentWasRunning ? 'stopped' : 'was not running'}, link eth0 down. ` +
        `The apiserver marks it NotReady after 3 missed heartbeats (~3 s); minik node start ${node} brings it back.\n`,
    );
    return 0;
  },
};

export const nodeStartCommand: CommandModule = {
  name: 'node start',
  args: '<node>',
  description: 'Bring a stopped node back: link up, agent started, wait until Ready',
  options: [NAME_OPTION, { flags: '--timeout <seconds>', description: 'How long to wait for Ready', default: 30 }],
  examples: ['node start node1'],
  async run(ctx, { args, options }) {
    const node = args[0];
    const { layout, deps, config } = await nodeDeps(ctx, options);
    const { startNode } = await import('../lab/node-control.ts');
    const began = Date.now();
    const status = await startNode(layout, node, ctx.io.selfArgv, deps);
    const timeout = Number(stringOption(options, 'timeout') ?? 30);
    if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`invalid --timeout "${stringOption(options, 'timeout')}": seconds, more than 0`);
    const { waitForNodesReady } = await import('../lab/ready.ts');
    // The lab's apiserver speaks HTTPS with its own CA (beside the token in its data dir).
    const { caFilePath } = await import('../lab/config.ts');
    await waitForNodesReady(config.server, config.token ?? '', [node], timeout * 1000, { caFile: caFilePath(layout) });
    const what = status.started ? `agent started (pid ${status.pid})` : `agent was already running (pid ${status.pid})`;
    ctx.io.out(`node/${node} started: link eth0 up, ${what}; Ready in ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
    return 0;
  },
};
