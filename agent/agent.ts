// The node agent: registers its node, heartbeats, watches the cluster and
// makes this node match it — pod routes, the proxy data plane, cluster DNS
// and the pods scheduled here — reporting pod status back.
//
// This file is wiring only. The pieces with behaviour live beside it:
// core/registration.ts (register, retried until the apiserver answers),
// core/control.ts (watch → cache → core/sync-loop.ts, core/heartbeater.ts,
// fatal errors), core/status-reporter.ts (pod status back), and the data
// plane this file's `syncNode` drives: routes, proxier, LB, ingress, pods.

import { readFile } from 'node:fs/promises';
import { Client } from '../api/client.ts';
import { MinikGrpcClient } from '../api/grpc-client.ts';
import { CLUSTER } from '../api/layout.ts';
import type { Kind } from '../api/resources.ts';
import type { Endpoints, Ingress, Node, Pod, Service } from '../api/types.ts';
import type { WatchCache } from '../api/watch-cache.ts';
import { watch } from '../api/watch-client.ts';
import { type FatalAgentError, startControl } from './core/control.ts';
import { registerWithRetry } from './core/registration.ts';
import { StatusReporter } from './core/status-reporter.ts';
import { RetryLaterError } from './core/sync-loop.ts';
import { DnsFeed } from './dns/feed.ts';
import { startDnsServer } from './dns/server.ts';
import { echoArgv } from './echo/main.ts';
import { buildRouteTable } from './ingress/routes.ts';
import { startIngressServer } from './ingress/server.ts';
import { createLoadBalancerAnnouncer } from './lb/controller.ts';
import { bindServiceAddress, routeServiceCidr, setupNodeNetwork, syncPodRoutes } from './node/network.ts';
import type { AgentOptions } from './options.ts';
import { PodRuntime } from './pods/runtime.ts';
import { createProxier, type Proxier } from './proxy/index.ts';
import { recordEvent, type EventInput } from '../api/events.ts';
import { lbEvents, lbHolders, podEvents, syncFailedEvent } from './events.ts';

const WATCHED: Kind[] = ['Node', 'Service', 'Endpoints', 'Pod', 'Ingress'];

export interface AgentDeps {
  /** argv that runs this minik executable (the echo workload is `<argv> echo ...`). */
  minikArgv: string[];
  log(line: string): void;
}

