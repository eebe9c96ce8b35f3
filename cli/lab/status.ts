// What a lab has right now: its namespaces and host link, and which of its
// daemons run. Read-only; `minik status` adds the nodes' Ready conditions.

import { labLayout, type LabLayout } from '../../api/layout.ts';
import { readLabRecord, type LabRecord } from './config.ts';
import { pidFileDaemons, type DaemonControl, type DaemonStatus } from './daemons.ts';
import type { Exec } from '../../api/exec/exec.ts';
import { assertLabName } from './lan.ts';
import { inspectLab, planLab, type LabNetState } from './netns.ts';
import { agentDaemonName, APISERVER_DAEMON } from './specs.ts';

export interface LabStatus {
  name: string;
  /** anything of the lab exists: record, namespaces, host link or daemons */
  exists: boolean;
  record?: LabRecord;
  network: LabNetState;
  /** namespaces the record says the lab should have but that are gone */
  missingNamespaces: string[];
  daemons: DaemonStatus[];
  /** everything the record promises exists and runs */
  healthy: boolean;
}

export async function labStatus(
  name: string,
  deps: { exec: Exec; labsRoot?: string; daemons?: (layout: LabLayout) => DaemonControl },
): Promise<LabStatus> {
  assertLabName(name);
  const layout = labLayout(name, deps.labsRoot);
  const daemons = (deps.daemons ?? ((l) => pidFileDaemons(l)))(layout);
  const record = readLabRecord(layout);
  const network = await inspectLab(name, deps.exec);

  const plan = record ? planLab({ name, lan: record.lan, nodes: record.nodes }) : undefined;
  const expectedNamespaces = plan?.namespaces ?? [];
  const expectedDaemons = plan ? [APISERVER_DAEMON, ...plan.nodes.map(agentDaemonName)] : [];
  const names = [...new Set([...expectedDaemons, ...daemons.list()])];
  const daemonStatus = names.map((n) => daemons.status(n));
  const missingNamespaces = expectedNamespaces.filter((ns) => !network.namespaces.includes(ns));

  return {
    name,
    exists: record !== undefined || network.namespaces.length > 0 || network.hostLink || daemonStatus.length > 0,
    record,
    network,
    missingNamespaces,
    daemons: daemonStatus,
    healthy: record !== undefined && missingNamespaces.length === 0 && network.hostLink && daemonStatus.every((d) => d.running),
  };
}
