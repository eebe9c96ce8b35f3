// Discovery: the documents kubectl and client libraries read first to learn
// which groups, versions and resources the server has (`/api`, `/api/v1`,
// `/apis`, ...). Built from api/resources.ts, so a kind added there is
// discoverable without touching this file. The aggregated discovery format
// (apidiscovery.k8s.io/v2) is not served: clients fall back to these.

import { MINIK_VERSION } from '../../api/version.ts';
import { RESOURCES, type Kind, type ResourceInfo } from '../../api/resources.ts';

/**
 * The Kubernetes API level minik speaks. kubectl warns when client and server
 * minor versions are more than one apart, so this tracks the kubectl we test
 * with; minik's own version rides in the build metadata, as k3s does.
 */
export const KUBE_MAJOR = '1';
export const KUBE_MINOR = '32';
export const KUBE_GIT_VERSION = `v${KUBE_MAJOR}.${KUBE_MINOR}.0+minik.${MINIK_VERSION.replace(/[^0-9A-Za-z.-]/g, '-')}`;

const ALL_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

/** Subresources served per kind, with their verbs (see rest/subresources). */
const SUBRESOURCES: Partial<Record<Kind, { name: string; verbs: string[] }[]>> = {
  Service: [{ name: 'status', verbs: STATUS_VERBS }],
  Pod: [
    { name: 'status', verbs: STATUS_VERBS },
    { name: 'log', verbs: ['get'] },
  ],
  Node: [{ name: 'status', verbs: STATUS_VERBS }],
  Ingress: [{ name: 'status', verbs: STATUS_VERBS }],
  Namespace: [{ name: 'status', verbs: STATUS_VERBS }],
};

/** kubectl's `get all` lists the kinds in category `all`. */
const CATEGORIES: Partial<Record<Kind, string[]>> = { Service: ['all'], Pod: ['all'] };

export interface GroupVersion {
  /** '' for the core group. */
  group: string;
  version: string;
  /** `v1` or `networking.k8s.io/v1`. */
  groupVersion: string;
  resources: ResourceInfo[];
}

export function groupVersions(resources: readonly ResourceInfo[] = RESOURCES): GroupVersion[] {
  const byGv = new Map<string, GroupVersion>();
  for (const info of resources) {
    const slash = info.apiVersion.indexOf('/');
    const group = slash < 0 ? '' : info.apiVersion.slice(0, slash);
    const version = slash < 0 ? info.apiVersion : info.apiVersion.slice(slash + 1);
    const gv = byGv.get(info.apiVersion) ?? { group, version, groupVersion: info.apiVersion, resources: [] };
    gv.resources.push(info);
    byGv.set(info.apiVersion, gv);
  }
  return [...byGv.values()];
}

export function versionInfo(now = new Date()) {
  return {
    major: KUBE_MAJOR,
    minor: KUBE_MINOR,
    gitVersion: KUBE_GIT_VERSION,
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

/** `GET /api` */
export function coreVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: groupVersions().filter((gv) => gv.group === '').map((gv) => gv.version),
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(group: string, gvs: GroupVersion[]) {
  const versions = gvs.map((gv) => ({ groupVersion: gv.groupVersion, version: gv.version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

/** `GET /apis`: every named group (the core group is under /api). */
export function groupList() {
  const named = groupVersions().filter((gv) => gv.group !== '');
  const groups = [...new Set(named.map((gv) => gv.group))].map((g) => apiGroup(g, named.filter((gv) => gv.group === g)));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** `GET /apis/GROUP`, or undefined for a group minik does not serve. */
export function group(name: string) {
  const gvs = groupVersions().filter((gv) => gv.group === name && name !== '');
  if (gvs.length === 0) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(name, gvs) };
}

/** `GET /api/v1`, `GET /apis/GROUP/VERSION`, or undefined when not served. */
export function resourceList(groupVersion: string) {
  const gv = groupVersions().find((g) => g.groupVersion === groupVersion);
  if (!gv) return undefined;
  // Sorted by name, as Kubernetes lists them: `kubectl get all` shows kinds in this order (pods before services).
  const sorted = [...gv.resources].sort((a, b) => a.plural.localeCompare(b.plural));
  const resources = sorted.flatMap((info) => {
    const singular = info.kind.toLowerCase();
    const main = {
      name: info.plural,
      singularName: singular,
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: ALL_VERBS,
      ...(shortNames(info).length ? { shortNames: shortNames(info) } : {}),
      ...(CATEGORIES[info.kind] ? { categories: CATEGORIES[info.kind] } : {}),
    };
    const subs = (SUBRESOURCES[info.kind] ?? []).map((s) => ({
      name: `${info.plural}/${s.name}`,
      singularName: '',
      namespaced: info.namespaced,
      kind: s.name === 'log' ? 'Pod' : info.kind,
      verbs: s.verbs,
    }));
    return [main, ...subs];
  });
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

/** Short names are the aliases that are neither the plural nor the singular (`svc`, `ep`). */
export function shortNames(info: ResourceInfo): string[] {
  const singular = info.kind.toLowerCase();
  return info.aliases.filter((a) => a !== singular && a !== info.plural && a !== info.plural.replace(/s$/, ''));
}

export function subresourcesOf(kind: Kind): string[] {
  return (SUBRESOURCES[kind] ?? []).map((s) => s.name);
}
