// The agent's LoadBalancer part: from the watched Services, Endpoints and
// Nodes, which LB IPs this node must hold (election.ts), and the Announcer
// that makes it so. Runs beside the agent's sync loop rather than in it: a
// failing `ip addr` must neither stall the data plane nor be forgotten, so
// it keeps the newest wanted state and retries it on its own.
//
// Fast failover (option `probe`): peers.ts pings the other nodes directly,
// so a dead holder is dropped from the candidates within DEAD_AFTER_MS
// instead of the apiserver's 3 s, and a node that finds itself cut off
// drops its addresses. Two rules keep two nodes from answering ARP for one
// IP: releasing is immediate, while a node that only just became a
// candidate (it started, or came back) waits JOIN_HOLD_MS before taking an
// IP, time enough for the current holder to see it alive and let go; and
// the guardian (guardian.ts) flushes the addresses the instant the agent
// dies, even by kill -9.

import type { Endpoints, Node, Service } from '../../api/types.ts';
import { type Exec, realExec } from '../../api/exec/exec.ts';
import { Announcer, ownedLabel } from './announcer.ts';
import { desiredAddresses, eligibleNodes } from './election.ts';
import { startGuardian, type Guardian } from './guardian.ts';
import { PeerProber, type PeerProberOptions } from './peers.ts';

export const RETRY_MS = 1000;
/** A node that just became a candidate waits this long before taking IPs (the holder lets go first). */
export const JOIN_HOLD_MS = 1000;

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
  /** Probe peers directly (fast failover) and guard the addresses against the agent's death. Off: the apiserver's Ready alone decides. */
  probe?: Pick<PeerProberOptions, 'port' | 'intervalMs' | 'deadAfterMs'> & { joinHoldMs?: number };
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
  let lastState: LoadBalancerState | undefined;
  let prober: PeerProber | undefined;
  let guardian: Guardian | undefined;
  let candidateSince: number | undefined;
  let holdTimer: NodeJS.Timeout | undefined;

  if (options.probe) {
    PeerProber.start({ ...options.probe, nodeName: options.nodeName, address: options.nodeIp, log: options.log, onChange: () => lastState && recompute(lastState, false) })
      .then((p) => {
        if (closed) return void p.close();
        prober = p;
        if (lastState) recompute(lastState, false);
      })
      .catch((err: Error) => options.log(`lb: peer probing off (${err.message}); failover waits for the apiserver`));
  }

  function recompute(state: LoadBalancerState, forceThis: boolean): void {
    lastState = state;
    if (prober) {
      prober.setPeers(new Map(state.nodes.map((n) => [n.metadata.name, n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? ''])));
    }
    const down = prober?.down() ?? new Set<string>();
    const nodes = state.nodes.filter((n) => !down.has(n.metadata.name));
    let next = prober?.isolated() ? [] : desiredAddresses(state.services, state.endpoints, nodes, options.nodeName);
    if (options.probe) next = holdNewcomer(next, nodes);
    wanted = next;
    force ||= forceThis;
    kick();
  }

  /** Right after this node became a candidate, keep only what it holds already; retry when the hold is over. */
  function holdNewcomer(next: string[], nodes: LoadBalancerState['nodes']): string[] {
    const candidate = !prober?.isolated() && eligibleNodes(nodes).includes(options.nodeName);
    if (!candidate) {
      candidateSince = undefined;
      return next;
    }
    const now = Date.now();
    candidateSince ??= now;
    const holdMs = options.probe?.joinHoldMs ?? JOIN_HOLD_MS;
    const left = candidateSince + holdMs - now;
    if (left <= 0) return next;
    if (!holdTimer) {
      holdTimer = setTimeout(() => {
        holdTimer = undefined;
        if (lastState && !closed) recompute(lastState, false);
      }, left);
    }
    const held = new Set(announcer.holding());
    return next.filter((ip) => held.has(ip));
  }

  async function guard(): Promise<void> {
    if (guardian || !options.probe || closed) return;
    const iface = await announcer.interface();
    // ARP requests this node sends carry its own IP as sender, never an LB
    // IP: otherwise each one refreshes neighbours' entries for the LB IP, and
    // a refreshed entry ignores the next holder's gratuitous ARP for a second
    // (the kernel's neighbour locktime).
    const arp = await (options.exec ?? realExec).run(['sysctl', '-q', '-w', 'net.ipv4.conf.all.arp_announce=2'], { allowFailure: true });
    if (arp.code !== 0) options.log(`lb: cannot set arp_announce=2: ${arp.stderr.trim()}`);
    guardian = startGuardian(iface, ownedLabel(iface), options.log);
  }

  function kick(): void {
    if (running || closed || wanted === undefined) return;
    running = (async () => {
      while (wanted !== undefined && !closed) {
        const target = wanted;
        const forced = force;
        wanted = undefined;
        force = false;
        try {
          await guard();
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
      recompute(state, forceThis);
    },
    async idle() {
      while (running) await running;
    },
    holding: () => announcer.holding(),
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      if (holdTimer) clearTimeout(holdTimer);
      await prober?.close();
      await running;
      guardian?.stop();
      try {
        await announcer.releaseAll();
      } catch (err) {
        options.log(`lb: releasing addresses: ${(err as Error).message}`);
      }
    },
  };
}
