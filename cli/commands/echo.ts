// `minik echo`: the built-in echo workload, started by the agent in pods
// with image "echo". Runs until SIGTERM/SIGINT.

import type { CommandModule } from './types.ts';
import { listOption, stringOption } from './types.ts';

export const echoCommand: CommandModule = {
  name: 'echo',
  description: 'Run the built-in echo workload (HTTP and UDP on every port; used by pods with image "echo")',
  options: [
    { flags: '--port <port>', description: 'Port serving HTTP over TCP and echo over UDP (repeatable)', repeatable: true },
    { flags: '--udp-port <port>', description: 'A port declared UDP (served over TCP too) (repeatable)', repeatable: true },
    { flags: '--host <address>', description: 'address to bind (default 0.0.0.0)' },
  ],
  async run(ctx, input) {
    const { runEchoFromArgs } = await import('../../agent/echo/main.ts');
    const argv = [
      ...listOption(input.options, 'port').flatMap((p) => ['--port', p]),
      ...listOption(input.options, 'udpPort').flatMap((p) => ['--udp-port', p]),
    ];
    const host = stringOption(input.options, 'host');
    if (host) argv.push('--host', host);
    // Signals reach this command through io.untilSignal, not through the server.
    const noSignals = { once: () => noSignals, off: () => noSignals } as unknown as Pick<NodeJS.Process, 'once' | 'off'>;
    const server = await runEchoFromArgs(argv, ctx.io.env, noSignals, (line) => ctx.io.out(`${line}\n`));
    ctx.io.out(`echo: serving ${server.ports.map((p) => `${p.port}/${p.protocol}`).join(', ')}\n`);
    await ctx.io.untilSignal();
    await server.close();
    return 0;
  },
};
