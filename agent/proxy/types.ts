// The contract between the proxy front end (agent/proxy/index.ts) and each
// mode (nftables/, iptables/, ipvs/, userspace/). A mode is a back end of the
// same ProxyModel: it never sees Services or Endpoints, never decides which
// endpoints went away (the ChangeTracker does), and never flushes conntrack
// (conntrack/ does, for every mode). See README.md in this folder.

import type { Exec } from '../../api/exec/exec.ts';
import type { ProxyMode } from '../../api/layout.ts';
import type { ServicePortChange } from './changes.ts';
import type { ProxyModel } from './model.ts';

export type { ProxyMode };

/** What a mode needs from this host; checked before anything is created. */
export interface ModeRequirements {
  /** Kernel modules, each with a file that exists once it is loaded or built in (e.g. `/proc/net/ip_vs`). */
  kernelModules?: { name: string; probe: string }[];
  /** Executables, each with the Debian package that ships it. */
  commands?: { name: string; package: string }[];
}

/** Everything a mode may use on its node. */
export interface ModeContext {
  nodeName: string;
  nodeIp: string;
  serviceCidr: string;
  clusterCidr: string;
  podCIDR: string;
  /** The agent's state directory (userspace writes its listener table here for `minik rules`). */
  stateDir: string;
  /** Runs commands in the agent's own (the node's) network namespace. */
  exec: Exec;
  /** --ipvs-scheduler (ipvs mode only; default rr). */
  ipvsScheduler?: string;
  log(line: string): void;
}

/** What the front end hands a mode on every sync. */
export interface ModeSyncInput {
  model: ProxyModel;
  /** Service ports that differ from the last successful sync (all of them on the first sync). */
  changed: ServicePortChange[];
  /** True on the first sync of this agent: the mode must (re)build all of its state. */
  first: boolean;
}

export interface ModeSyncResult {
  kind: 'full' | 'partial' | 'unchanged';
  /** Why a full sync happened: start, drift, periodic, retry-after-error... */
  reason?: string;
  /** Operations (rules, elements, virtual servers...) the applied batch held. */
  operations: number;
  durationMs: number;
}

/** A running mode on one node. Calls to sync are serialized by the front end. */
export interface ModeProxier {
  sync(input: ModeSyncInput): Promise<ModeSyncResult>;
  /** Stops background work; leaves the data plane in place (pods keep working across agent restarts). */
  close(): Promise<void>;
}

export interface RulesOptions {
  /** Narrow the listing to this service's path (`name` or `namespace/name`). */
  service?: string;
  /** The agent's state directory on this node. */
  stateDir: string;
}

/** One mode as the registry knows it. */
export interface ProxyModeBackend {
  name: ProxyMode;
  /** Builds the mode on this node (after the requirements were checked and other modes cleaned up). */
  create(ctx: ModeContext): Promise<ModeProxier>;
  /** Removes every trace of this mode on this node. Idempotent: nothing there is success. */
  cleanup(exec: Exec): Promise<void>;
  /** This mode's real state on this node, as text for `minik rules` (read back from the kernel, not from memory). */
  rules(exec: Exec, options: RulesOptions): Promise<string>;
}

/** A mode that cannot run here, or that does not exist. Mapped to one line at the edge. */
export class ProxyModeError extends Error {
  readonly code = 'PROXY_MODE_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'ProxyModeError';
  }
}
