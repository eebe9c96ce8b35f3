// The one place proxy modes are registered: name → what it needs from the
// host, how to build it, how to remove its state, how to show it. The
// back ends load lazily, so `minik up` can check a mode without loading any.
//
// Adding a mode: one entry in MODES, and a folder beside this file whose
// mode.ts exports a ProxyModeBackend (see README.md).

import { hasCommand, type Exec } from '../../api/exec/exec.ts';
import { PROXY_MODES, type ProxyMode } from '../../api/layout.ts';
import { ProxyModeError, type ModeRequirements, type ProxyModeBackend } from './types.ts';

interface ModeEntry {
  summary: string;
  requirements: ModeRequirements;
  /** A mode's own host check beyond modules and commands; one line, or undefined when fine. Creates nothing that stays. */
  check?(exec: Exec): Promise<string | undefined>;
  load(): Promise<ProxyModeBackend>;
}

const NFT = { name: 'nft', package: 'nftables' };

export const MODES: Record<ProxyMode, ModeEntry> = {
  nftables: {
    summary: 'one nftables table of verdict maps: constant first-packet cost, element-sized changes',
    requirements: { commands: [NFT] },
    load: async () => (await import('./nftables/mode.ts')).nftablesMode,
  },
  iptables: {
    summary: "kube-proxy's iptables shape (legacy backend): a chain per service and per endpoint, linear lookups",
    requirements: {
      kernelModules: [{ name: 'ip_tables', probe: '/proc/net/ip_tables_names' }],
      commands: [
        { name: 'iptables-legacy-restore', package: 'iptables' },
        { name: 'iptables-legacy-save', package: 'iptables' },
      ],
    },
    load: async () => (await import('./iptables/mode.ts')).iptablesMode,
  },
  ipvs: {
    summary: 'IPVS virtual servers on minik-ipvs0, nftables for masquerade, NodePort matching and reject',
    requirements: {
      kernelModules: [{ name: 'ip_vs', probe: '/proc/net/ip_vs' }],
      commands: [{ name: 'ipvsadm', package: 'ipvsadm' }, NFT],
    },
    // Dummy links are a kernel feature too (this development kernel has none).
    check: async (exec) => (await import('./ipvs/host.ts')).dummyLinkProblem(exec),
    load: async () => (await import('./ipvs/mode.ts')).ipvsMode,
  },
  userspace: {
    summary: 'nftables redirects each service address to a proxy socket in the agent (TCP and UDP, round robin)',
    requirements: { commands: [NFT] },
    load: async () => (await import('./userspace/mode.ts')).userspaceMode,
  },
};

export function isProxyMode(name: string): name is ProxyMode {
  return (PROXY_MODES as readonly string[]).includes(name);
}

function entry(name: string): ModeEntry {
  if (!isProxyMode(name)) throw new ProxyModeError(`unknown proxy mode "${name}": must be one of ${PROXY_MODES.join(', ')}`);
  return MODES[name];
}

export const loadProxyMode = (name: string): Promise<ProxyModeBackend> => entry(name).load();

/** Why `mode` cannot run on the host `exec` reaches, as one line; undefined when it can. Creates nothing but a loaded module. */
export async function proxyModeProblem(name: string, exec: Exec): Promise<string | undefined> {
  const { requirements } = entry(name);
  for (const mod of requirements.kernelModules ?? []) {
    if ((await exec.run(['test', '-e', mod.probe], { allowFailure: true })).code === 0) continue;
    // Not loaded: a module that can be loaded is fine (modprobe is what kube-proxy does too).
    const probe = await exec.run(['modprobe', mod.name], { allowFailure: true });
    if (probe.code === 0 && (await exec.run(['test', '-e', mod.probe], { allowFailure: true })).code === 0) continue;
    const why = probe.code === 127 ? 'modprobe not found' : probe.stderr.trim().split('\n')[0] || `exit status ${probe.code}`;
    return `proxy mode "${name}" needs the ${mod.name} kernel module (modprobe ${mod.name}: ${why})`;
  }
  for (const cmd of requirements.commands ?? []) {
    if (!(await hasCommand(exec, cmd.name))) {
      return `proxy mode "${name}" needs ${cmd.name} (Debian package ${cmd.package}): install it, e.g. with scripts/deps.sh`;
    }
  }
  const own = await entry(name).check?.(exec);
  if (own) return own;
  return undefined;
}

/** Throws ProxyModeError (one line) when `mode` cannot run here. */
export async function assertProxyModeAvailable(name: string, exec: Exec): Promise<void> {
  const problem = await proxyModeProblem(name, exec);
  if (problem) throw new ProxyModeError(problem);
}

/** The commands (→ Debian package) a mode needs, for installers such as `minik up`'s preflight. */
export function modeCommands(name: string): Record<string, string> {
  return Object.fromEntries((entry(name).requirements.commands ?? []).map((c) => [c.name, c.package]));
}

/**
 * Removes the state of every mode but `keep` (kube-proxy's cleanup at start),
 * so switching modes never leaves two data planes. A mode whose tools are
 * missing here cannot have left state here, and is skipped.
 */
export async function cleanupOtherModes(keep: ProxyMode | undefined, exec: Exec, log: (line: string) => void): Promise<ProxyMode[]> {
  const cleaned: ProxyMode[] = [];
  for (const name of PROXY_MODES) {
    if (name === keep) continue;
    let backend: ProxyModeBackend;
    try {
      backend = await MODES[name].load();
    } catch (err) {
      if (err instanceof ProxyModeError) continue; // not built in: it made nothing
      throw err;
    }
    await backend.cleanup(exec);
    cleaned.push(name);
  }
  if (cleaned.length) log(`proxy: removed any state of modes ${cleaned.join(', ')}`);
  return cleaned;
}
