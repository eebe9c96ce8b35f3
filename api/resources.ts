// The kinds minik serves, and how each maps to REST paths and store keys.
// Everything that needs to know "which kinds exist" reads this table.

export type Kind = 'Namespace' | 'Node' | 'Service' | 'Pod' | 'Endpoints' | 'Ingress' | 'Event';

export interface ResourceInfo {
  kind: Kind;
  /** Lower-case plural used in URLs, e.g. `services`. */
  plural: string;
  /** Short names the CLI accepts, e.g. `svc`. */
  aliases: string[];
  apiVersion: string;
  /** URL prefix of the API group: `/api/v1` or `/apis/networking.k8s.io/v1`. */
  groupPath: string;
  namespaced: boolean;
}

export const RESOURCES: readonly ResourceInfo[] = [
  { kind: 'Namespace', plural: 'namespaces', aliases: ['namespace', 'ns'], apiVersion: 'v1', groupPath: '/api/v1', namespaced: false },
  { kind: 'Node', plural: 'nodes', aliases: ['node', 'no'], apiVersion: 'v1', groupPath: '/api/v1', namespaced: false },
  { kind: 'Service', plural: 'services', aliases: ['service', 'svc'], apiVersion: 'v1', groupPath: '/api/v1', namespaced: true },
  { kind: 'Pod', plural: 'pods', aliases: ['pod', 'po'], apiVersion: 'v1', groupPath: '/api/v1', namespaced: true },
  { kind: 'Endpoints', plural: 'endpoints', aliases: ['endpoint', 'ep'], apiVersion: 'v1', groupPath: '/api/v1', namespaced: true },
  {
    kind: 'Ingress',
    plural: 'ingresses',
    aliases: ['ingress', 'ing'],
    apiVersion: 'networking.k8s.io/v1',
    groupPath: '/apis/networking.k8s.io/v1',
    namespaced: true,
  },
  { kind: 'Event', plural: 'events', aliases: ['event', 'ev'], apiVersion: 'v1', groupPath: '/api/v1', namespaced: true },
];

export const ALL_KINDS: readonly Kind[] = RESOURCES.map((r) => r.kind);

export function resourceByKind(kind: Kind): ResourceInfo {
  const info = RESOURCES.find((r) => r.kind === kind);
  if (!info) throw new Error(`unknown kind ${kind}`);
  return info;
}

/** Finds a resource by plural, alias or kind name, case-insensitively (`svc`, `Service`, `services`). */
export function resourceByName(name: string): ResourceInfo | undefined {
  const n = name.toLowerCase();
  return RESOURCES.find((r) => r.plural === n || r.kind.toLowerCase() === n || r.aliases.includes(n));
}

/** Finds a resource by a manifest's apiVersion and kind. */
export function resourceByManifest(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.kind === kind && r.apiVersion === apiVersion);
}

/** `/api/v1/namespaces/demo/services/web`, `/api/v1/nodes`, ... */
export function resourcePath(info: ResourceInfo, namespace?: string, name?: string): string {
  let path = info.groupPath;
  if (info.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${info.plural}`;
  if (name) path += `/${encodeURIComponent(name)}`;
  return path;
}

/** Store/identity key of an object: `Service/demo/web`, `Node//node1`. */
export function objectKey(kind: Kind, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}
