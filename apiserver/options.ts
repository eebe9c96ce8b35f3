// `minik apiserver` flags, each with its MINIK_* environment fallback.

import { parseHostPort, resolveFlags, type FlagSpec } from '../api/flags.ts';
import { dirname } from 'node:path';
import { CLUSTER, DEFAULT_API_PORT } from '../api/layout.ts';

export const APISERVER_FLAGS: readonly FlagSpec[] = [
  { name: 'data-dir', description: 'where objects and allocations are stored', default: '/var/lib/minik/server' },
  { name: 'listen', description: 'REST address (HOST:PORT)', default: `127.0.0.1:${DEFAULT_API_PORT}` },
  { name: 'extra-listen', description: 'more REST addresses, comma-separated (gRPC on PORT+1 of each)' },
  { name: 'grpc-listen', description: 'gRPC address (default: the --listen host, port + 1)' },
  { name: 'service-cidr', description: 'range of ClusterIPs', default: CLUSTER.serviceCidr },
  { name: 'service-node-port-range', description: 'range of NodePorts', default: CLUSTER.nodePortRange },
  { name: 'cluster-cidr', description: 'range the per-node pod CIDRs come from', default: CLUSTER.clusterCidr },
  { name: 'lb-pool', description: 'LoadBalancer addresses (FIRST-LAST or CIDR)', default: CLUSTER.lbPool },
  { name: 'token-file', description: 'bearer token file (default DATA_DIR/token; generated when absent)' },
  { name: 'node-state-root', description: "where agents keep pod logs, NODE/pods/... (default: the lab's nodes dir beside DATA_DIR)" },
];

export interface ApiserverOptions {
  dataDir: string;
  /** REST addresses; gRPC listens on the matching entry of grpcListen. */
  listen: { host: string; port: number }[];
  grpcListen: { host: string; port: number }[];
  serviceCidr: string;
  nodePortRange: string;
  clusterCidr: string;
  lbPool: string;
  tokenFile: string;
  /** Agents' state dirs by node name, read by `pods/{name}/log`. */
  nodeStateRoot?: string;
}

export function apiserverOptions(given: Record<string, unknown>, env: Record<string, string | undefined>): ApiserverOptions {
  const f = resolveFlags(APISERVER_FLAGS, given, env);
  const dataDir = f['data-dir']!;
  const main = parseHostPort(f.listen!, '--listen');
  const extra = (f['extra-listen'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => parseHostPort(s, '--extra-listen'));
  const grpcMain = f['grpc-listen'] ? parseHostPort(f['grpc-listen'], '--grpc-listen') : { host: main.host, port: main.port ? main.port + 1 : 0 };
  return {
    dataDir,
    listen: [main, ...extra],
    grpcListen: [grpcMain, ...extra.map((e) => ({ host: e.host, port: e.port + 1 }))],
    serviceCidr: f['service-cidr']!,
    nodePortRange: f['service-node-port-range']!,
    clusterCidr: f['cluster-cidr']!,
    lbPool: f['lb-pool']!,
    tokenFile: f['token-file'] ?? `${dataDir}/token`,
    // The lab keeps the server in <lab>/server and node N's agent in <lab>/nodes/N (api/layout.ts).
    nodeStateRoot: f['node-state-root'] ?? `${dirname(dataDir)}/nodes`,
  };
}
