// Where the programming latency goes (bench/programming-latency.ts --breakdown):
// a watcher on the host timestamps when the apiserver delivers each Service
// and its first non-empty Endpoints, and `nft monitor` in every node
// namespace timestamps when that node's agent added the service's
// "no endpoints: reject" element and its DNAT element. Times are wall-clock
// ms taken when the line or event reaches this process.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Endpoints } from '../../api/types.ts';
import { watch, type WatchHandle } from '../../api/watch-client.ts';
import { wallClockMs } from './prober-protocol.ts';

export interface ServiceTrace {
  /** the Service's ADDED event reached a watcher */
  watchService?: number;
  /** its Endpoints with at least one ready address reached a watcher */
  watchEndpoints?: number;
  /** per node: when its nft table got the reject element and the DNAT (service-ips) element */
  nodes: { reject?: number; dnat?: number }[];
}

export type MonitorEvent = { service: string; stage: 'reject' | 'dnat' };

/**
 * One line of `nft monitor` → which service's stage it shows, for the two
 * elements the minik compiler adds per service port (names from
 * agent/proxy/nftables/names.ts; comment `ns/name:port`).
 */
export function parseMonitorLine(line: string): MonitorEvent | undefined {
  const m = /^add element ip minik (no-endpoint-services|service-ips) \{ .* comment "([^"/]+\/[^":]+):\d+" : goto /.exec(line);
  if (!m) return undefined;
  return { service: m[2], stage: m[1] === 'service-ips' ? 'dnat' : 'reject' };
}

export interface ProgrammingTracer {
  trace(namespacedName: string): ServiceTrace;
  close(): Promise<void>;
}

export function startProgrammingTracer(opts: { grpcAddress: string; token: string; ca?: string; nodeNetns: string[] }): ProgrammingTracer {
  const traces = new Map<string, ServiceTrace>();
  const get = (key: string) => {
    let t = traces.get(key);
    if (!t) traces.set(key, (t = { nodes: opts.nodeNetns.map(() => ({})) }));
    return t;
  };
  const handle: WatchHandle = watch({
    address: opts.grpcAddress,
    token: opts.token,
    ca: opts.ca,
    kinds: ['Service', 'Endpoints'],
    onEvent(event) {
      const at = wallClockMs();
      const key = `${event.object.metadata.namespace}/${event.object.metadata.name}`;
      if (event.kind === 'Service' && event.type === 'ADDED') get(key).watchService ??= at;
      if (event.kind === 'Endpoints' && event.type !== 'DELETED') {
        const ready = (event.object as Endpoints).subsets?.some((s) => (s.addresses ?? []).length > 0);
        if (ready) get(key).watchEndpoints ??= at;
      }
    },
  });
  // stdbuf: nft prints with stdio, which a pipe would otherwise buffer.
  const monitors: ChildProcess[] = opts.nodeNetns.map((netns, n) => {
    const child = spawn('nsenter', [`--net=/run/netns/${netns}`, 'stdbuf', '-oL', 'nft', 'monitor'], { stdio: ['ignore', 'pipe', 'ignore'] });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = parseMonitorLine(line);
      if (event) get(event.service).nodes[n][event.stage] ??= wallClockMs();
    });
    return child;
  });
  return {
    trace: (key) => get(key),
    async close() {
      handle.close();
      await Promise.all(
        monitors.map((m) =>
          m.exitCode !== null || m.signalCode !== null ? undefined : new Promise<void>((resolve) => (m.once('exit', () => resolve()), m.kill('SIGKILL'))),
        ),
      );
    },
  };
}
