// Before a lab is built: root, and the commands the lab and its agents run.
// Missing commands are installed with apt when we can (like scripts/deps.sh,
// which a single binary cannot ship), otherwise refused with one clear line.

import { LabError } from './errors.ts';
import type { Exec } from '../../api/exec/exec.ts';
import type { Progress } from './progress.ts';

/** command → Debian package */
export const REQUIRED_COMMANDS: Record<string, string> = {
  ip: 'iproute2',
  nft: 'nftables',
  nsenter: 'util-linux',
  sysctl: 'procps',
};

/**
 * Refuses a proxy mode this host cannot run, before the lab is built: its
 * commands are installed like the lab's own, then the registry's check
 * (kernel modules, commands) runs here, where the netns lab's agents will run.
 */
export async function ensureProxyMode(exec: Exec, progress: Progress, mode: string): Promise<void> {
  const { assertProxyModeAvailable, modeCommands } = await import('../../agent/proxy/registry.ts');
  await ensureCommands(exec, progress, modeCommands(mode));
  await assertProxyModeAvailable(mode, exec);
}

export function assertRoot(uid: number, what: string): void {
  if (uid !== 0) {
    throw new LabError('LAB_NOT_ROOT', `${what} needs root to create network namespaces: run it with sudo`);
  }
}

/** Commands of `commands` that cannot be run (exit 127 / ENOENT). */
export async function missingCommands(exec: Exec, commands: string[]): Promise<string[]> {
  const results = await Promise.all(commands.map((cmd) => exec.run(['sh', '-c', `command -v ${cmd}`], { allowFailure: true })));
  return commands.filter((_, i) => results[i].code !== 0);
}

export async function ensureCommands(exec: Exec, progress: Progress, commands = REQUIRED_COMMANDS): Promise<void> {
  let missing = await missingCommands(exec, Object.keys(commands));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((c) => commands[c]))];
  const haveApt = (await exec.run(['sh', '-c', 'command -v apt-get'], { allowFailure: true })).code === 0;
  if (haveApt) {
    await progress.step(`Installing ${packages.join(' ')}`, async () => {
      const env = ['env', 'DEBIAN_FRONTEND=noninteractive'];
      await exec.run([...env, 'apt-get', 'update', '-qq'], { allowFailure: true });
      await exec.run([...env, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages], { allowFailure: true });
    });
    missing = await missingCommands(exec, missing);
  }
  if (missing.length > 0) {
    const list = missing.map((c) => `${c} (${commands[c]})`).join(', ');
    throw new LabError('LAB_MISSING_COMMANDS', `minik needs ${list} and could not install them: install them and retry`);
  }
}
