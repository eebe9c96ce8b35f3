// The agent's LoadBalancer part: from the watched Services, Endpoints and
// Nodes, which LB IPs this node must hold (election.ts), and the Announcer
// that makes it so. Runs beside the agent's sync loop rather than in it: a
// failing `ip addr` must neither stall the data plane nor be forgotten, so
// it keeps the newest wanted state and retries it on its own.

import type { Endpoints, Node, Service } from '../../api/types.ts';
import { type Exec, realExec } from '../../api/exec/exec.ts';
import { Announcer } from './announcer.ts';
import { desiredAddresses } from './election.ts';

export const RETRY_MS = 1000;

export interface LoadBalancerState {
  services: Service[];
  endpoints: Endpoints[];
  nodes: Node[];
}

export interface LoadBalancerAnnouncerOptions {
  nodeName: string;
  nodeIp: string;
  log(line: string): void;
  exec?: Exec;
  /** Skip discovery of the node-network interface. */
  iface?: string;
  retryMs?: number;
}

export interface LoadBalancerAnnouncer {
  /** Takes the newest cluster state; returns at once, applying happens in the background. `force` re-reads the kernel (drift). */
  update(state: LoadBalancerState, options?: { force?: boolean }): void;
  /** Resolves when everything handed to update() so far has been applied or has failed once. */
  idle(): Promise<void>;
  /** The LB IPs this node holds now. */
  holding(): string[];
  /** Stops, and removes every LB address this node owns. */
  close(): Promise<void>;
}

export function createLoadBalancerAnnouncer(options: LoadBalancerAnnouncerOptions): LoadBalancerAnnouncer {
  const announcer = new Announcer({ nodeIp: options.nodeIp, exec: options.exec ?? realExec, log: options.log, iface: options.iface });
  let wanted: string[] | undefined;
  let force = false;
  let running: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  let lastError = '';

  function kick(): void {
    if (running || closed || wanted === undefined) return;
    running = (async () => {
      while (wanted !== undefined && !closed) {
        const target = wanted;
        const forced = force;
        wanted = undefined;
        force = false;
        try {
          await announcer.sync(target, { force: forced });
          lastError = '';
        } catch (err) {
          const message = (err as Error).message;
          if (message !== lastError) options.log(`lb: ${message} (retrying every ${options.retryMs ?? RETRY_MS} ms)`);
          lastError = message;
          // Retry this state unless a newer one arrived meanwhile.
          if (wanted === undefined) {
            wanted = target;
            force = true;
          }
          if (!retry && !closed) retry = setTimeout(() => ((retry = undefined), kick()), options.retryMs ?? RETRY_MS);
          break;
        }
      }
      running = undefined;
    })();
  }

  return {
    update(state, { force: forceThis = false } = {}) {
      wanted = desiredAddresses(state.services, state.endpoints, state.nodes, options.nodeName);
      force ||= forceThis;
      kick();
    },
    async idle() {
      while (running) await running;
    },
    holding: () => announcer.holding(),
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await running;
      try {
        await announcer.releaseAll();
      } catch (err) {
        options.log(`lb: releasing addresses: ${(err as Error).message}`);
      }
    },
  };
}
