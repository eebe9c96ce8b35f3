// The columns `get` prints per kind, cell for cell as kubectl's printers
// (pkg/printers/internalversion) fill them. Pure: objects and a clock in,
// header and rows out.

import type { Kind } from '../resources.ts';
import type { Endpoints, Event, Ingress, KubeObject, LoadBalancerIngress, Namespace, Node, Pod, Service } from '../types.ts';
import { formatLabels } from '../labels.ts';
import { age } from './age.ts';

export interface TableOptions {
  wide?: boolean;
  /** -A: a NAMESPACE column first. */
  withNamespace?: boolean;
  now: Date;
}

export interface Table {
  headers: string[];
  rows: string[][];
}

const NONE = '<none>';

/** `80:31234/TCP,53/UDP` */
export function servicePorts(svc: Service): string {
  const ports = svc.spec.ports ?? [];
  if (ports.length === 0) return NONE;
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

/** kubectl shortens a long address list unless -o wide. */
function loadBalancerAddresses(ingress: LoadBalancerIngress[] | undefined, wide: boolean): string {
  const list = (ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean).join(',');
  return !wide && list.length > 16 ? `${list.slice(0, 13)}...` : list;
}

export function serviceExternalIp(svc: Service, wide = false): string {
  switch (svc.spec.type ?? 'ClusterIP') {
    case 'ExternalName':
      return svc.spec.externalName || NONE;
    case 'LoadBalancer':
      return loadBalancerAddresses(svc.status?.loadBalancer?.ingress, wide) || '<pending>';
    default:
      return NONE;
  }
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function nodeStatus(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const status = !ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady';
  return node.spec?.unschedulable ? `${status},SchedulingDisabled` : status;
}

export const nodeInternalIp = (node: Node): string | undefined =>
  node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;

export function nodeRoles(node: Node): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean)
    .sort();
  return roles.length ? roles.join(',') : NONE;
}

/** Up to three `ip:port` pairs, then ` + N more...`, as kubectl's formatEndpoints. */
export function endpointsList(ep: Endpoints, max = 3): string {
  const list: string[] = [];
  let count = 0;
  for (const subset of ep.subsets ?? []) {
    const addresses = subset.addresses ?? [];
    const targets = subset.ports?.length ? subset.ports.map((p) => p.port) : [undefined];
    for (const port of targets) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length < max) list.push(port === undefined ? a.ip : `${a.ip}:${port}`);
      }
    }
  }
  if (list.length === 0) return NONE;
  return count > max ? `${list.join(',')} + ${count - max} more...` : list.join(',');
}

export function ingressHosts(ing: Ingress): string {
  const hosts = (ing.spec.rules ?? []).map((r) => r.host).filter((h): h is string => !!h);
  if (hosts.length === 0) return '*';
  const shown = hosts.slice(0, 4).join(',');
  return hosts.length > 4 ? `${shown} + ${hosts.length - 4} more...` : shown;
}

type Printer = { headers: string[]; wide: string[]; row(obj: KubeObject, o: TableOptions): string[]; wideRow(obj: KubeObject, o: TableOptions): string[] };

const PRINTERS: Record<Kind, Printer> = {
  Service: {
    headers: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
    wide: ['SELECTOR'],
    row: (obj, o) => {
      const svc = obj as Service;
      return [
        svc.metadata.name,
        svc.spec.type ?? 'ClusterIP',
        svc.spec.clusterIP || NONE,
        serviceExternalIp(svc, o.wide),
        servicePorts(svc),
        age(svc.metadata.creationTimestamp, o.now),
      ];
    },
    wideRow: (obj) => [formatLabels((obj as Service).spec.selector)],
  },
  Pod: {
    headers: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
    wide: ['IP', 'NODE'],
    row: (obj, o) => {
      const pod = obj as Pod;
      const total = pod.spec?.containers?.length ?? 1;
      return [
        pod.metadata.name,
        `${isPodReady(pod) ? total : 0}/${total}`,
        pod.status?.phase ?? 'Pending',
        String(pod.status?.restartCount ?? 0),
        age(pod.metadata.creationTimestamp, o.now),
      ];
    },
    wideRow: (obj) => [(obj as Pod).status?.podIP || NONE, (obj as Pod).spec?.nodeName || NONE],
  },
  Node: {
    headers: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
    wide: ['INTERNAL-IP', 'POD-CIDR'],
    row: (obj, o) => {
      const node = obj as Node;
      return [
        node.metadata.name,
        nodeStatus(node),
        nodeRoles(node),
        age(node.metadata.creationTimestamp, o.now),
        node.status?.nodeInfo?.kubeProxyVersion || NONE,
      ];
    },
    wideRow: (obj) => [nodeInternalIp(obj as Node) ?? NONE, (obj as Node).spec?.podCIDR || NONE],
  },
  Endpoints: {
    headers: ['NAME', 'ENDPOINTS', 'AGE'],
    wide: [],
    row: (obj, o) => [obj.metadata.name, endpointsList(obj as Endpoints), age(obj.metadata.creationTimestamp, o.now)],
    wideRow: () => [],
  },
  Ingress: {
    headers: ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'],
    wide: [],
    row: (obj, o) => {
      const ing = obj as Ingress;
      return [
        ing.metadata.name,
        ing.spec.ingressClassName || NONE,
        ingressHosts(ing),
        loadBalancerAddresses(ing.status?.loadBalancer?.ingress, !!o.wide),
        '80',
        age(ing.metadata.creationTimestamp, o.now),
      ];
    },
    wideRow: () => [],
  },
  Event: {
    headers: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
    wide: ['SOURCE', 'COUNT'],
    row: (obj, o) => {
      const ev = obj as Event;
      return [
        age(ev.lastTimestamp ?? ev.metadata.creationTimestamp, o.now),
        ev.type ?? 'Normal',
        ev.reason ?? '',
        `${(ev.involvedObject.kind ?? '').toLowerCase()}/${ev.involvedObject.name ?? ''}`,
        ev.message ?? '',
      ];
    },
    wideRow: (obj) => [(obj as Event).source?.component ?? NONE, String((obj as Event).count ?? 1)],
  },
  Namespace: {
    headers: ['NAME', 'STATUS', 'AGE'],
    wide: [],
    row: (obj, o) => [obj.metadata.name, (obj as Namespace).status?.phase ?? 'Active', age(obj.metadata.creationTimestamp, o.now)],
    wideRow: () => [],
  },
};

export function tableFor(kind: Kind, objects: KubeObject[], options: TableOptions): Table {
  const p = PRINTERS[kind];
  const headers = [...(options.withNamespace ? ['NAMESPACE'] : []), ...p.headers, ...(options.wide ? p.wide : [])];
  const rows = objects.map((obj) => [
    ...(options.withNamespace ? [obj.metadata.namespace ?? ''] : []),
    ...p.row(obj, options),
    ...(options.wide ? p.wideRow(obj, options) : []),
  ]);
  return { headers, rows };
}
