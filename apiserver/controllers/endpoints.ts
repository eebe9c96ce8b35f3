// The endpoints controller: the one place where a Service's Endpoints are
// computed from the Pods its selector matches. Pure; the registry calls it
// inside the same transaction as the change that made it necessary.

import { compareIps, isIPv4 } from '../../api/ip.ts';
import { matchesLabels } from '../../api/labels.ts';
import type { EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Pod, Service } from '../../api/types.ts';

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function isPodTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** The port a service port reaches on this pod, or undefined when a named targetPort does not resolve. */
export function resolveTargetPort(pod: Pod, target: number | string | undefined, servicePort: number, protocol: string): number | undefined {
  if (target === undefined) return servicePort;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const container of pod.spec.containers ?? []) {
    for (const port of container.ports ?? []) {
      if (port.name === target && (port.protocol ?? 'TCP') === protocol) return port.containerPort;
    }
  }
  return undefined;
}

/** Whether `svc` takes its endpoints from pods (has a non-empty selector). */
export function hasSelector(svc: Service): boolean {
  return Object.keys(svc.spec.selector ?? {}).length > 0;
}

export function selectsPod(svc: Service, pod: Pod): boolean {
  return (
    hasSelector(svc) &&
    pod.metadata.namespace === svc.metadata.namespace &&
    matchesLabels(pod.metadata.labels ?? {}, svc.spec.selector ?? {})
  );
}

const byIp = (a: EndpointAddress, b: EndpointAddress) => compareIps(a.ip, b.ip);

/**
 * Endpoints for a selector service: one subset per distinct set of resolved
 * ports (pods with different named-port numbers land in different subsets,
 * as in Kubernetes), ready and not-ready addresses apart.
 */
export function computeEndpoints(svc: Service, pods: Pod[]): Endpoints {
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of pods) {
    // Only an IPv4 address reaches the Endpoints (and so every agent's rules), whatever a stored pod says.
    if (!selectsPod(svc, pod) || !isIPv4(pod.status?.podIP ?? '') || isPodTerminal(pod)) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec.ports ?? []) {
      const protocol = sp.protocol ?? 'TCP';
      const port = resolveTargetPort(pod, sp.targetPort, sp.port, protocol);
      if (port === undefined) continue;
      const ep: EndpointPort = { port, protocol };
      if (sp.name) ep.name = sp.name;
      ports.push(ep);
    }
    if (ports.length === 0) continue;
    const signature = JSON.stringify(ports);
    const group = groups.get(signature) ?? { ports, ready: [], notReady: [] };
    groups.set(signature, group);
    const address: EndpointAddress = {
      ip: pod.status!.podIP!,
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name, uid: pod.metadata.uid },
    };
    if (pod.spec.nodeName) address.nodeName = pod.spec.nodeName;
    if (isPodReady(pod) || svc.spec.publishNotReadyAddresses) group.ready.push(address);
    else group.notReady.push(address);
  }
  const subsets: EndpointSubset[] = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => {
      const subset: EndpointSubset = {};
      if (g.ready.length) subset.addresses = g.ready.sort(byIp);
      if (g.notReady.length) subset.notReadyAddresses = g.notReady.sort(byIp);
      subset.ports = g.ports;
      return subset;
    });
  const endpoints: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace },
    subsets,
  };
  if (svc.metadata.labels) endpoints.metadata.labels = { ...svc.metadata.labels };
  return endpoints;
}
