// Kubernetes' defaulting (SetDefaults_* in pkg/apis/core/v1/defaults.go and
// the registry's create/update preparation), as pure functions on plain
// objects. Each returns a new object and never overwrites what the user set.
// Values the server allocates (uid, resourceVersion, clusterIP, nodePort,
// load-balancer IPs) are deliberately left alone.

import type {
  AnyObject,
  Endpoints,
  KubeObject,
  Pod,
  Service,
  ServicePort,
  ServiceSpec,
  ServiceType,
} from './types.ts';
import { RESOURCES, type Kind } from './resources.ts';

export const DEFAULT_NAMESPACE = 'default';
/** Kubernetes' DefaultClientIPServiceAffinitySeconds (3 hours). */
export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;

const resourceOf = (kind: string) => RESOURCES.find((r) => r.kind === kind);

export const isNamespacedKind = (kind: string): boolean => resourceOf(kind)?.namespaced ?? false;

/** Types that get a cluster IP; ExternalName is only a DNS alias. */
export const needsClusterIp = (type: ServiceType | undefined): boolean => type !== 'ExternalName';
/** Types that open a port on every node. */
export const needsNodePorts = (type: ServiceType | undefined): boolean => type === 'NodePort' || type === 'LoadBalancer';
/** Types reachable from outside the cluster (where externalTrafficPolicy means something). */
export const isExternallyAccessible = needsNodePorts;

/**
 * Sets `metadata.namespace` to `ns` when a namespaced object has none; a
 * namespace the object already names is kept (callers compare it with the URL).
 */
export function defaultNamespace<T extends KubeObject>(obj: T, ns: string = DEFAULT_NAMESPACE): T {
  const copy = structuredClone(obj);
  if (!isNamespacedKind(copy.kind)) return copy;
  copy.metadata = { ...(copy.metadata ?? { name: '' }) };
  if (!copy.metadata.namespace) copy.metadata.namespace = ns;
  return copy;
}

function defaultServiceSpec(spec: ServiceSpec): ServiceSpec {
  const out: ServiceSpec = { ...spec };
  if (!out.type) out.type = 'ClusterIP';
  if (!out.sessionAffinity) out.sessionAffinity = 'None';
  if (out.sessionAffinity === 'None') {
    // Kubernetes drops a config that has no effect instead of rejecting it.
    delete out.sessionAffinityConfig;
  } else if (out.sessionAffinity === 'ClientIP' && out.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    out.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
  }
  if (Array.isArray(out.ports)) out.ports = out.ports.map(defaultServicePort);
  if (isExternallyAccessible(out.type) && !out.externalTrafficPolicy) out.externalTrafficPolicy = 'Cluster';
  if (!out.internalTrafficPolicy && needsClusterIp(out.type)) out.internalTrafficPolicy = 'Cluster';
  // A manifest that only lists clusterIPs still names its primary clusterIP.
  if (!out.clusterIP && Array.isArray(out.clusterIPs) && typeof out.clusterIPs[0] === 'string') out.clusterIP = out.clusterIPs[0];
  return out;
}

function defaultServicePort(port: ServicePort): ServicePort {
  const out: ServicePort = { ...port };
  if (!out.protocol) out.protocol = 'TCP';
  if (out.targetPort === undefined || out.targetPort === 0 || out.targetPort === '') out.targetPort = out.port;
  // Go's int zero value: Kubernetes reads nodePort 0 as "not set", so the allocator picks one.
  if (out.nodePort === 0) delete out.nodePort;
  return out;
}

function defaultPod(pod: Pod): Pod {
  const spec = { ...(pod.spec ?? {}) } as Pod['spec'];
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  if (Array.isArray(spec.containers)) {
    spec.containers = spec.containers.map((c) => ({
      ...c,
      ...(Array.isArray(c?.ports) ? { ports: c.ports.map((p) => ({ ...p, protocol: p?.protocol || 'TCP' })) } : {}),
    }));
  }
  return { ...pod, spec };
}

function defaultEndpoints(ep: Endpoints): Endpoints {
  if (!Array.isArray(ep.subsets)) return ep;
  return {
    ...ep,
    subsets: ep.subsets.map((s) =>
      Array.isArray(s?.ports) ? { ...s, ports: s.ports.map((p) => ({ ...p, protocol: p?.protocol || 'TCP' })) } : s,
    ),
  };
}

