// What `apply` sends when the object already exists, and when it need not
// send anything. Pure functions, shared by the CLI and the agent through the
// client.
//
// The manifest is the desired object; from the live object we keep only what
// the server owns and the manifest leaves out: identity (uid,
// resourceVersion, creationTimestamp), allocations (spec.clusterIP(s),
// spec.ports[].nodePort) and status.

import { applyDefaults } from './defaults.ts';
import type { AnyObject, KubeObject, Service, ServicePort, ServiceSpec } from './types.ts';

const NODE_PORT_TYPES = new Set(['NodePort', 'LoadBalancer']);

export function mergeForApply<T extends KubeObject>(live: T, manifest: T): T {
  const merged = structuredClone(manifest);
  merged.metadata = {
    ...merged.metadata,
    uid: live.metadata.uid,
    resourceVersion: live.metadata.resourceVersion,
    creationTimestamp: live.metadata.creationTimestamp,
  };
  if (live.status !== undefined) merged.status = structuredClone(live.status);
  if (manifest.kind === 'Service') {
    (merged as unknown as Service).spec = keepServiceAllocations(
      (live as unknown as Service).spec ?? {},
      (merged as unknown as Service).spec ?? {},
    );
  }
  return merged;
}

function keepServiceAllocations(live: ServiceSpec, desired: ServiceSpec): ServiceSpec {
  const spec = { ...desired };
  const type = spec.type ?? 'ClusterIP';
  // An ExternalName service has no cluster IP; any other type keeps its address.
  if (type !== 'ExternalName' && spec.clusterIP === undefined && live.clusterIP) {
    spec.clusterIP = live.clusterIP;
    if (spec.clusterIPs === undefined && live.clusterIPs) spec.clusterIPs = [...live.clusterIPs];
  }
  if (NODE_PORT_TYPES.has(type) && spec.ports) {
    spec.ports = spec.ports.map((port) => {
      if (port.nodePort !== undefined) return port;
      const match = matchingLivePort(live.ports ?? [], port);
      return match?.nodePort ? { ...port, nodePort: match.nodePort } : port;
    });
  }
  return spec;
}

/** Kubernetes identifies a service port by port+protocol; a name match also counts (the port number changed). */
function matchingLivePort(livePorts: ServicePort[], port: ServicePort): ServicePort | undefined {
  const protocol = port.protocol ?? 'TCP';
  return (
    livePorts.find((p) => p.port === port.port && (p.protocol ?? 'TCP') === protocol) ??
    (port.name ? livePorts.find((p) => p.name === port.name) : undefined)
  );
}

/**
 * True when PUTting `merged` would change nothing a user wrote: labels and
 * annotations equal, and every value in the merged spec equal to the live
 * one after Kubernetes defaults on both sides (right whether or not the
 * server writes its defaults back; a dropped `sessionAffinity: ClientIP`
 * compares as the default None, so it counts as a change). Fields only the
 * live object has — server additions such as ipFamilies — are ignored,
 * except in label-like maps, which must be equal.
 */
export function isUnchanged(live: KubeObject, merged: KubeObject): boolean {
  if (!sameMap(live.metadata.labels, merged.metadata.labels)) return false;
  if (!sameMap(live.metadata.annotations, merged.metadata.annotations)) return false;
  const l = applyDefaults(live as AnyObject) as KubeObject & { subsets?: unknown };
  const m = applyDefaults(merged as AnyObject) as KubeObject & { subsets?: unknown };
  // Endpoints keep their data outside spec.
  if (merged.kind === 'Endpoints') return covers(l.subsets, m.subsets);
  return covers(l.spec, m.spec);
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ea = Object.entries(a ?? {});
  if (ea.length !== Object.keys(b ?? {}).length) return false;
  return ea.every(([k, v]) => (b ?? {})[k] === v);
}

/** Keys whose value is a whole map that must match exactly, not as a subset. */
const EXACT_MAPS = new Set(['selector', 'labels', 'annotations']);

/** Whether `live` has every value of `desired` (arrays: same length, element-wise). */
function covers(live: unknown, desired: unknown, key = ''): boolean {
  if (desired === undefined) return true;
  if (desired === null || typeof desired !== 'object') return live === desired;
  if (Array.isArray(desired)) {
    return Array.isArray(live) && live.length === desired.length && desired.every((d, i) => covers(live[i], d));
  }
  if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
  if (EXACT_MAPS.has(key)) return sameMap(live as Record<string, string>, desired as Record<string, string>);
  const l = live as Record<string, unknown>;
  return Object.entries(desired as Record<string, unknown>).every(([k, v]) => covers(l[k], v, k));
}
