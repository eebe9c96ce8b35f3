// Server-side printing: the `Table` kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, with the columns
// Kubernetes' own printers (pkg/printers/internalversion) produce. Columns
// with priority 1 are the ones `-o wide` adds. Cells reuse the CLI's
// formatting (cli/output/columns.ts) so `minik get` and `kubectl get` agree.

import { formatLabels } from '../../api/labels.ts';
import type { Kind } from '../../api/resources.ts';
import type { AnyObject, Endpoints, Event, Ingress, KubeObject, Namespace, Node, Pod, Service } from '../../api/types.ts';
import { age } from '../../api/columns/age.ts';
import {
  endpointsList,
  ingressHosts,
  isPodReady,
  nodeInternalIp,
  nodeRoles,
  nodeStatus,
  serviceExternalIp,
  servicePorts,
} from '../../api/columns/columns.ts';

export interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: (string | number | boolean)[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string };
  columnDefinitions: ColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

interface Column {
  name: string;
  type?: ColumnDefinition['type'];
  format?: string;
  description: string;
  /** 1: only with -o wide. */
  priority?: number;
  cell(obj: KubeObject, now: Date): string | number;
}

const NONE = '<none>';
const nameColumn: Column = {
  name: 'Name',
  format: 'name',
  description: 'Name must be unique within a namespace. It is required when creating resources.',
  cell: (o) => o.metadata.name,
};
const ageColumn: Column = {
  name: 'Age',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  cell: (o, now) => age(o.metadata.creationTimestamp, now),
};

