// `minik agent`: the node daemon's command (the CLI wires the agent; the agent knows nothing of the CLI).

import { ApiError } from '../../api/errors.ts';
import { daemonOptions, type CommandModule } from './types.ts';
import { AGENT_FLAGS, agentOptions } from '../../agent/options.ts';

export const agentCommand: CommandModule = {
  name: 'agent',
  description: 'Run the node agent (pods, routes, proxy, DNS) in this network namespace',
  options: daemonOptions(AGENT_FLAGS),
  async run(ctx, input) {
    const options = agentOptions(input.options, ctx.io.env);
    // A mode this host cannot run is refused before anything is registered or created.
    const { assertProxyModeAvailable } = await import('../../agent/proxy/registry.ts');
    const { realExec } = await import('../../api/exec/exec.ts');
    await assertProxyModeAvailable(options.proxyMode, realExec);
    const { startAgent } = await import('../../agent/agent.ts');
    const log = (line: string) => ctx.io.out(`${new Date().toISOString()} ${line}\n`);
    const agent = await startAgent(options, { minikArgv: ctx.io.selfArgv, log }).catch((err: Error) => {
      // An API error here comes from registering: say so plainly, not as "Error from server".
      if (err instanceof ApiError) throw new Error(`node ${options.nodeName} cannot register with ${options.grpcServer}: ${err.message}`);
      throw err;
    });
    // A fatal error (the watch stopped for good, the pod CIDR moved) ends the
    // agent with one line and a non-zero status, so its supervisor restarts it.
    const ended = await Promise.race([ctx.io.untilSignal().then((signal) => ({ signal })), agent.fatal.then((error) => ({ error }))]);
    if ('error' in ended) {
      await agent.close();
      throw new Error(ended.error.message);
    }
    log(`${ended.signal}: stopping (pods keep running)`);
    await agent.close();
    return 0;
  },
};
