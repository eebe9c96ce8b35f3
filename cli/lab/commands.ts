// `minik up` and `minik down` as CommandModules (cli/commands/types.ts), for
// the registry in cli/commands/index.ts. They only turn flags into UpOptions /
// DownOptions and wire the real side effects; the work is in up.ts / down.ts.
// Heavy modules (ora, the lab itself) load inside `run`, so `minik --help`
// stays fast.

import { DEFAULT_API_PORT, DEFAULT_LAB, DEFAULT_LAB_NODES, DEFAULT_LAN, DEFAULT_PROXY_MODE, isLabProvider, type LabProvider, PROXY_MODES } from '../../api/layout.ts';
import type { CommandContext, CommandModule, Io, OptionSpec } from '../commands/types.ts';
import { stringOption, UsageError } from '../commands/types.ts';
// Type only: ../config.ts loads yaml, which `minik --help` must not.
import { selfArgv } from '../self.ts';
import type { MinikConfig } from './config.ts';
import type { Progress } from './progress.ts';
import type { WaitForReady } from './ready.ts';
import type { VagrantExec } from './vagrant-exec.ts';
import type { VagrantLabFiles } from './vagrant.ts';

const NAME_OPTION: OptionSpec = { flags: '--name <lab>', description: `Lab name, prefix of every namespace and link (default ${DEFAULT_LAB})` };
// No `default`: down must tell "not given" (take the config's provider) from an explicit netns.
const PROVIDER_OPTION: OptionSpec = { flags: '--provider <provider>', description: 'netns (namespaces on this machine, the default) | vagrant (VMs, see docs/vagrant.md)' };

/**
 * A spinner needs a real terminal that reports its width, with colour allowed;
 * anywhere else (pipes, `script`, NO_COLOR, --no-color, tests) plain lines go through io.out.
 */
async function progressFor(ctx: CommandContext): Promise<Progress> {
  const { oraProgress, plainProgress, spinnerAllowed } = await import('./progress.ts');
  const io = ctx.io;
  const terminal = io.terminal?.();
  if (terminal && spinnerAllowed({ ...terminal, env: io.env, noColor: ctx.noColor })) return oraProgress(process.stdout);
  return plainProgress((text) => io.out(text));
}


/** --provider, checked; undefined when the flag is not given. */
function providerFlag(options: Record<string, unknown>): LabProvider | undefined {
  const p = stringOption(options, 'provider');
  if (p === undefined) return undefined;
  if (!isLabProvider(p)) throw new UsageError(`unknown --provider "${p}": use netns or vagrant`);
  return p as LabProvider;
}

function intOption(options: Record<string, unknown>, name: string, fallback: number): number {
  const raw = stringOption(options, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`invalid --${name} "${raw}": expected a whole number`);
  return n;
}

/** Options for tests: where labs live, how to run minik. */
export interface LabCommandEnv {
  labsRoot?: string;
  minikArgv?: () => string[];
  /** the Vagrant provider's side effects (tests: a fake vagrant, no build, no waiting) */
  vagrantExec?: VagrantExec;
  ensureBinary?: (files: VagrantLabFiles) => Promise<string>;
  waitForReady?: WaitForReady;
  cwd?: () => string;
}

async function vagrantFiles(ctx: CommandContext, env: LabCommandEnv): Promise<VagrantLabFiles> {
  const { findVagrantDir, vagrantLabFiles } = await import('./vagrant.ts');
  const selfArgv = env.minikArgv ? env.minikArgv() : ctx.io.selfArgv;
  const dir = findVagrantDir({ env: ctx.io.env, selfArgv, cwd: (env.cwd ?? (() => process.cwd()))() });
  return vagrantLabFiles(dir, ctx.io.env);
}

/**
 * What `up` writes once the apiserver answers: ~/.minik/config, and (unless
 * --no-kubeconfig) the lab's context in $KUBECONFIG or ~/.kube/config, made
 * current as kind does. `announce` says where, after the lab is up.
 */
