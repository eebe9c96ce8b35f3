// Commands that reach into the lab's network namespaces: exec (a pod's),
// ssh (a node's or the outside client's), logs (a pod's output file) and
// rules (a node's nftables table). They find the lab by name from the config.

import { labLayout, podLogPath, podNetnsName } from '../../api/layout.ts';
import type { Pod } from '../../api/types.ts';
import { namespaceOf, NAMESPACE_OPTION, stringOption, UsageError, type CommandContext, type CommandModule } from './types.ts';

const CLIENT = 'client';

function spawnWith(ctx: CommandContext): (argv: string[]) => Promise<number> {
  if (!ctx.io.spawnInherited) throw new Error('this command needs a terminal to run commands in');
  return ctx.io.spawnInherited;
}

async function podAndLab(ctx: CommandContext, name: string | undefined, namespace: string) {
  if (!name) throw new UsageError('a pod name is required');
  const [config, client] = [await ctx.config(), await ctx.client()];
  const pod = await client.get<Pod>('Pod', namespace, name);
  if (!pod.spec.nodeName) throw new Error(`pod "${name}" is not scheduled on a node yet`);
  return { pod, node: pod.spec.nodeName, lab: labLayout(config.lab) };
}

/** `minik exec POD -- CMD...`: inside the pod's network namespace (with its resolv.conf). */
export const execCommand: CommandModule = {
  name: 'exec',
  args: '<pod>',
  description: "Run a command in a pod's network namespace",
  options: [NAMESPACE_OPTION],
  examples: ['exec web-0 -- curl -s http://web.default.svc.cluster.local/'],
  async run(ctx, { args, options, passthrough }) {
    if (passthrough.length === 0) throw new UsageError('give the command after --, e.g. minik exec web-0 -- ip addr');
    const { pod, node, lab } = await podAndLab(ctx, args[0], namespaceOf(options));
    const netns = podNetnsName(lab.nodeNetns(node), pod.metadata.namespace ?? 'default', pod.metadata.name);
    return spawnWith(ctx)(['ip', 'netns', 'exec', netns, ...passthrough]);
  },
};

/** `minik ssh NODE|client [-- CMD...]`: on a lab node or the outside client; a shell without CMD. */
export const sshCommand: CommandModule = {
  name: 'ssh',
  args: '<target>',
  description: 'Run a command (or a shell) on a lab node or on the outside client',
  examples: ['ssh node1 -- ip route', 'ssh client -- curl -s http://192.168.77.11:30080/'],
  async run(ctx, { args, passthrough }) {
    const target = args[0];
    if (!target) throw new UsageError('name a node (node1, ...) or "client"');
    const lab = labLayout((await ctx.config()).lab);
    if (target !== CLIENT) await (await ctx.client()).get('Node', undefined, target);
    const netns = target === CLIENT ? lab.clientNetns : lab.nodeNetns(target);
    const argv = passthrough.length ? passthrough : [ctx.io.env.SHELL || '/bin/bash'];
    return spawnWith(ctx)(['ip', 'netns', 'exec', netns, ...argv]);
  },
};

/** `minik logs POD`: what the pod's process wrote (kept by its node's agent). */
export const logsCommand: CommandModule = {
  name: 'logs',
  args: '<pod>',
  description: "Print a pod's output",
  options: [NAMESPACE_OPTION, { flags: '--tail <lines>', description: 'only the last N lines' }],
  async run(ctx, { args, options }) {
    const { pod, node, lab } = await podAndLab(ctx, args[0], namespaceOf(options));
    const path = podLogPath(lab.nodeStateDir(node), pod.metadata.namespace ?? 'default', pod.metadata.name);
    let text: string;
    try {
      text = await ctx.io.readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no output recorded for pod "${pod.metadata.name}" yet (${path})`);
      throw err;
    }
    const tail = stringOption(options, 'tail');
    if (tail !== undefined) {
      const n = Number(tail);
      if (!Number.isInteger(n) || n < 0) throw new UsageError(`--tail must be a whole number, got "${tail}"`);
      const lines = text.replace(/\n$/, '').split('\n');
      text = n === 0 ? '' : `${lines.slice(-n).join('\n')}\n`;
    }
    ctx.io.out(text);
  },
};

/** `minik rules [--node NODE]`: the `ip minik` table the node's agent programmed. */
export const rulesCommand: CommandModule = {
  name: 'rules',
  description: "Print the data plane a node has programmed (its nftables table)",
  options: [{ flags: '--node <node>', description: 'the node (default: the first node)' }],
  async run(ctx, { options }) {
    const client = await ctx.client();
    const lab = labLayout((await ctx.config()).lab);
    let node = stringOption(options, 'node');
    if (node) await client.get('Node', undefined, node);
    else node = (await client.list('Node')).items.map((n) => n.metadata.name).sort()[0];
    if (!node) throw new Error('the cluster has no nodes');
    return spawnWith(ctx)(['ip', 'netns', 'exec', lab.nodeNetns(node), 'nft', 'list', 'table', 'ip', 'minik']);
  },
};
