// Whether this host can run a proxy mode at all: the registry's own check
// (the one `minik up` and `minik agent` refuse with), so a suite skipped
// here says exactly why.

import { realExec } from '../../api/exec/exec.ts';
import { proxyModeProblem } from '../../agent/proxy/registry.ts';

export async function modeUnavailable(mode: string): Promise<string | undefined> {
  const problem = await proxyModeProblem(mode, realExec);
  return problem ? `${mode}: ${problem}` : undefined;
}
