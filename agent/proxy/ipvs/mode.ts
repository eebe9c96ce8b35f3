// The ipvs mode as the proxy front end's registry sees it.

import type { Exec } from '../../../api/exec/exec.ts';
import type { ProxyModeBackend } from '../types.ts';
import { IpvsError, cleanupIpvs, ipvsHostProblem } from './host.ts';
import { DEFAULT_SCHEDULER, SCHEDULERS, type Scheduler } from './names.ts';
import { IpvsProxier } from './proxier.ts';
import { ipvsRules } from './show.ts';

export { ipvsHostProblem } from './host.ts';
export { ipvsTrace } from './show.ts';

export function parseScheduler(name: string | undefined): Scheduler {
  const s = name ?? DEFAULT_SCHEDULER;
  if (!(SCHEDULERS as readonly string[]).includes(s)) throw new IpvsError('IPVS_UNAVAILABLE', `--ipvs-scheduler must be one of ${SCHEDULERS.join(', ')}, got "${s}"`);
  return s as Scheduler;
}

export const ipvsMode: ProxyModeBackend = {
  name: 'ipvs',
  async create(ctx) {
    // The registry checked the module and the commands; dummy links are ipvs' own need.
    const problem = await ipvsHostProblem(ctx.exec);
    if (problem) throw new IpvsError('IPVS_UNAVAILABLE', problem);
    const proxier = new IpvsProxier({ exec: ctx.exec, nodeIps: [ctx.nodeIp], scheduler: parseScheduler(ctx.ipvsScheduler) });
    return {
      sync: (input) => proxier.sync(input),
      async close() {},
    };
  },
  cleanup: (exec: Exec) => cleanupIpvs(exec),
  rules: (exec, { service }) => ipvsRules(exec, { service }),
};
