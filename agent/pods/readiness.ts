// "A pod is Ready when its port answers": a TCP connect to the pod's
// readiness port. The agent runs in the node namespace, so a plain connect
// reaches pod IPs; code running elsewhere (tests in the host namespace) uses
// the command prober through an Exec that enters the node namespace.

import { connect } from 'node:net';
import type { Exec } from '../../api/exec/exec.ts';

export interface Prober {
  tcp(ip: string, port: number): Promise<boolean>;
}

export const tcpProber = (timeoutMs = 1000): Prober => ({
  tcp: (ip, port) =>
    new Promise((resolve) => {
      const socket = connect({ host: ip, port });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(timeoutMs, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    }),
});

/** Connects with bash's /dev/tcp through `exec` (e.g. netnsExec into the node namespace). */
export const commandProber = (exec: Exec, timeoutSeconds = 1): Prober => ({
  tcp: async (ip, port) => {
    const script = 'exec 3<>/dev/tcp/$0/$1';
    const r = await exec.run(['timeout', String(timeoutSeconds), 'bash', '-c', script, ip, String(port)], { allowFailure: true });
    return r.code === 0;
  },
});

/** Scripted answers for unit tests: `ready.add('10.244.1.2:8080')`. */
export class FakeProber implements Prober {
  readonly ready = new Set<string>();
  async tcp(ip: string, port: number) {
    return this.ready.has(`${ip}:${port}`);
  }
}
