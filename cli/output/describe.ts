// `describe` as kubectl lays it out: `Key:   value` lines aligned on the
// longest key, sections indented under their heading. Pure: the object and
// what it relates to (a service's endpoints, a node's pods) in, text out.

import { DEFAULT_CLIENT_IP_AFFINITY_SECONDS } from '../../api/defaults.ts';
import { formatLabels } from '../../api/labels.ts';
import type { Endpoints, Event, Ingress, IngressBackend, KubeObject, Node, Pod, Service } from '../../api/types.ts';
import { age } from '../../api/columns/age.ts';
import { endpointsList, isPodReady, nodeStatus } from '../../api/columns/columns.ts';
import { formatTable } from './table.ts';

const NONE = '<none>';

/** A `Key: value` line, or a heading followed by indented free-form lines. */
type Entry = { key: string; value: string } | { key: string; block: string[] };

function render(entries: Entry[]): string {
  const width = Math.max(...entries.filter((e) => 'value' in e).map((e) => e.key.length + 1)) + 2;
  const out: string[] = [];
  for (const e of entries) {
    if ('value' in e) {
      const [first, ...rest] = e.value.split('\n');
      out.push(`${`${e.key}:`.padEnd(width)}${first}`.trimEnd());
      for (const line of rest) out.push(`${' '.repeat(width)}${line}`);
    } else {
      out.push(`${e.key}:`);
      for (const line of e.block) out.push(`  ${line}`.trimEnd());
    }
  }
  return out.join('\n') + '\n';
}

/** One label per line, as kubectl shows them. */
const labelLines = (labels: Record<string, string> | undefined) => formatLabels(labels).split(',').join('\n');

const meta = (obj: KubeObject, namespaced = true): Entry[] => [
  { key: 'Name', value: obj.metadata.name },
  ...(namespaced ? [{ key: 'Namespace', value: obj.metadata.namespace ?? 'default' }] : []),
  { key: 'Labels', value: labelLines(obj.metadata.labels) },
  { key: 'Annotations', value: labelLines(obj.metadata.annotations) },
];

/** kubectl's Events block: oldest first, `Type Reason Age From Message`; `<none>` without any. */
export function eventsEntry(events: Event[] | undefined, now: Date): Entry {
  if (!events?.length) return { key: 'Events', value: NONE };
  const rows = events.map((e) => [
    e.type ?? 'Normal',
    e.reason ?? '',
    `${age(e.lastTimestamp ?? e.metadata.creationTimestamp, now)}${(e.count ?? 1) > 1 ? ` (x${e.count} over ${age(e.firstTimestamp, now)})` : ''}`,
    e.source?.host ? `${e.source.component}, ${e.source.host}` : (e.source?.component ?? ''),
    e.message ?? '',
  ]);
  return { key: 'Events', block: formatTable(['Type', 'Reason', 'Age', 'From', 'Message'], [['----', '------', '----', '----', '-------'], ...rows]).trimEnd().split('\n') };
}

/** The node that announces a LoadBalancer IP: the newest `nodeAssigned` event's host. */
export function announcingNode(events: Event[] | undefined): string | undefined {
  const assigned = (events ?? []).filter((e) => e.reason === 'nodeAssigned' && e.source?.host);
  return assigned[assigned.length - 1]?.source?.host;
}

export function describeService(svc: Service, endpoints?: Endpoints, events?: Event[], now = new Date()): string {
  const spec = svc.spec;
  const type = spec.type ?? 'ClusterIP';
  const entries: Entry[] = [...meta(svc), { key: 'Selector', value: formatLabels(spec.selector) }, { key: 'Type', value: type }];
  if (type === 'ExternalName') {
    entries.push({ key: 'External Name', value: spec.externalName ?? NONE });
  } else {
    entries.push({ key: 'IP', value: spec.clusterIP || NONE }, { key: 'IPs', value: (spec.clusterIPs ?? [spec.clusterIP ?? NONE]).join(',') });
  }
  const lb = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname).filter(Boolean);
  if (type === 'LoadBalancer') {
    entries.push({ key: 'LoadBalancer Ingress', value: lb.length ? lb.join(', ') : '<pending>' });
    const node = announcingNode(events);
    if (lb.length && events) entries.push({ key: 'Announced By', value: node ? `${node} (layer 2: answers ARP for ${lb.join(', ')})` : '<none yet>' });
  }
  for (const p of spec.ports ?? []) {
    const name = p.name || '<unset>';
    const protocol = p.protocol ?? 'TCP';
    entries.push({ key: 'Port', value: `${name}  ${p.port}/${protocol}` });
    entries.push({ key: 'TargetPort', value: `${p.targetPort ?? p.port}/${protocol}` });
    if (p.nodePort) entries.push({ key: 'NodePort', value: `${name}  ${p.nodePort}/${protocol}` });
    if (type !== 'ExternalName') entries.push({ key: 'Endpoints', value: endpointsFor(endpoints, p.name) });
  }
  if (!spec.ports?.length && type !== 'ExternalName') entries.push({ key: 'Endpoints', value: endpoints ? endpointsList(endpoints) : NONE });
  entries.push({ key: 'Session Affinity', value: spec.sessionAffinity ?? 'None' });
  if (spec.sessionAffinity === 'ClientIP') {
    entries.push({ key: 'Session Affinity Timeout', value: `${spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_CLIENT_IP_AFFINITY_SECONDS}s` });
  }
  if (type === 'NodePort' || type === 'LoadBalancer') entries.push({ key: 'External Traffic Policy', value: spec.externalTrafficPolicy ?? 'Cluster' });
  entries.push(eventsEntry(events, now));
  return render(entries);
}