export interface RunningAgent {
  node: Node;
  /** Resolves with one clear line when the agent cannot go on (its heartbeats have stopped). */
  fatal: Promise<FatalAgentError>;
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

export async function startAgent(options: AgentOptions, deps: AgentDeps): Promise<RunningAgent> {
  const token = await readToken(options);
  const security = await readSecurity(options);
  const grpc = new MinikGrpcClient({ address: options.grpcServer, token, ...security });
  const registration = { name: options.nodeName, internalIP: options.nodeIp, proxyMode: options.proxyMode };
  const node = await registerWithRetry(registration, { register: (r) => grpc.register(r), log: deps.log }).catch((err) => {
    grpc.close();
    throw err;
  });
  const podCIDR = node.spec.podCIDR!;
  deps.log(`registered ${options.nodeName} (${options.nodeIp}), pod CIDR ${podCIDR}, proxy mode ${options.proxyMode}`);

  const net = await setupNodeNetwork({ podCIDR });
  await bindServiceAddress(CLUSTER.dnsServiceIp);
  await routeServiceCidr({ serviceCidr: options.serviceCidr, gateway: net.gateway });

  const api = new Client({ server: options.server, token, ca: security.ca });
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
    stateDir: options.stateDir,
    ipvsScheduler: options.ipvsScheduler,
    log: deps.log,
  });
  // LoadBalancer IPs this node wins (agent/lb): added to its node-network interface, announced by ARP.
  const loadBalancers = createLoadBalancerAnnouncer({ nodeName: options.nodeName, nodeIp: options.nodeIp, log: deps.log, probe: {} });
  // DNS answers from its own state, rebuilt beside the sync loop, never in front of the proxier.
  const dnsFeed = new DnsFeed({ domain: CLUSTER.domain, reverseCidrs: [options.serviceCidr, options.clusterCidr] });
  const dns = await startDnsServer({
    address: CLUSTER.dnsServiceIp,
    port: 53,
    getState: () => dnsFeed.state(),
    onError: (err) => deps.log(`dns: ${err.message}`),
  });
  // Ingress (agent/ingress): HTTP on :80 and :30080 of this node. Not vital to
  // the node, so a port in use disables it with a log line instead of failing the agent.
  let ingressTable = buildRouteTable([], [], []);
  const ingress = await startIngressServer({
    getTable: () => ingressTable,
    onError: (err) => deps.log(`ingress: ${err.message}`),
  }).catch((err: Error) => void deps.log(`ingress disabled: ${err.message}`));

  // Events (agent/events.ts decides which): posted in the background, never failing what they describe.
  const emit = (events: EventInput[]) => {
    for (const e of events) void recordEvent(api, e, new Date(), (err) => deps.log(`event ${e.reason}: ${err.message}`));
  };
  let lbHeld = new Map<string, string | undefined>();

  let cache: WatchCache | undefined;
  const reporter = new StatusReporter({
    nodeIp: options.nodeIp,
    getPod: (namespace, name) => cache?.get<Pod>('Pod', namespace, name),
    putStatus: (pod) => api.request('PUT', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`, pod).then(() => {}),
    onReported: (pod, before, after) => emit(podEvents(pod, before, after, options.nodeName)),
    log: deps.log,
  });
  runtime.onChange((status) => void reporter.report(status));

  // A failing sync becomes one Warning Event per distinct failure (the loop retries it every half second).
  let lastSyncFailure: string | undefined;
  async function syncReportingFailures(changed: Set<Kind>, cache: WatchCache): Promise<void> {
    try {
      await syncNode(changed, cache);
      lastSyncFailure = undefined;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== lastSyncFailure) emit([syncFailedEvent(options.nodeName, message)]);
      lastSyncFailure = message;
      throw err;
    }
  }

  async function syncNode(changed: Set<Kind>, cache: WatchCache): Promise<void> {
    const nodes = cache.list<Node>('Node');
    const services = cache.list<Service>('Service');
    const endpoints = cache.list<Endpoints>('Endpoints');
    const pods = cache.list<Pod>('Pod');

    if (changed.has('Ingress') || changed.has('Service') || changed.has('Endpoints')) {
      ingressTable = buildRouteTable(cache.list<Ingress>('Ingress'), services, endpoints);
    }
    // The data plane first: it is what a new Service waits for. Routes and
    // pods only when what they depend on changed (each costs processes).
    await proxier.sync({ services, endpoints, nodes });
    if (changed.has('Service') || changed.has('Endpoints') || changed.has('Node')) {
      loadBalancers.update({ services, endpoints, nodes }, { force: changed.has('Node') }); // applies in the background
      emit(lbEvents(lbHeld, { services, endpoints, nodes }, options.nodeName));
      lbHeld = lbHolders({ services, endpoints, nodes });
    }
    if (changed.has('Node')) await syncPodRoutes(podRoutes(nodes, options.nodeName));
    if (changed.has('Pod')) await syncPods(pods);
  }

  async function syncPods(pods: Pod[]): Promise<void> {
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
        await reporter.report(await runtime.ensure(pod));
      } catch (err) {
        failed.push(`${key}: ${(err as Error).message}`);
      }
    }
    const known = [...runtime.list(), ...(await runtime.listRecorded())];
    for (const p of known) {
      if (!wanted.has(`${p.namespace}/${p.name}`)) await runtime.remove(p.namespace, p.name);
    }
    if (failed.length) throw new RetryLaterError(`pods not started: ${failed.join('; ')}`);
  }

  const control = startControl({
    node,
    registration,
    nodeService: grpc,
    watch: (handlers) => watch({ address: options.grpcServer, token, ...security, ...handlers }),
    kinds: WATCHED,
    sync: syncReportingFailures,
    onEvent: (kind, watched) => dnsFeed.changed(kind, watched),
    log: deps.log,
  });
  cache = control.cache;

  // A fatal error is reported as an Event too (best effort: a rejected token rejects this as well).
  void control.fatal.then((err) => emit([syncFailedEvent(options.nodeName, err.message)]));

  return {
    node,
    fatal: control.fatal,
    async close({ removePods = false } = {}) {
      await control.close();
      grpc.close();
      await dns.close();
      await ingress?.close();
      if (removePods) await runtime.removeAll();
      else runtime.shutdown();
      await proxier.close();
      await loadBalancers.close();
    },
  };
}

/** Host-gw routes: every other node's pod CIDR via its InternalIP. */
export function podRoutes(nodes: readonly Node[], me: string): { cidr: string; via: string }[] {
  return nodes
    .filter((n) => n.metadata.name !== me && n.spec.podCIDR)
    .map((n) => ({ cidr: n.spec.podCIDR!, via: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '' }))
    .filter((r) => r.via);
}
