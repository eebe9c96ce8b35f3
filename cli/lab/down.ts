// `minik down` for the netns provider: stop every daemon the lab started (pid
// files), kill whatever still runs inside the lab's namespaces (pods), remove
// the namespaces and the host link, and the lab's state. Succeeds when there
// is nothing. Logs stay, so a failed lab can still be read after `down`.

import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { labLayout, type LabLayout } from '../../api/layout.ts';
import { killNetnsProcesses, pidFileDaemons, type DaemonControl } from './daemons.ts';
import type { Exec } from '../../api/exec/exec.ts';
import { assertLabName } from './lan.ts';
import { destroyLab, inspectLab, isLabNetns } from './netns.ts';
import { assertRoot } from './preflight.ts';
import type { Progress } from './progress.ts';

export interface DownOptions {
  name: string;
  labsRoot?: string;
  /** where `ip netns exec` finds per-namespace files (pods' resolv.conf); default /etc/netns */
  etcNetnsDir?: string;
  /** SIGTERM → SIGKILL grace per daemon (default 5 s) */
  graceMs?: number;
}

export interface DownDeps {
  exec: Exec;
  progress: Progress;
  daemons?: (layout: LabLayout) => DaemonControl;
  uid?: () => number;
}

export interface DownResult {
  /** daemons that were running and were stopped */
  stopped: string[];
  /** other processes killed inside the lab's namespaces */
  killed: number;
  /** namespaces and links removed */
  removed: string[];
}

/** The lab's state except logs/: pid files, server data, node state, lab.json. */
function removeLabState(layout: LabLayout): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(layout.dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(layout.dir, entry);
    if (path !== layout.logsDir) rmSync(path, { recursive: true, force: true });
  }
}

/** `/etc/netns/<lab>-*`: per-pod resolv.conf files the lab's agents made. */
function removeEtcNetns(name: string, dir: string): string[] {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir).filter((e) => isLabNetns(name, e));
  } catch {
    return [];
  }
  for (const entry of entries) rmSync(join(dir, entry), { recursive: true, force: true });
  return entries.map((e) => join(dir, e));
}

export async function down(opts: DownOptions, deps: DownDeps): Promise<DownResult> {
  assertLabName(opts.name);
  assertRoot((deps.uid ?? (() => process.getuid?.() ?? 0))(), 'minik down');
  const { exec, progress } = deps;
  const layout = labLayout(opts.name, opts.labsRoot);
  const daemons = (deps.daemons ?? ((l) => pidFileDaemons(l, { graceMs: opts.graceMs })))(layout);

  const stopped = await progress.step(
    `Stopping lab ${opts.name}'s daemons`,
    () => daemons.stopAll(),
    (names) => (names.length ? `Stopped lab ${opts.name}'s ${names.join(', ')}` : `No daemons of lab ${opts.name} were running`),
  );

  const { removed, killed } = await progress.step(
    `Removing lab network ${opts.name}`,
    async () => {
      const { namespaces } = await inspectLab(opts.name, exec);
      const killed = await killNetnsProcesses(namespaces, exec);
      const { removed } = await destroyLab(opts.name, exec);
      removed.push(...removeEtcNetns(opts.name, opts.etcNetnsDir ?? '/etc/netns'));
      return { removed, killed };
    },
    (r) =>
      r.removed.length
        ? `Removed lab ${opts.name}'s ${r.removed.length} namespaces and links${r.killed ? `, killed ${r.killed} leftover processes` : ''}`
        : `No network of lab ${opts.name} was there`,
  );
  removeLabState(layout);
  return { stopped, killed, removed };
}
