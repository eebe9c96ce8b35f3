// Failing a node on purpose and bringing it back (`minik node stop|start`):
// its agent stopped and its LAN link (eth0 in the node's namespace) down, as
// when a machine loses power or its cable. The pods' processes keep running
// but nothing reaches them; the apiserver marks the node NotReady after three
// missed heartbeats, its pods' addresses move to notReadyAddresses and another
// node takes over its LoadBalancer IPs. A marker file in the lab's run/
// directory records the choice, so `minik status` can say "stopped" and
// `minik up` brings the node back.

import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabLayout } from '../../api/layout.ts';
import { readLabRecord, type LabRecord } from './config.ts';
import type { DaemonControl, DaemonStatus } from './daemons.ts';
import { LabError } from './errors.ts';
import type { Exec } from '../../api/exec/exec.ts';
import { parseLan } from './lan.ts';
import { planLab } from './netns.ts';
import { agentDaemonName, agentSpec } from './specs.ts';

export const stoppedMarker = (layout: LabLayout, node: string) => join(layout.runDir, `${node}.stopped`);
export const isNodeStopped = (layout: LabLayout, node: string) => existsSync(stoppedMarker(layout, node));

export interface NodeControlDeps {
  exec: Exec;
  daemons: DaemonControl;
  /** Stops one daemon (SIGTERM, then SIGKILL); true when it was running. */
  stopDaemon(name: string): Promise<boolean>;
}

function labOf(layout: LabLayout, node: string): { record: LabRecord; index: number } {
  const record = readLabRecord(layout);
  if (!record) throw new LabError('LAB_NOT_FOUND', `no lab at ${layout.dir}: start one with minik up`);
  const index = planLab({ name: record.name, lan: record.lan, nodes: record.nodes }).nodes.indexOf(node);
  if (index < 0) throw new LabError('LAB_INVALID_OPTION', `lab ${record.name} has no node "${node}" (it has node1..node${record.nodes})`);
  return { record, index };
}

const linkArgv = (layout: LabLayout, node: string, state: 'up' | 'down') => ['ip', '-n', layout.nodeNetns(node), 'link', 'set', 'dev', 'eth0', state];

export async function stopNode(layout: LabLayout, node: string, deps: NodeControlDeps): Promise<{ agentWasRunning: boolean }> {
  labOf(layout, node);
  const agentWasRunning = await deps.stopDaemon(agentDaemonName(node));
  await deps.exec.run(linkArgv(layout, node, 'down'));
  writeFileSync(stoppedMarker(layout, node), `${new Date().toISOString()}\n`);
  return { agentWasRunning };
}

/** Link up, marker gone; the agent is started unless it runs. */
export async function startNode(layout: LabLayout, node: string, minikArgv: string[], deps: NodeControlDeps): Promise<DaemonStatus & { started: boolean }> {
  const { record, index } = labOf(layout, node);
  await deps.exec.run(linkArgv(layout, node, 'up'));
  rmSync(stoppedMarker(layout, node), { force: true });
  const status = deps.daemons.status(agentDaemonName(node));
  if (status.running) return { ...status, started: false };
  const started = await deps.daemons.start(agentSpec(layout, parseLan(record.lan), record.apiPort, node, index, record.proxyMode, minikArgv));
  return { ...started, started: true };
}

/** For `minik up`: every stopped node's link comes back up (its agent is then started like any missing one). */
export async function unstopNodes(layout: LabLayout, nodes: string[], exec: Exec): Promise<string[]> {
  const back: string[] = [];
  for (const node of nodes) {
    if (!isNodeStopped(layout, node)) continue;
    await exec.run(linkArgv(layout, node, 'up'));
    rmSync(stoppedMarker(layout, node), { force: true });
    back.push(node);
  }
  return back;
}