/** Every ready address of the port named `portName`, comma-separated. */
function endpointsFor(ep: Endpoints | undefined, portName: string | undefined): string {
  const list: string[] = [];
  for (const subset of ep?.subsets ?? []) {
    const port = subset.ports?.find((p) => (p.name ?? '') === (portName ?? '')) ?? (subset.ports?.length === 1 ? subset.ports[0] : undefined);
    if (!port) continue;
    for (const a of subset.addresses ?? []) list.push(`${a.ip}:${port.port}`);
  }
  return list.length ? list.join(',') : NONE;
}

export function describePod(pod: Pod, now: Date, events?: Event[]): string {
  const node = pod.spec?.nodeName ? `${pod.spec.nodeName}${pod.status?.hostIP ? `/${pod.status.hostIP}` : ''}` : NONE;
  const containers = (pod.spec?.containers ?? []).flatMap((c) => [
    `${c.name}:`,
    `  Image:    ${c.image}`,
    ...(c.ports ?? []).map((p) => `  Port:     ${p.containerPort}/${p.protocol ?? 'TCP'}${p.name ? ` (${p.name})` : ''}`),
    ...(c.command?.length || c.args?.length ? [`  Command:  ${[...(c.command ?? []), ...(c.args ?? [])].join(' ')}`] : []),
    `  Ready:    ${isPodReady(pod)}`,
    `  Restart Count:  ${pod.status?.restartCount ?? 0}`,
  ]);
  const conditions = pod.status?.conditions ?? [];
  return render([
    ...meta(pod).slice(0, 2),
    { key: 'Node', value: node },
    { key: 'Start Time', value: pod.status?.startTime ?? NONE },
    ...meta(pod).slice(2),
    { key: 'Status', value: pod.status?.phase ?? 'Pending' },
    { key: 'IP', value: pod.status?.podIP || NONE },
    { key: 'Age', value: age(pod.metadata.creationTimestamp, now) },
    { key: 'Containers', block: containers },
    { key: 'Conditions', block: conditionTable(conditions.map((c) => [c.type, c.status])) },
    eventsEntry(events, now),
  ]);
}

const conditionTable = (rows: string[][]) =>
  rows.length ? formatTable(['Type', 'Status'], rows).trimEnd().split('\n') : [NONE];

export function describeNode(node: Node, pods: Pod[], now: Date, events?: Event[]): string {
  const conditions = (node.status?.conditions ?? []).map((c) => [c.type, c.status, c.lastHeartbeatTime ?? '', c.reason ?? '']);
  const podRows = pods.map((p) => [p.metadata.namespace ?? 'default', p.metadata.name, p.status?.podIP ?? NONE, age(p.metadata.creationTimestamp, now)]);
  return render([
    ...meta(node, false),
    { key: 'CreationTimestamp', value: node.metadata.creationTimestamp ?? NONE },
    { key: 'Status', value: nodeStatus(node) },
    {
      key: 'Conditions',
      block: conditions.length ? formatTable(['Type', 'Status', 'LastHeartbeatTime', 'Reason'], conditions).trimEnd().split('\n') : [NONE],
    },
    { key: 'Addresses', block: (node.status?.addresses ?? []).map((a) => `${a.type}:  ${a.address}`) },
    { key: 'PodCIDR', value: node.spec.podCIDR || NONE },
    { key: 'Proxy Mode', value: node.status?.nodeInfo?.proxyMode || NONE },
    {
      key: `Pods (${pods.length} in total)`,
      block: podRows.length ? formatTable(['Namespace', 'Name', 'IP', 'Age'], podRows).trimEnd().split('\n') : [NONE],
    },
    eventsEntry(events, now),
  ]);
}

const backendText = (b: IngressBackend | undefined, endpoints: Map<string, Endpoints>) => {
  const svc = b?.service;
  if (!svc) return NONE;
  const ep = endpoints.get(svc.name);
  return `${svc.name}:${svc.port.number ?? svc.port.name ?? ''} (${ep ? endpointsList(ep) : NONE})`;
};

/** `endpoints` by service name, for the `(10.244.0.5:8080)` after each backend. */
export function describeIngress(ing: Ingress, endpoints: Map<string, Endpoints>): string {
  const rows: string[][] = [];
  for (const rule of ing.spec.rules ?? []) {
    const paths = rule.http?.paths ?? [];
    rows.push([rule.host || '*', '', '']);
    for (const p of paths) rows.push(['', `${p.path ?? '/'} (${p.pathType})`, backendText(p.backend, endpoints)]);
  }
  const address = (ing.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname).join(',');
  return render([
    ...meta(ing).slice(0, 2),
    { key: 'Address', value: address },
    { key: 'Ingress Class', value: ing.spec.ingressClassName || NONE },
    { key: 'Default backend', value: backendText(ing.spec.defaultBackend, endpoints) },
    { key: 'Rules', block: rows.length ? formatTable(['Host', 'Path', 'Backends'], [['----', '----', '--------'], ...rows]).trimEnd().split('\n') : [NONE] },
    ...meta(ing).slice(2),
    { key: 'Events', value: NONE },
  ]);
}
