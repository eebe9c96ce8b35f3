// The part of the proxy front end's mode contract (agent/proxy/types.ts on
// the `modes` branch) that ipvs mode implements, mirrored here until both
// meet on main; then mode.ts imports ../types.ts and this file goes.

import type { Exec } from '../../../api/exec/exec.ts';
import type { IpvsSyncInput, IpvsSyncResult } from './proxier.ts';

export interface ModeContext {
  nodeName: string;
  nodeIp: string;
  serviceCidr: string;
  clusterCidr: string;
  podCIDR: string;
  stateDir: string;
  exec: Exec;
  /** --ipvs-scheduler (ipvs mode only); default rr. */
  ipvsScheduler?: string;
  log(line: string): void;
}

export interface ModeProxier {
  sync(input: IpvsSyncInput): Promise<IpvsSyncResult>;
  close(): Promise<void>;
}

export interface ProxyModeBackend {
  name: 'ipvs';
  create(ctx: ModeContext): Promise<ModeProxier>;
  cleanup(exec: Exec): Promise<void>;
  rules(exec: Exec, options: { service?: string; stateDir: string }): Promise<string>;
}
