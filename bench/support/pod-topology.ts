// Three throwaway namespaces for the mode benchmarks, shaped like a pod
// talking to a service through its node:
//
//   POD (10.244.1.2) ── veth ── NODE (forwarding; the proxy mode runs here) ── veth ── BACKEND (10.244.200.2 … .11)
//
// Traffic from the pod crosses the node's prerouting/forward path, where
// every mode does its work; the floor is the same connection to a backend
// address with no service rules. BACKEND serves a one-byte TCP answer on
// FIRST_PACKET_PORT (tcp-probe.ts) and HTTP on HTTP_PORT (http-backend.ts).

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const POD_IP = '10.244.1.2';
export const BACKEND_IPS = Array.from({ length: 10 }, (_, i) => `10.244.200.${i + 2}`);
export const NODE_BACKEND_SIDE = '10.244.200.1';
export const NODE_POD_SIDE = '10.244.1.1';
export const FIRST_PACKET_PORT = 9090;
export const HTTP_PORT = 8080;

const SUPPORT = import.meta.dirname;
const sh = (...a: string[]) => execFileSync(a[0], a.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

export interface PodTopology {
  pod: string;
  node: string;
  backend: string;
  /** Runs argv in a namespace and returns stdout. */
  run(netns: string, argv: string[]): string;
  destroy(): void;
}

export function createPodTopology(prefix: string): PodTopology {
  const [pod, node, backend] = [`${prefix}-p`, `${prefix}-n`, `${prefix}-b`];
  const servers: ChildProcess[] = [];
  const destroy = () => {
    for (const s of servers) s.kill();
    for (const ns of [pod, node, backend]) {
      try {
        sh('ip', 'netns', 'del', ns);
      } catch {}
    }
  };
  try {
    for (const ns of [pod, node, backend]) sh('ip', 'netns', 'add', ns);
    sh('ip', '-n', pod, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'pod0', 'netns', node);
    sh('ip', '-n', backend, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'backend0', 'netns', node);
    sh('ip', '-n', pod, 'addr', 'add', `${POD_IP}/24`, 'dev', 'eth0');
    sh('ip', '-n', node, 'addr', 'add', `${NODE_POD_SIDE}/24`, 'dev', 'pod0');
    sh('ip', '-n', node, 'addr', 'add', `${NODE_BACKEND_SIDE}/24`, 'dev', 'backend0');
    for (const ip of BACKEND_IPS) sh('ip', '-n', backend, 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
    for (const [ns, dev] of [[pod, 'eth0'], [node, 'pod0'], [node, 'backend0'], [backend, 'eth0']]) sh('ip', '-n', ns, 'link', 'set', dev, 'up');
    for (const ns of [pod, node, backend]) sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
    // Default routes inside our own namespaces only: the host's routes are never touched.
    sh('ip', '-n', pod, 'route', 'add', 'default', 'via', NODE_POD_SIDE);
    sh('ip', '-n', backend, 'route', 'add', 'default', 'via', NODE_BACKEND_SIDE);
    sh('ip', 'netns', 'exec', node, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    const inBackend = (script: string, port: number, ...args: string[]) =>
      spawn('nsenter', [`--net=/run/netns/${backend}`, process.execPath, '--import', 'tsx', join(SUPPORT, script), ...args, String(port)], { stdio: 'ignore' });
    servers.push(inBackend('tcp-probe.ts', FIRST_PACKET_PORT, 'serve'));
    servers.push(inBackend('http-backend.ts', HTTP_PORT));
  } catch (err) {
    destroy();
    throw err;
  }
  return {
    pod,
    node,
    backend,
    run: (netns, argv) => execFileSync('nsenter', [`--net=/run/netns/${netns}`, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }).toString(),
    destroy,
  };
}
