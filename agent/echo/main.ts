// The hidden `minik echo` subcommand: parses its flags and environment, then
// runs the echo server until SIGTERM/SIGINT. The CLI wires this in; it takes
// plain arguments so a test can call it without spawning.
//
//   minik echo --port 8080 [--port 8081] [--udp-port 53] [--host 0.0.0.0]
//   env: MINIK_POD, MINIK_NAMESPACE, MINIK_NODE, MINIK_POD_IP

import { parseArgs } from 'node:util';
import { type EchoPort, type EchoServer, startEcho } from './server.ts';

export class EchoUsageError extends Error {
  readonly code = 'ECHO_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'EchoUsageError';
  }
}

function parsePort(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 0 || n > 65535) throw new EchoUsageError(`${flag}: invalid port "${text}" (0-65535)`);
  return n;
}

export interface EchoArgs {
  ports: EchoPort[];
  host: string;
  pod: string;
  namespace: string;
  node: string;
  podIP: string;
}

export function parseEchoArgs(argv: string[], env: Record<string, string | undefined>): EchoArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', multiple: true },
        'udp-port': { type: 'string', multiple: true },
        host: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new EchoUsageError((err as Error).message);
  }
  const ports: EchoPort[] = [
    ...(values.port ?? []).map((p) => ({ port: parsePort(p, '--port'), protocol: 'TCP' as const })),
    ...(values['udp-port'] ?? []).map((p) => ({ port: parsePort(p, '--udp-port'), protocol: 'UDP' as const })),
  ];
  if (ports.length === 0) throw new EchoUsageError('echo needs at least one --port or --udp-port');
  return {
    ports,
    host: values.host ?? '0.0.0.0',
    pod: env.MINIK_POD ?? '',
    namespace: env.MINIK_NAMESPACE ?? '',
    node: env.MINIK_NODE ?? '',
    podIP: env.MINIK_POD_IP ?? '',
  };
}

/**
 * Starts the server and resolves once it is listening; the returned handle's
 * `done` settles when a signal closed it. The caller (CLI) keeps the process.
 */
export async function runEchoFromArgs(
  argv: string[],
  env: Record<string, string | undefined>,
  signals: Pick<NodeJS.Process, 'once' | 'off'> = process,
  log?: (line: string) => void,
): Promise<EchoServer & { done: Promise<void> }> {
  const args = parseEchoArgs(argv, env);
  const server = await startEcho({ ...args, log });
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const stop = () => {
    signals.off('SIGTERM', stop);
    signals.off('SIGINT', stop);
    void server.close().then(finish);
  };
  signals.once('SIGTERM', stop);
  signals.once('SIGINT', stop);
  return {
    ports: server.ports,
    done,
    close: async () => {
      stop();
      await done;
    },
  };
}

/** The argv that runs the echo server for a pod's container ports, given how to invoke minik. */
export function echoArgv(minikArgv: string[], ports: EchoPort[]): string[] {
  const flags = ports.flatMap((p) => (p.protocol === 'UDP' ? ['--udp-port', String(p.port)] : ['--port', String(p.port)]));
  return [...minikArgv, 'echo', ...flags];
}
