// The node agent: registers its node, heartbeats, watches the cluster and
// makes this node match it — pod routes, the proxy data plane, cluster DNS
// and the pods scheduled here — reporting pod status back.
//
// Every watch event marks the state dirty; one sync loop applies the newest
// state, so a burst of events costs one sync, and a slow sync never queues
// stale work behind it.

import { readFile } from 'node:fs/promises';
import { Client } from '../api/client.ts';
import { isApiError } from '../api/errors.ts';
import { MinikGrpcClient } from '../api/grpc-client.ts';
import { CLUSTER } from '../api/layout.ts';
import type { Kind } from '../api/resources.ts';
import type { Endpoints, Ingress, Node, Pod, Service } from '../api/types.ts';
import { WatchCache } from '../api/watch-cache.ts';
import { watch, type WatchHandle } from '../api/watch-client.ts';
import { buildDnsState, type DnsState } from './dns/records.ts';
import { startDnsServer } from './dns/server.ts';
import { echoArgv } from './echo/main.ts';
import { buildRouteTable, startIngressServer } from './ingress/index.ts';
import { createLoadBalancerAnnouncer } from './lb/controller.ts';
import { bindServiceAddress, routeServiceCidr, setupNodeNetwork, syncPodRoutes } from './node/network.ts';
import type { AgentOptions } from './options.ts';
import { PodRuntime } from './pods/runtime.ts';
import { toPodStatus, type PodRuntimeStatus } from './pods/status.ts';
import { createProxier, type Proxier } from './proxier.ts';

export const HEARTBEAT_MS = 1000;
/** How long the sync loop waits for related events (a Service and its Endpoints) to arrive together. */
export const COALESCE_MS = 2;
const WATCHED: Kind[] = ['Node', 'Service', 'Endpoints', 'Pod', 'Ingress'];

export interface AgentDeps {
  /** argv that runs this minik executable (the echo workload is `<argv> echo ...`). */
  minikArgv: string[];
  log(line: string): void;
}

export interface RunningAgent {
  node: Node;
  close(options?: { removePods?: boolean }): Promise<void>;
}

async function readToken(options: AgentOptions): Promise<string> {
  if (options.token) return options.token;
  return (await readFile(options.tokenFile!, 'utf8')).trim();
}

/** How REST and gRPC reach the apiserver: TLS trusting --ca-file, or plaintext for an http:// --server. */
async function readSecurity(options: AgentOptions): Promise<{ ca?: string; plaintext: boolean }> {
  return { ca: options.caFile ? await readFile(options.caFile, 'utf8') : undefined, plaintext: options.plaintext };
}

/** The pod status fields whose change is worth a write. */
const statusDigest = (s: Pod['status']) =>
  JSON.stringify([s?.phase, s?.podIP, s?.restartCount ?? 0, s?.conditions?.find((c) => c.type === 'Ready')?.status]);