const podStatus = (pod: Pod): string => {
  if ((pod.metadata as { deletionTimestamp?: string }).deletionTimestamp) return 'Terminating';
  if (pod.status?.phase === 'Pending' && pod.status.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False')) return 'Pending';
  return pod.status?.phase ?? 'Pending';
};

/** The columns per kind, as Kubernetes names and orders them. */
export const COLUMNS: Record<Kind, Column[]> = {
  Service: [
    nameColumn,
    { name: 'Type', description: 'Type determines how the Service is exposed.', cell: (o) => (o as Service).spec.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', description: 'clusterIP is the IP address of the service.', cell: (o) => (o as Service).spec.clusterIP || NONE },
    { name: 'External-IP', description: 'List of IP addresses for which nodes in the cluster will also accept traffic for this service.', cell: (o) => serviceExternalIp(o as Service) },
    { name: 'Port(s)', description: 'The list of ports that are exposed by this service.', cell: (o) => servicePorts(o as Service) },
    ageColumn,
    { name: 'Selector', priority: 1, description: 'Route service traffic to pods with label keys and values matching this selector.', cell: (o) => formatLabels((o as Service).spec.selector) },
  ],
  Pod: [
    nameColumn,
    { name: 'Ready', description: 'The aggregate readiness state of this pod for accepting traffic.', cell: (o) => {
      const pod = o as Pod;
      const total = pod.spec?.containers?.length ?? 1;
      return `${isPodReady(pod) ? total : 0}/${total}`;
    } },
    { name: 'Status', description: 'The aggregate status of the containers in this pod.', cell: (o) => podStatus(o as Pod) },
    { name: 'Restarts', description: 'The number of times the containers in this pod have been restarted.', cell: (o) => String((o as Pod).status?.restartCount ?? 0) },
    ageColumn,
    { name: 'IP', priority: 1, description: 'IP address allocated to the pod.', cell: (o) => (o as Pod).status?.podIP || NONE },
    { name: 'Node', priority: 1, description: 'Name of the Node this pod runs on.', cell: (o) => (o as Pod).spec?.nodeName || NONE },
    { name: 'Nominated Node', priority: 1, description: 'Name of the node the scheduler nominated (minik never preempts).', cell: () => NONE },
    { name: 'Readiness Gates', priority: 1, description: 'Pod readiness gates (minik has none).', cell: () => NONE },
  ],
  Node: [
    nameColumn,
    { name: 'Status', description: 'The status of the node.', cell: (o) => nodeStatus(o as Node) },
    { name: 'Roles', description: 'The roles of the node.', cell: (o) => nodeRoles(o as Node) },
    ageColumn,
    { name: 'Version', description: 'Kubelet Version reported by the node (minik: its proxier).', cell: (o) => (o as Node).status?.nodeInfo?.kubeProxyVersion || NONE },
    { name: 'Internal-IP', priority: 1, description: "The node's internal IP address.", cell: (o) => nodeInternalIp(o as Node) ?? NONE },
    { name: 'External-IP', priority: 1, description: "The node's external IP address.", cell: (o) => (o as Node).status?.addresses?.find((a) => a.type === 'ExternalIP')?.address ?? NONE },
    { name: 'OS-Image', priority: 1, description: 'OS image reported by the node (minik: not reported).', cell: () => '<unknown>' },
    { name: 'Kernel-Version', priority: 1, description: 'Kernel version reported by the node (minik: not reported).', cell: () => '<unknown>' },
    { name: 'Container-Runtime', priority: 1, description: 'Container runtime of the node (minik: processes in network namespaces).', cell: () => 'minik' },
  ],
  Endpoints: [
    nameColumn,
    { name: 'Endpoints', description: 'Endpoints of the service.', cell: (o) => endpointsList(o as Endpoints) },
    ageColumn,
  ],
  Ingress: [
    nameColumn,
    { name: 'Class', description: 'The name of the IngressClass resource.', cell: (o) => (o as Ingress).spec.ingressClassName || NONE },
    { name: 'Hosts', description: 'Hosts that incoming requests are matched against before the ingress rule.', cell: (o) => ingressHosts(o as Ingress) },
    { name: 'Address', description: 'Address is a list containing ingress points for the load-balancer.', cell: (o) =>
      ((o as Ingress).status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean).join(',') },
    { name: 'Ports', description: 'Ports of TLS configurations that open.', cell: () => '80' },
    ageColumn,
  ],
  Namespace: [
    nameColumn,
    { name: 'Status', description: 'The status of the namespace.', cell: (o) => (o as Namespace).status?.phase ?? 'Active' },
    ageColumn,
  ],
  Event: [
    { name: 'Last Seen', description: 'The time at which the most recent occurrence of this event was recorded.', cell: (o, now) => age((o as Event).lastTimestamp ?? o.metadata.creationTimestamp, now) },
    { name: 'Type', description: 'Type of this event (Normal, Warning).', cell: (o) => (o as Event).type ?? 'Normal' },
    { name: 'Reason', description: 'A short, machine understandable string that gives the reason for this event.', cell: (o) => (o as Event).reason ?? '' },
    { name: 'Object', description: 'The object that this event is about.', cell: (o) => {
      const ref = (o as Event).involvedObject;
      return `${(ref.kind ?? '').toLowerCase()}/${ref.name ?? ''}`;
    } },
    { name: 'Subobject', priority: 1, description: 'The part of the object this event is about.', cell: (o) => (o as Event).involvedObject.fieldPath ?? '' },
    { name: 'Source', priority: 1, description: 'The component reporting this event.', cell: (o) => (o as Event).source?.component ?? (o as Event).reportingComponent ?? '' },
    { name: 'Message', description: 'A human-readable description of the status of this operation.', cell: (o) => (o as Event).message ?? '' },
    { name: 'First Seen', priority: 1, description: 'The time at which the event was first recorded.', cell: (o, now) => age((o as Event).firstTimestamp ?? o.metadata.creationTimestamp, now) },
    { name: 'Count', priority: 1, description: 'The number of times this event has occurred.', cell: (o) => String((o as Event).count ?? 1) },
    { ...nameColumn, priority: 1 },
  ],
};

/** True when the Accept header asks for a meta.k8s.io Table before plain JSON. */
export function tableVersionRequested(accept: string | undefined): string | undefined {
  for (const part of (accept ?? '').split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((s) => s.trim()) as [string, string]));
    if (type === 'application/json' && p.as === 'Table' && p.g === 'meta.k8s.io' && (p.v === 'v1' || p.v === 'v1beta1')) {
      return `meta.k8s.io/${p.v}`;
    }
    // The first plain media type we can serve wins: the client preferred it.
    if (type === 'application/json' && !p.as) return undefined;
    if (type === '*/*') return undefined;
  }
  return undefined;
}

function rowObject(obj: AnyObject, include: IncludeObject, apiVersion: string): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: obj.metadata };
}

export function toTable(
  kind: Kind,
  objects: AnyObject[],
  options: { now: Date; resourceVersion?: string; includeObject?: IncludeObject; apiVersion?: string; noHeaders?: boolean },
): Table {
  const columns = COLUMNS[kind];
  const apiVersion = options.apiVersion ?? 'meta.k8s.io/v1';
  return {
    kind: 'Table',
    apiVersion,
    metadata: options.resourceVersion ? { resourceVersion: options.resourceVersion } : {},
    columnDefinitions: options.noHeaders
      ? []
      : columns.map((c) => ({ name: c.name, type: c.type ?? 'string', format: c.format ?? '', description: c.description, priority: c.priority ?? 0 })),
    rows: objects.map((obj) => {
      const row: TableRow = { cells: columns.map((c) => c.cell(obj, options.now)) };
      const object = rowObject(obj, options.includeObject ?? 'Metadata', apiVersion);
      if (object !== undefined) row.object = object;
      return row;
    }),
  };
}
