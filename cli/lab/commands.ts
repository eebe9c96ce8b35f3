// `minik up` and `minik down` as CommandModules (cli/commands/types.ts), for
// the registry in cli/commands/index.ts. They only turn flags into UpOptions /
// DownOptions and wire the real side effects; the work is in up.ts / down.ts.
// Heavy modules (ora, the lab itself) load inside `run`, so `minik --help`
// stays fast.

import { DEFAULT_LAB, DEFAULT_LAN } from '../../api/layout.ts';
import type { CommandContext, CommandModule, Io, OptionSpec } from '../commands/types.ts';
import { stringOption, UsageError } from '../commands/types.ts';
import { selfArgv } from '../self.ts';
import type { Progress } from './progress.ts';

const PROVIDERS = ['netns', 'vagrant'];

const NAME_OPTION: OptionSpec = { flags: '--name <lab>', description: `Lab name, prefix of every namespace and link (default ${DEFAULT_LAB})` };
const PROVIDER_OPTION: OptionSpec = { flags: '--provider <provider>', description: 'netns (this machine, default) | vagrant', default: 'netns' };

/** A spinner needs the real terminal; anywhere else (pipes, tests) plain lines go through io.out. */
async function progressFor(io: Io): Promise<Progress> {
  const { oraProgress } = await import('./progress.ts');
  if (process.stdout.isTTY && io.env === process.env) return oraProgress(process.stdout);
  const shim = { write: (text: string) => (io.out(String(text)), true), isTTY: false } as unknown as NodeJS.WriteStream;
  return oraProgress(shim);
}

function provider(options: Record<string, unknown>): void {
  const p = stringOption(options, 'provider') ?? 'netns';
  if (!PROVIDERS.includes(p)) throw new UsageError(`unknown --provider "${p}": use netns or vagrant`);
  if (p === 'vagrant') throw new UsageError('--provider vagrant: run `vagrant up` in the checkout (see the Vagrantfile); minik up drives the netns provider');
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
}

export function makeUpCommand(env: LabCommandEnv = {}): CommandModule {
  return {
    name: 'up',
    description: 'Start a lab: one network namespace per node, the apiserver and an agent per node (needs root)',
    options: [
      { flags: '--nodes <n>', description: 'Number of nodes', default: 3 },
      { flags: '--proxy-mode <mode>', description: 'nftables | ipvs | userspace', default: 'nftables' },
      PROVIDER_OPTION,
      NAME_OPTION,
      { flags: '--lan <cidr>', description: `The lab LAN, a /24 (default ${DEFAULT_LAN})` },
      { flags: '--api-port <port>', description: "apiserver port on 127.0.0.1 and the LAN's .1 (default 6443, or the next free)" },
    ],
    examples: ['up', 'up --nodes 2 --proxy-mode userspace', 'up --name mk2 --lan 192.168.78.0/24'],
    async run(ctx: CommandContext, input) {
      provider(input.options);
      const { up } = await import('./up.ts');
      const { realExec } = await import('./exec.ts');
      const { waitForNodesReady } = await import('./ready.ts');
      const { writeMinikConfig, minikConfigPath } = await import('./config.ts');
      const apiPort = stringOption(input.options, 'apiPort') === undefined ? undefined : intOption(input.options, 'apiPort', 0);
      await up(
        {
          name: stringOption(input.options, 'name') ?? DEFAULT_LAB,
          lan: stringOption(input.options, 'lan') ?? DEFAULT_LAN,
          nodes: intOption(input.options, 'nodes', 3),
          proxyMode: stringOption(input.options, 'proxyMode') ?? 'nftables',
          minikArgv: (env.minikArgv ?? selfArgv)(),
          apiPort,
          labsRoot: env.labsRoot,
        },
        {
          exec: realExec,
          progress: await progressFor(ctx.io),
          waitForReady: waitForNodesReady,
          writeConfig: (config) => writeMinikConfig(config, minikConfigPath(ctx.io.env)),
        },
      );
      return 0;
    },
  };
}

export function makeDownCommand(env: LabCommandEnv = {}): CommandModule {
  return {
    name: 'down',
    description: "Stop a lab's daemons and remove its namespaces and host link (needs root; fine when nothing is there)",
    options: [PROVIDER_OPTION, { ...NAME_OPTION, description: 'Lab name (default: the lab in ~/.minik/config, else minik)' }],
    examples: ['down', 'down --name mk2'],
    async run(ctx: CommandContext, input) {
      provider(input.options);
      const { down } = await import('./down.ts');
      const { realExec } = await import('./exec.ts');
      // Without --name: the lab `up` last wrote into the config, so `up --name x; down` pairs up.
      const name = stringOption(input.options, 'name') ?? (await ctx.config()).lab;
      await down({ name, labsRoot: env.labsRoot }, { exec: realExec, progress: await progressFor(ctx.io) });
      return 0;
    },
  };
}

export const upCommand = makeUpCommand();
export const downCommand = makeDownCommand();