async function configWriter(ctx: CommandContext, options: Record<string, unknown>) {
  const { writeMinikConfig, minikConfigPath } = await import('./config.ts');
  const { kubeconfigPath, kubeContextName, mergeKubeconfig, updateKubeconfigFile } = await import('./kubeconfig.ts');
  const withKubeconfig = options.kubeconfig !== false;
  const path = kubeconfigPath(ctx.io.env);
  let merged: string | undefined;
  return {
    async write(config: MinikConfig) {
      await writeMinikConfig(config, minikConfigPath(ctx.io.env));
      if (!withKubeconfig || !config.ca) return;
      const lab = { lab: config.lab, server: config.server, token: config.token, caPem: config.ca.pem };
      updateKubeconfigFile(path, (text) => mergeKubeconfig(text, lab, { path, makeCurrent: true }));
      merged = kubeContextName(config.lab);
    },
    announce() {
      if (merged) ctx.io.out(`kubectl: context "${merged}" in ${path} is now current (kubectl get svc -A)\n`);
    },
  };
}

/** `down`: the lab's context goes from the kubeconfig too; every other entry stays. */
async function removeKubeconfigEntry(ctx: CommandContext, lab: string): Promise<void> {
  const { kubeconfigPath, kubeContextName, removeFromKubeconfig, updateKubeconfigFile } = await import('./kubeconfig.ts');
  const path = kubeconfigPath(ctx.io.env);
  let removed = false;
  updateKubeconfigFile(path, (text) => {
    if (text === undefined) return undefined;
    const result = removeFromKubeconfig(text, lab, path);
    removed = result.removed;
    return result.removed ? result.text : undefined;
  });
  if (removed) ctx.io.out(`kubectl: removed context "${kubeContextName(lab)}" from ${path}\n`);
}

/** `up --provider vagrant`: the Vagrantfile's VMs instead of namespaces (cli/lab/vagrant.ts). */
async function upVagrant(ctx: CommandContext, options: Record<string, unknown>, env: LabCommandEnv): Promise<void> {
  if (stringOption(options, 'apiPort') !== undefined) throw new UsageError(`--api-port is for the netns provider: the Vagrant lab serves on ${DEFAULT_API_PORT} of node1`);
  const { vagrantUp } = await import('./vagrant.ts');
  const { realVagrantExec } = await import('./vagrant-exec.ts');
  const { waitForNodesReady } = await import('./ready.ts');
  const config = await configWriter(ctx, options);
  const files = await vagrantFiles(ctx, env);
  await vagrantUp(
    {
      name: stringOption(options, 'name') ?? DEFAULT_LAB,
      nodes: intOption(options, 'nodes', DEFAULT_LAB_NODES),
      proxyMode: stringOption(options, 'proxyMode') ?? DEFAULT_PROXY_MODE,
      lan: stringOption(options, 'lan'),
      files,
    },
    {
      exec: env.vagrantExec ?? realVagrantExec,
      progress: await progressFor(ctx),
      waitForReady: env.waitForReady ?? waitForNodesReady,
      writeConfig: (c) => config.write(c),
      ensureBinary: env.ensureBinary ?? (async (f) => (await import('./vagrant-binary.ts')).ensureVagrantBinary(f)),
      backend: await vagrantBackend(ctx, files, env),
    },
  );
  config.announce();
}

/** minik's own libvirt where the machine has no VirtualBox or libvirt (tests with a fake vagrant get none). */
async function vagrantBackend(ctx: CommandContext, files: VagrantLabFiles, env: LabCommandEnv) {
  if (env.vagrantExec) return undefined;
  const { realBackendDriver } = await import('./vagrant-libvirt.ts');
  const { realVagrantExec } = await import('./vagrant-exec.ts');
  return realBackendDriver({ checkout: files.dir, env: ctx.io.env, exec: realVagrantExec });
}

