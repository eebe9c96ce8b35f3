// Names and paths that more than one role must agree on: where a lab keeps
// its state, how its namespaces and links are called, where a pod's network
// namespace and log live. One place, so the lab, the agent and the CLI never
// drift apart.

export const DEFAULT_LAB = 'minik';
export const DEFAULT_LAN = '192.168.77.0/24';
export const LABS_ROOT = '/var/lib/minik/labs';
/** The CA certificate's name in the apiserver's data dir: made there at first start, handed to agents and clients. */
export const SERVER_CA_FILE = 'ca.crt';

/** Lab names prefix interface names (`<lab>-host`), which Linux caps at 15 characters. */
export const LAB_NAME_PATTERN = /^[a-z][a-z0-9]{0,9}$/;

export interface LabLayout {
  name: string;
  dir: string;
  /** pid files of the daemons the lab started */
  runDir: string;
  logsDir: string;
  serverDataDir: string;
  lanNetns: string;
  /** bridge inside the LAN namespace */
  lanBridge: string;
  /** the host's link onto the lab LAN (like a host-only adapter) */
  hostLink: string;
  clientNetns: string;
  nodeNetns(node: string): string;
  nodeStateDir(node: string): string;
}

export function labLayout(name: string, root = LABS_ROOT): LabLayout {
  const dir = `${root}/${name}`;
  return {
    name,
    dir,
    runDir: `${dir}/run`,
    logsDir: `${dir}/logs`,
    serverDataDir: `${dir}/server`,
    lanNetns: `${name}-lan`,
    lanBridge: `${name}-br`,
    hostLink: `${name}-host`,
    clientNetns: `${name}-client`,
    nodeNetns: (node) => `${name}-${node}`,
    nodeStateDir: (node) => `${dir}/nodes/${node}`,
  };
}

/** Node names in a lab: node1, node2, ... */
export const labNodeName = (index: number) => `node${index + 1}`;

/**
 * A pod's network namespace: `<prefix>_<namespace>_<pod>`. The agent's
 * `--netns-prefix` defaults to `minik-<node>`; the lab passes its node
 * namespace name. `_` never occurs in Kubernetes names, so this is unambiguous.
 */
export const podNetnsName = (netnsPrefix: string, namespace: string, pod: string) => `${netnsPrefix}_${namespace}_${pod}`;

/** Where an agent keeps a pod's files (IP lease, output log). */
export const podStateDir = (agentStateDir: string, namespace: string, pod: string) => `${agentStateDir}/pods/${namespace}_${pod}`;
export const podLogPath = (agentStateDir: string, namespace: string, pod: string) =>
  `${podStateDir(agentStateDir, namespace, pod)}/output.log`;

/** Cluster-wide constants of the design. */
export const CLUSTER = {
  serviceCidr: '10.96.0.0/12',
  clusterCidr: '10.244.0.0/16',
  dnsServiceIp: '10.96.0.10',
  nodePortRange: '30000-32767',
  lbPool: '192.168.77.200-192.168.77.250',
  domain: 'cluster.local',
  podBridge: 'minik0',
  nftTable: 'minik',
} as const;

/** Node liveness, shared by the agent (how often it beats) and the apiserver (when it gives up on a node). */
export const HEARTBEAT_INTERVAL_MS = 1000;
/** A node is NotReady after this many missed heartbeats. */
export const MISSED_HEARTBEATS = 3;
/** How often a Ready node's stored status is refreshed with its last heartbeat
 * (kubelet's nodeStatusReportFrequency, shorter for a lab): `describe node`
 * shows a LastHeartbeatTime at most this old, at one Node write per period. */
export const NODE_STATUS_REPORT_MS = 30_000;

/** Where `minik up` builds a lab: network namespaces here, or Vagrant VMs. */
export const LAB_PROVIDERS = ['netns', 'vagrant'] as const;
export type LabProvider = (typeof LAB_PROVIDERS)[number];
export const isLabProvider = (value: string): value is LabProvider => (LAB_PROVIDERS as readonly string[]).includes(value);

/** The apiserver's REST port (gRPC listens on the next one). */
export const DEFAULT_API_PORT = 6443;
/** `minik up` without flags. */
export const DEFAULT_LAB_NODES = 3;

/** The proxy modes of the design (agent/proxy/registry.ts says what each needs from the host). */
export const PROXY_MODES = ['nftables', 'iptables', 'ipvs', 'userspace'] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];
export const DEFAULT_PROXY_MODE: ProxyMode = 'nftables';