/**
 * Fills in what Kubernetes fills in: apiVersion from the kind; namespace
 * `default` for namespaced kinds (and none for cluster-scoped ones, as the
 * Kubernetes registry clears it); Service type, protocols, targetPort,
 * sessionAffinity (+ ClientIP timeout), traffic policies; Pod restartPolicy
 * and port protocols; Endpoints port protocols. Ingress gets nothing: its
 * pathType is required, not defaulted.
 */
export function applyDefaults<T extends AnyObject>(obj: T): T {
  let copy = structuredClone(obj) as AnyObject;
  const info = resourceOf(copy.kind);
  if (!info) return copy as T;
  if (!copy.apiVersion) copy.apiVersion = info.apiVersion;
  copy.metadata = { ...(copy.metadata ?? { name: '' }) };
  if (info.namespaced) {
    if (!copy.metadata.namespace) copy.metadata.namespace = DEFAULT_NAMESPACE;
  } else {
    delete copy.metadata.namespace;
  }
  switch (copy.kind as Kind) {
    case 'Service': {
      const svc = copy as Service;
      copy = { ...svc, spec: defaultServiceSpec(svc.spec ?? {}) };
      break;
    }
    case 'Pod':
      copy = defaultPod(copy as Pod);
      break;
    case 'Endpoints':
      copy = defaultEndpoints(copy as Endpoints);
      break;
  }
  return copy as T;
}

/**
 * What the Kubernetes registry does to a Service before validating an update
 * (PUT or apply), so that a manifest can leave out what the server allocated:
 * - keeps the old clusterIP/clusterIPs when the new object leaves them empty
 *   and both old and new type use a cluster IP;
 * - keeps old nodePorts (matched by port name) the new object leaves out,
 *   when both types use node ports;
 * - drops clusterIP and nodePorts (unchanged from the old object) when the
 *   new type no longer uses them, e.g. ClusterIP -> ExternalName.
 * Other kinds are returned as a copy. Call after applyDefaults, before
 * validateObject(new, old).
 */
export function prepareForUpdate<T extends AnyObject>(obj: T, old: AnyObject): T {
  const copy = structuredClone(obj);
  if (copy.kind !== 'Service' || old.kind !== 'Service') return copy;
  const spec = (copy as Service).spec ?? ((copy as Service).spec = {});
  const oldSpec = (old as Service).spec ?? {};
  keepAllocatedValues(spec, oldSpec);
  dropTypeDependentFields(spec, oldSpec);
  return copy;
}

function keepAllocatedValues(spec: ServiceSpec, oldSpec: ServiceSpec): void {
  if (needsClusterIp(spec.type) && needsClusterIp(oldSpec.type) && !spec.clusterIP && oldSpec.clusterIP) {
    spec.clusterIP = oldSpec.clusterIP;
    if (oldSpec.clusterIPs) spec.clusterIPs = [...oldSpec.clusterIPs];
  }
  if (needsNodePorts(spec.type) && needsNodePorts(oldSpec.type) && Array.isArray(spec.ports)) {
    const used = new Set((spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n));
    const oldByName = new Map((oldSpec.ports ?? []).map((p) => [p.name ?? '', p.nodePort]));
    for (const port of spec.ports) {
      if (port.nodePort) continue;
      const oldNodePort = oldByName.get(port.name ?? '');
      if (oldNodePort && !used.has(oldNodePort)) {
        port.nodePort = oldNodePort;
        used.add(oldNodePort);
      }
    }
  }
}

function dropTypeDependentFields(spec: ServiceSpec, oldSpec: ServiceSpec): void {
  if (spec.type === oldSpec.type) return;
  if (!needsClusterIp(spec.type) && spec.clusterIP && spec.clusterIP === oldSpec.clusterIP) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  if (!needsNodePorts(spec.type) && Array.isArray(spec.ports)) {
    const oldNodePorts = new Set((oldSpec.ports ?? []).map((p) => p.nodePort));
    for (const port of spec.ports) if (port.nodePort && oldNodePorts.has(port.nodePort)) delete port.nodePort;
  }
  if (!isExternallyAccessible(spec.type) && spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
  if (!needsClusterIp(spec.type) && spec.internalTrafficPolicy === oldSpec.internalTrafficPolicy) {
    delete spec.internalTrafficPolicy;
  }
}
