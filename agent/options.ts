// `minik agent` flags, each with its MINIK_* environment fallback.

import { parseHostPort, resolveFlags, type FlagSpec } from '../api/flags.ts';
import { isIPv4 } from '../api/ip.ts';
import { CLUSTER, DEFAULT_API_PORT, DEFAULT_PROXY_MODE, PROXY_MODES, type ProxyMode } from '../api/layout.ts';
import { DEFAULT_SCHEDULER, SCHEDULERS, type Scheduler } from './proxy/ipvs/names.ts';

export { PROXY_MODES, type ProxyMode };

export const AGENT_FLAGS: readonly FlagSpec[] = [
  { name: 'server', description: 'apiserver REST URL', default: `https://127.0.0.1:${DEFAULT_API_PORT}` },
  { name: 'ca-file', description: "the apiserver's CA certificate (DATA_DIR/ca.crt on the server); default: the system's roots" },
  { name: 'grpc-server', description: 'apiserver gRPC address (default: the --server host, port + 1)' },
  { name: 'token', description: 'bearer token' },
  { name: 'token-file', description: 'file holding the bearer token' },
  { name: 'node-name', description: 'name of this node (required)' },
  { name: 'node-ip', description: "this node's address on the node network (required; never guessed)" },
  { name: 'proxy-mode', description: PROXY_MODES.join(' | '), default: DEFAULT_PROXY_MODE },
  { name: 'state-dir', description: 'pod leases, pid files and logs (default /var/lib/minik/agent-NODE)' },
  { name: 'netns-prefix', description: "prefix of pod network namespaces (default minik-NODE)" },
  { name: 'service-cidr', description: 'range of ClusterIPs', default: CLUSTER.serviceCidr },
  { name: 'cluster-cidr', description: 'range of pod addresses', default: CLUSTER.clusterCidr },
  { name: 'ipvs-scheduler', description: `IPVS scheduler in proxy mode ipvs: ${SCHEDULERS.join(' | ')}`, default: DEFAULT_SCHEDULER },
];

export interface AgentOptions {
  server: string;
  grpcServer: string;
  /** PEM file of the CA the apiserver's certificate must chain to. */
  caFile?: string;
  /** An http:// --server: REST and gRPC without TLS (only a test server speaks that). */
  plaintext: boolean;
  token?: string;
  tokenFile?: string;
  nodeName: string;
  nodeIp: string;
  proxyMode: ProxyMode;
  stateDir: string;
  netnsPrefix: string;
  serviceCidr: string;
  clusterCidr: string;
  /** --ipvs-scheduler: how ipvs mode picks a real server. */
  ipvsScheduler: Scheduler;
}

export class AgentConfigError extends Error {
  readonly code = 'AGENT_CONFIG';
}

export function agentOptions(given: Record<string, unknown>, env: Record<string, string | undefined>): AgentOptions {
  const f = resolveFlags(AGENT_FLAGS, given, env);
  const nodeName = f['node-name'];
  const nodeIp = f['node-ip'];
  if (!nodeName) throw new AgentConfigError('--node-name is required');
  if (!nodeIp || !isIPv4(nodeIp)) throw new AgentConfigError('--node-ip must be this node\'s IPv4 address on the node network');
  const mode = f['proxy-mode'] as ProxyMode;
  if (!PROXY_MODES.includes(mode)) throw new AgentConfigError(`--proxy-mode must be one of ${PROXY_MODES.join(', ')}, got "${mode}"`);
  const scheduler = f['ipvs-scheduler']!;
  if (!(SCHEDULERS as readonly string[]).includes(scheduler)) throw new AgentConfigError(`--ipvs-scheduler must be one of ${SCHEDULERS.join(', ')}, got "${scheduler}"`);
  if (!f.token && !f['token-file']) throw new AgentConfigError('a token is required: --token or --token-file');
  let url: URL;
  try {
    url = new URL(f.server!);
  } catch {
    throw new AgentConfigError(`--server must be a URL like https://192.168.77.1:6443, got "${f.server}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AgentConfigError(`--server must be an https:// URL, got "${f.server}"`);
  const plaintext = url.protocol === 'http:';
  const restPort = Number(url.port || (plaintext ? 80 : 443));
  const grpcServer = f['grpc-server'] ?? `${url.hostname}:${restPort + 1}`;
  parseHostPort(grpcServer, '--grpc-server');
  return {
    server: f.server!.replace(/\/$/, ''),
    grpcServer,
    caFile: f['ca-file'],
    plaintext,
    token: f.token,
    tokenFile: f['token-file'],
    nodeName,
    nodeIp,
    proxyMode: mode,
    stateDir: f['state-dir'] ?? `/var/lib/minik/agent-${nodeName}`,
    netnsPrefix: f['netns-prefix'] ?? `minik-${nodeName}`,
    serviceCidr: f['service-cidr']!,
    clusterCidr: f['cluster-cidr']!,
    ipvsScheduler: scheduler as Scheduler,
  };
}
