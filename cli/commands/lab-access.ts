// Commands that reach into the lab: exec (a pod's network namespace), ssh (a
// node or the outside client) and logs (a pod's output); rules and trace
// (rules.ts, trace.ts) use the same LabShell. They talk to a LabShell (cli/lab/shell.ts), picked by the
// provider `minik up` recorded in the config: namespaces on this machine
// (netns) or Vagrant VMs (vagrant), so no command branches on the provider.

import { labLayout } from '../../api/layout.ts';
import type { Pod } from '../../api/types.ts';
import type { LabShell, PodRef } from '../lab/shell.ts';
import { namespaceOf, NAMESPACE_OPTION, stringOption, UsageError, type CommandContext, type CommandModule } from './types.ts';

const CLIENT = 'client';

function spawnWith(ctx: CommandContext): (argv: string[]) => Promise<number> {
  if (!ctx.io.spawnInherited) throw new Error('this command needs a terminal to run commands in');
  return ctx.io.spawnInherited;
}

/** The lab's shell for the configured provider; the Vagrant one loads only when used. */
export async function labShell(ctx: CommandContext): Promise<LabShell> {
  const config = await ctx.config();
  // Looked up at call time: `logs` on a netns lab reads a file and needs no terminal.
  const spawn = (argv: string[]) => spawnWith(ctx)(argv);
  const loginShell = ctx.io.env.SHELL || '/bin/bash';
  if (config.provider === 'vagrant') {
    const { findVagrantDir, knownNodeCount, readVagrantRecord, vagrantLabFiles } = await import('../lab/vagrant.ts');
    const { vagrantShell } = await import('../lab/vagrant-shell.ts');
    const dir = findVagrantDir({ env: ctx.io.env, selfArgv: ctx.io.selfArgv, cwd: process.cwd() });
    const files = vagrantLabFiles(dir, ctx.io.env);
    return vagrantShell({ dir, nodes: knownNodeCount(files), spawn, loginShell, libvirt: readVagrantRecord(files)?.libvirt });
  }
  const { netnsShell } = await import('../lab/shell.ts');
  return netnsShell(labLayout(config.lab), { spawn, readFile: ctx.io.readFile, out: ctx.io.out, loginShell });
}

async function podRef(ctx: CommandContext, name: string | undefined, namespace: string): Promise<PodRef> {
  if (!name) throw new UsageError('a pod name is required');
  const pod = await (await ctx.client()).get<Pod>('Pod', namespace, name);
  if (!pod.spec.nodeName) throw new Error(`pod "${name}" is not scheduled on a node yet`);
  return { node: pod.spec.nodeName, namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name };
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
    const pod = await podRef(ctx, args[0], namespaceOf(options));
    return (await labShell(ctx)).inPod(pod, passthrough);
  },
};

/** `minik ssh NODE|client [-- CMD...]`: on a lab node or the outside client; a shell without CMD. */
export const sshCommand: CommandModule = {
  name: 'ssh',
  args: '<target>',
  description: 'Run a command (or a shell) on a lab node or on the outside client (vagrant: client is this host)',
  examples: ['ssh node1 -- ip route', 'ssh client -- curl -s http://192.168.77.11:30080/'],
  async run(ctx, { args, passthrough }) {
    const target = args[0];
    if (!target) throw new UsageError('name a node (node1, ...) or "client"');
    if (target !== CLIENT) await (await ctx.client()).get('Node', undefined, target);
    const shell = await labShell(ctx);
    return target === CLIENT ? shell.onClient(passthrough) : shell.onNode(target, passthrough);
  },
};

/** `minik logs POD`: what the pod's process wrote (kept by its node's agent). */
export const logsCommand: CommandModule = {
  name: 'logs',
  args: '<pod>',
  description: "Print a pod's output",
  options: [NAMESPACE_OPTION, { flags: '--tail <lines>', description: 'only the last N lines' }],
  async run(ctx, { args, options }) {
    const raw = stringOption(options, 'tail');
    const tail = raw === undefined ? undefined : Number(raw);
    if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new UsageError(`--tail must be a whole number, got "${raw}"`);
    const pod = await podRef(ctx, args[0], namespaceOf(options));
    return (await labShell(ctx)).podLog(pod, tail);
  },
};
