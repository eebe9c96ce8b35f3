// The proxy front end: the agent's data plane behind one small interface,
// whatever the mode. Given the watched Services, Endpoints and Nodes it
// builds the one ProxyModel, asks the change tracker what changed, hands both
// to the mode, and flushes the conntrack entries of UDP endpoints that went
// away. Modes come from the registry (registry.ts).

import { realExec, type Exec } from '../../api/exec/exec.ts';
import type { ProxyMode } from '../../api/layout.ts';
import type { Endpoints, Node, Service } from '../../api/types.ts';
import { ChangeTracker } from './changes.ts';
import { flushStaleUdp } from './conntrack/conntrack.ts';
import { createProxyModelBuilder } from './model.ts';
import { assertProxyModeAvailable, cleanupOtherModes, loadProxyMode } from './registry.ts';

export { ProxyModeError } from './types.ts';
export { assertProxyModeAvailable, proxyModeProblem } from './registry.ts';

export interface ProxyState {
  services: Service[];
  endpoints: Endpoints[];
  nodes: Node[];
}

export interface Proxier {
  sync(state: ProxyState): Promise<void>;
  close(): Promise<void>;
}

export interface ProxierOptions {
  /** --ipvs-scheduler (ipvs mode only). */
  ipvsScheduler?: string;
  nodeName: string;
  nodeIp: string;
  serviceCidr: string;
  clusterCidr: string;
  podCIDR: string;
  /** The agent's state directory (default: no file-backed state). */
  stateDir?: string;
  /** Default: commands run in the agent's own network namespace. */
  exec?: Exec;
  log(line: string): void;
}

/**
 * Checks the host (again: `minik agent` checks before registering), removes
 * every other mode's state, then builds `mode`. Throws ProxyModeError when
 * the mode cannot run here.
 */
export async function createProxier(mode: ProxyMode, options: ProxierOptions): Promise<Proxier> {
  const exec = options.exec ?? realExec;
  await assertProxyModeAvailable(mode, exec);
  const backend = await loadProxyMode(mode);
  await cleanupOtherModes(mode, exec, options.log);
  const proxier = await backend.create({
    nodeName: options.nodeName,
    nodeIp: options.nodeIp,
    serviceCidr: options.serviceCidr,
    clusterCidr: options.clusterCidr,
    podCIDR: options.podCIDR,
    stateDir: options.stateDir ?? '',
    exec,
    ipvsScheduler: options.ipvsScheduler,
    log: options.log,
  });
  // Reuses the model of every Service whose objects did not change.
  const buildModel = createProxyModelBuilder();
  const tracker = new ChangeTracker();
  let queue: Promise<unknown> = Promise.resolve();

  async function syncNow(state: ProxyState): Promise<void> {
    const model = buildModel({
      services: state.services,
      endpoints: state.endpoints,
      nodes: state.nodes,
      node: options.nodeName,
      clusterCidr: options.clusterCidr,
      serviceCidr: options.serviceCidr,
    });
    const change = tracker.next(model);
    const result = await proxier.sync({ model, changed: change.changed, first: change.first });
    tracker.commit(model);
    if (result.kind === 'full') options.log(`${mode}: full sync (${result.reason}), ${result.operations} operations in ${result.durationMs.toFixed(0)} ms`);
    if (change.staleUdp.length) await flushStaleUdp(exec, change.staleUdp, options.log);
  }

  return {
    sync(state) {
      const run = queue.then(() => syncNow(state));
      queue = run.catch(() => {});
      return run;
    },
    close: () => proxier.close(),
  };
}