export async function startAgent(options: AgentOptions, deps: AgentDeps): Promise<RunningAgent> {
  const token = await readToken(options);
  const security = await readSecurity(options);
  const grpc = new MinikGrpcClient({ address: options.grpcServer, token, ...security });
  const registration = { name: options.nodeName, internalIP: options.nodeIp, proxyMode: options.proxyMode };
  const node = await grpc.register(registration).catch((err) => {
    grpc.close();
    throw err;
  });
  const podCIDR = node.spec.podCIDR!;
  deps.log(`registered ${options.nodeName} (${options.nodeIp}), pod CIDR ${podCIDR}, proxy mode ${options.proxyMode}`);

  const net = await setupNodeNetwork({ podCIDR });
  await bindServiceAddress(CLUSTER.dnsServiceIp);
  await routeServiceCidr({ serviceCidr: options.serviceCidr, gateway: net.gateway });

  const api = new Client({ server: options.server, token, ca: security.ca });
  const cache = new WatchCache();
  const runtime = new PodRuntime({
    nodeName: options.nodeName,
    podCIDR,
    stateDir: options.stateDir,
    netnsPrefix: options.netnsPrefix,
    echoCommand: (ports) => echoArgv(deps.minikArgv, ports),
  });
  const proxier: Proxier = await createProxier(options.proxyMode, {
    nodeName: options.nodeName,
    nodeIp: options.nodeIp,
    serviceCidr: options.serviceCidr,
    clusterCidr: options.clusterCidr,
    podCIDR,
    log: deps.log,
  });
  // LoadBalancer IPs this node wins (agent/lb): added to its node-network interface, announced by ARP.
  const loadBalancers = createLoadBalancerAnnouncer({ nodeName: options.nodeName, nodeIp: options.nodeIp, log: deps.log });
  const dnsStateOf = (services: Service[], endpoints: Endpoints[], pods: Pod[]): DnsState =>
    buildDnsState({
      services,
      endpoints,
      pods,
      domain: CLUSTER.domain,
      serial: cache.revision,
      reverseCidrs: [options.serviceCidr, options.clusterCidr],
    });
  let dnsState = dnsStateOf([], [], []);
  const dns = await startDnsServer({
    address: CLUSTER.dnsServiceIp,
    port: 53,
    getState: () => dnsState,
    onError: (err) => deps.log(`dns: ${err.message}`),
  });
  // Ingress (agent/ingress): HTTP on :80 and :30080 of this node. Not vital to
  // the node, so a port in use disables it with a log line instead of failing the agent.
  let ingressTable = buildRouteTable([], [], []);
  const ingress = await startIngressServer({
    getTable: () => ingressTable,
    onError: (err) => deps.log(`ingress: ${err.message}`),
  }).catch((err: Error) => void deps.log(`ingress disabled: ${err.message}`));

  // ---- pod status back to the apiserver ------------------------------------
  const reported = new Map<string, string>();
  async function report(status: PodRuntimeStatus): Promise<void> {
    if (status.removed) return;
    const pod = cache.get<Pod>('Pod', status.namespace, status.name);
    if (!pod || (status.uid && pod.metadata.uid !== status.uid)) return;
    const next = toPodStatus(status, options.nodeIp);
    if (statusDigest(next) === statusDigest(pod.status)) return;
    const key = `${status.namespace}/${status.name}`;
    if (reported.get(key) === statusDigest(next) + pod.metadata.resourceVersion) return;
    reported.set(key, statusDigest(next) + pod.metadata.resourceVersion);
    const path = `/api/v1/namespaces/${status.namespace}/pods/${status.name}/status`;
    try {
      await api.request('PUT', path, { ...pod, status: next });
    } catch (err) {
      reported.delete(key);
      if (!isApiError(err, 'NotFound')) deps.log(`reporting ${key}: ${(err as Error).message}`);
    }
  }
  runtime.onChange((status) => void report(status));

  // ---- the sync loop ---------------------------------------------------------
  let synced = false; // the first snapshot has arrived
  /** Kinds changed since the last sync; a relist marks them all. */
  let dirty = new Set<Kind>();
  let running: Promise<void> | undefined;
  let closed = false;

  async function syncOnce(changed: Set<Kind>): Promise<void> {
    const nodes = cache.list<Node>('Node');
    const services = cache.list<Service>('Service');
    const endpoints = cache.list<Endpoints>('Endpoints');
    const pods = cache.list<Pod>('Pod');

    const routes = nodes
      .filter((n) => n.metadata.name !== options.nodeName && n.spec.podCIDR)
      .map((n) => ({ cidr: n.spec.podCIDR!, via: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '' }))
      .filter((r) => r.via);
    // DNS first: it cannot fail, and must not wait on a failing data plane.
    dnsState = dnsStateOf(services, endpoints, pods);
    if (changed.has('Ingress') || changed.has('Service') || changed.has('Endpoints')) {
      ingressTable = buildRouteTable(cache.list<Ingress>('Ingress'), services, endpoints);
    }
    // The data plane next: it is what a new Service waits for. Routes and
    // pods only when what they depend on changed (each costs processes).
    await proxier.sync({ services, endpoints, nodes });
    if (changed.has('Service') || changed.has('Endpoints') || changed.has('Node')) {
      loadBalancers.update({ services, endpoints, nodes }, { force: changed.has('Node') }); // applies in the background
    }
    if (changed.has('Node')) await syncPodRoutes(routes);
    if (!changed.has('Pod')) return;

    const mine = pods.filter((p) => p.spec.nodeName === options.nodeName);
    const wanted = new Set(mine.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    // One pod that cannot start (say, its CIDR is full) must not hold up the
    // others: remember the failures and let the loop retry after the rest.
    const failed: string[] = [];
    for (const pod of mine) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      try {
        const current = runtime.get(pod.metadata.namespace!, pod.metadata.name);
        if (current && current.uid && current.uid !== pod.metadata.uid) await runtime.remove(pod.metadata.namespace!, pod.metadata.name);
        await report(await runtime.ensure(pod));
      } catch (err) {
        failed.push(`${key}: ${(err as Error).message}`);
      }
    }
    const known = [...runtime.list(), ...(await runtime.listRecorded())];
    for (const p of known) {
      if (!wanted.has(`${p.namespace}/${p.name}`)) await runtime.remove(p.namespace, p.name);
    }
    if (failed.length) throw new Error(`pods not started: ${failed.join('; ')}`);
  }

  function scheduleSync(...kinds: Kind[]): void {
    for (const kind of kinds) dirty.add(kind);
    if (running || !synced || closed) return;
    running = (async () => {
      // A Service and its Endpoints are written together but arrive as two
      // events: a short window lets one sync program both.
      await new Promise((r) => setTimeout(r, COALESCE_MS));
      while (dirty.size && !closed) {
        const changed = dirty;
        dirty = new Set();
        try {
          await syncOnce(changed);
        } catch (err) {
          deps.log(`sync failed: ${(err as Error).message}`);
          for (const kind of changed) dirty.add(kind);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      running = undefined;
    })();
  }

  const watchHandle: WatchHandle = watch({
    address: options.grpcServer,
    token,
    ...security,
    kinds: WATCHED,
    onEvent: (event) => {
      cache.apply(event);
      scheduleSync(event.kind);
    },
    onRelist: (snapshot) => {
      deps.log(`relisting at revision ${snapshot.revision}`);
      cache.replace(snapshot);
      scheduleSync(...WATCHED);
    },
    onSynced: () => {
      const first = !synced;
      synced = true;
      if (first) scheduleSync(...WATCHED);
      else scheduleSync();
    },
    onError: (err, willRetry) => deps.log(`watch: ${err.message}${willRetry ? ' (retrying)' : ''}`),
  });

  // ---- heartbeats --------------------------------------------------------------
  let beating = false;
  const beat = setInterval(async () => {
    if (beating) return;
    beating = true;
    try {
      await grpc.heartbeat(options.nodeName);
    } catch (err) {
      // Someone deleted our Node: register again (keeps the same name; the CIDR may change).
      if (isApiError(err, 'NotFound')) await grpc.register(registration).catch(() => {});
    } finally {
      beating = false;
    }
  }, HEARTBEAT_MS);

  return {
    node,
    async close({ removePods = false } = {}) {
      closed = true;
      clearInterval(beat);
      watchHandle.close();
      grpc.close();
      await running;
      await dns.close();
      await ingress?.close();
      if (removePods) await runtime.removeAll();
      else runtime.shutdown();
      await proxier.close();
      await loadBalancers.close();
    },
  };
}
