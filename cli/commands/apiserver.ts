// `minik apiserver`: the daemon's command (REST over HTTPS, gRPC over TLS). Flags come from APISERVER_FLAGS
// (each with its MINIK_* fallback); it runs until the process is asked to stop.

import { daemonOptions, type CommandModule } from './types.ts';
import { APISERVER_FLAGS, apiserverOptions } from '../../apiserver/options.ts';

export const apiserverCommand: CommandModule = {
  name: 'apiserver',
  description: 'Run the API server (REST + gRPC watch)',
  options: daemonOptions(APISERVER_FLAGS),
  async run(ctx, input) {
    const options = apiserverOptions(input.options, ctx.io.env);
    const { startApiserver } = await import('../../apiserver/server.ts');
    const server = await startApiserver(options);
    ctx.io.out(`minik apiserver: REST on ${server.urls.join(', ')}; gRPC on ${server.grpcAddresses.join(', ')}; data in ${options.dataDir}\n`);
    if (server.tlsIssued !== 'none') {
      ctx.io.out(`minik apiserver: issued ${server.tlsIssued === 'ca' ? 'a new CA and ' : ''}a serving certificate for its addresses; CA in ${server.caFile}\n`);
    }
    ctx.io.out(
      `minik apiserver: to use it: export MINIK_SERVER=${server.urls[0]} MINIK_TOKEN=$(cat ${options.tokenFile}) MINIK_CA_FILE=${server.caFile}\n`,
    );
    const signal = await ctx.io.untilSignal();
    ctx.io.out(`minik apiserver: ${signal}, shutting down\n`);
    await server.close();
    return 0;
  },
};