export function makeUpCommand(env: LabCommandEnv = {}): CommandModule {
  return {
    name: 'up',
    description: 'Start a lab: the apiserver and an agent per node, in network namespaces (needs root) or Vagrant VMs',
    options: [
      // No `default`: a plain `up` on an existing lab keeps its node count without a warning.
      { flags: '--nodes <n>', description: `Number of nodes (default: ${DEFAULT_LAB_NODES}, or the existing lab's count)` },
      { flags: '--proxy-mode <mode>', description: `${PROXY_MODES.join(' | ')} (default: nftables, or the existing lab's mode; a new one restarts its agents)` },
      PROVIDER_OPTION,
      NAME_OPTION,
      { flags: '--lan <cidr>', description: `The lab LAN, a /24 (default ${DEFAULT_LAN}; vagrant: 192.168.56.0/24)` },
      { flags: '--api-port <port>', description: `apiserver port on 127.0.0.1 and the LAN's .1 (default ${DEFAULT_API_PORT}, or the next free)` },
      { flags: '--no-kubeconfig', description: 'Do not merge the context minik-LAB into $KUBECONFIG or ~/.kube/config' },
    ],
    examples: [
      'up',
      'up --nodes 2 --proxy-mode userspace',
      'up --name mk2 --lan 192.168.78.0/24',
      'up --provider vagrant --proxy-mode ipvs',
      'up --no-kubeconfig',
    ],
    async run(ctx: CommandContext, input) {
      if (providerFlag(input.options) === 'vagrant') {
        await upVagrant(ctx, input.options, env);
        return 0;
      }
      const { up } = await import('./up.ts');
      const { realExec } = await import('../../api/exec/exec.ts');
      const { waitForNodesReady } = await import('./ready.ts');
      const config = await configWriter(ctx, input.options);
      const apiPort = stringOption(input.options, 'apiPort') === undefined ? undefined : intOption(input.options, 'apiPort', 0);
      await up(
        {
          name: stringOption(input.options, 'name') ?? DEFAULT_LAB,
          lan: stringOption(input.options, 'lan') ?? DEFAULT_LAN,
          nodes: stringOption(input.options, 'nodes') === undefined ? undefined : intOption(input.options, 'nodes', DEFAULT_LAB_NODES),
          proxyMode: stringOption(input.options, 'proxyMode'),
          minikArgv: (env.minikArgv ?? selfArgv)(),
          apiPort,
          labsRoot: env.labsRoot,
        },
        {
          exec: realExec,
          progress: await progressFor(ctx),
          waitForReady: waitForNodesReady,
          writeConfig: (c) => config.write(c),
        },
      );
      config.announce();
      return 0;
    },
  };
}

export function makeDownCommand(env: LabCommandEnv = {}): CommandModule {
  return {
    name: 'down',
    description: "Stop a lab's daemons and remove its namespaces and host link, or destroy its Vagrant VMs (fine when nothing is there)",
    options: [PROVIDER_OPTION, { ...NAME_OPTION, description: 'Lab name (default: the lab in ~/.minik/config, else minik)' }],
    examples: ['down', 'down --name mk2', 'down --provider vagrant'],
    async run(ctx: CommandContext, input) {
      const flag = providerFlag(input.options);
      const named = stringOption(input.options, 'name');
      const config = flag === undefined || named === undefined ? await ctx.config() : undefined;
      // The config's provider only when the config's lab is the one going down (a named netns lab is never a VM).
      const provider = flag ?? (config && (named === undefined || named === config.lab) ? config.provider : undefined) ?? 'netns';
      if (provider === 'vagrant') {
        const { vagrantDown } = await import('./vagrant.ts');
        const { realVagrantExec } = await import('./vagrant-exec.ts');
        const files = await vagrantFiles(ctx, env);
        await vagrantDown(files, {
          exec: env.vagrantExec ?? realVagrantExec,
          progress: await progressFor(ctx),
          backend: await vagrantBackend(ctx, files, env),
        });
        await removeKubeconfigEntry(ctx, named ?? config?.lab ?? DEFAULT_LAB);
        return 0;
      }
      const { down } = await import('./down.ts');
      const { realExec } = await import('../../api/exec/exec.ts');
      // Without --name: the lab `up` last wrote into the config, so `up --name x; down` pairs up.
      const name = named ?? (config ?? (await ctx.config())).lab;
      await down({ name, labsRoot: env.labsRoot }, { exec: realExec, progress: await progressFor(ctx) });
      await removeKubeconfigEntry(ctx, name);
      return 0;
    },
  };
}

export const upCommand = makeUpCommand();
export const downCommand = makeDownCommand();
