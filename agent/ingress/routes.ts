// Ingress routing as Kubernetes defines it, as pure data and pure functions:
// `buildRouteTable` turns Ingresses + Services + Endpoints into a table (once
// per sync), `route` answers one request's host and path from it (per
// request, no I/O). The HTTP server (server.ts) only moves bytes.
//
// Matching follows the networking.k8s.io/v1 Ingress documentation:
// - Hosts: an exact host beats a `*.example.com` wildcard, which matches
//   exactly one extra label (`a.example.com`, not `example.com` nor
//   `a.b.example.com`); a rule without host matches every host.
// - Paths: `Exact` matches the path as is (case-sensitive, trailing slash
//   significant); `Prefix` (and `ImplementationSpecific`, which we treat as
//   Prefix) matches whole `/`-separated elements, ignoring a trailing slash
//   (`/foo` matches `/foo`, `/foo/`, `/foo/bar`, never `/foobar`). The longest
//   matching path wins; on equal length `Exact` beats `Prefix`.
//
// Choices where the documentation is silent (documented in agent/ingress/README.md):
// - Host classes are tried most specific first (exact, wildcard, no host), and
//   a class whose paths do not match falls through to the next one, as Gateway
//   API specifies for HTTPRoute. Only then does the default backend answer.
// - Two ingresses claiming the same host, path and path type: the oldest
//   (creationTimestamp, then namespace/name) wins; so does the oldest
//   ingress's `defaultBackend` when several have one.
// - A backend whose Service or port does not exist, or that has no ready
//   endpoint, answers 503 (as ingress-nginx does), never a silent fallthrough.

import type { Endpoints, Ingress, IngressBackend, Service } from '../../api/types.ts';

export interface BackendRef {
  namespace: string;
  service: string;
  /** the Service port, by number or by name, as the Ingress names it */
  port: number | string;
}

export interface EndpointAddr {
  ip: string;
  port: number;
}

/** A backend with its ready endpoints resolved at build time. */
export interface ResolvedBackend {
  backend: BackendRef;
  endpoints: EndpointAddr[];
  /** why there are no endpoints (for the 503 text) */
  reason?: string;
}

export interface PathRule {
  /** as written in the Ingress (Prefix paths keep their trailing slash here) */
  path: string;
  pathType: 'Exact' | 'Prefix';
  /** Prefix: the path's elements; Exact: unused */
  elements: string[];
  /** length used to rank matches: Exact → path length, Prefix → without trailing slash */
  rank: number;
  target: ResolvedBackend;
  /** `namespace/name` of the Ingress this rule came from */
  ingress: string;
}

export interface RouteTable {
  exactHosts: Map<string, PathRule[]>;
  /** keyed by the suffix after `*.`: `*.example.com` → `example.com` */
  wildcardHosts: Map<string, PathRule[]>;
  anyHost: PathRule[];
  defaultBackend?: ResolvedBackend & { ingress: string };
}

export type RouteResult =
  | { status: 200; backend: BackendRef; endpoints: EndpointAddr[]; ingress: string }
  | { status: 404 }
  | { status: 503; backend: BackendRef; reason: string; ingress: string };

export const emptyRouteTable = (): RouteTable => ({ exactHosts: new Map(), wildcardHosts: new Map(), anyHost: [] });

// ---- building ----------------------------------------------------------------

const key = (namespace: string | undefined, name: string) => `${namespace ?? 'default'}/${name}`;

/** Oldest first, ties broken by namespace/name, so the result never depends on list order. */
function byAge(a: Ingress, b: Ingress): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = key(a.metadata.namespace, a.metadata.name);
  const kb = key(b.metadata.namespace, b.metadata.name);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Resolves an Ingress backend to the ready endpoints of its Service port. */
export function resolveBackend(
  namespace: string,
  backend: IngressBackend,
  services: Map<string, Service>,
  endpoints: Map<string, Endpoints>,
): ResolvedBackend | undefined {
  const ref = backend.service;
  if (!ref) return undefined; // resource backends are not supported
  const port = ref.port.number ?? ref.port.name ?? 0;
  const target: BackendRef = { namespace, service: ref.name, port };
  const svc = services.get(key(namespace, ref.name));
  if (!svc) return { backend: target, endpoints: [], reason: `service ${namespace}/${ref.name} not found` };
  const svcPort = (svc.spec.ports ?? []).find((p) =>
    ref.port.number !== undefined ? p.port === ref.port.number : p.name === ref.port.name,
  );
  if (!svcPort || (svcPort.protocol ?? 'TCP') !== 'TCP') {
    return { backend: target, endpoints: [], reason: `service ${namespace}/${ref.name} has no TCP port ${port}` };
  }
  // Endpoints name their ports after the Service port (unnamed in a one-port service).
  const wantedName = svcPort.name ?? '';
  const found: EndpointAddr[] = [];
  for (const subset of endpoints.get(key(namespace, ref.name))?.subsets ?? []) {
    const epPort = (subset.ports ?? []).find((p) => (p.name ?? '') === wantedName && (p.protocol ?? 'TCP') === 'TCP');
    if (!epPort) continue;
    for (const addr of subset.addresses ?? []) found.push({ ip: addr.ip, port: epPort.port });
  }
  if (!found.length) return { backend: target, endpoints: [], reason: `no ready endpoints for ${namespace}/${ref.name}:${port}` };
  return { backend: target, endpoints: found };
}

/** Host as it appears in a rule, lower-cased; a `*.` prefix marks a wildcard. */
const normalizeRuleHost = (host: string) => host.trim().toLowerCase().replace(/\.$/, '');

function pathRule(path: string, pathType: string, target: ResolvedBackend, ingress: string): PathRule {
  if (pathType === 'Exact') return { path, pathType: 'Exact', elements: [], rank: path.length, target, ingress };
  const elements = path.split('/').filter(Boolean);
  // rank = length without the trailing slash: `/foo/` and `/foo` tie, then Exact wins.
  return { path, pathType: 'Prefix', elements, rank: path.replace(/\/+$/, '').length, target, ingress };
}

/** Longest first; on a tie Exact before Prefix; otherwise keep the (oldest-first) insertion order. */
function sortRules(rules: PathRule[]): void {
  rules.sort((a, b) => b.rank - a.rank || (a.pathType === b.pathType ? 0 : a.pathType === 'Exact' ? -1 : 1));
}

export function buildRouteTable(ingresses: Ingress[], services: Service[], endpoints: Endpoints[]): RouteTable {
  const svcIndex = new Map(services.map((s) => [key(s.metadata.namespace, s.metadata.name), s]));
  const epIndex = new Map(endpoints.map((e) => [key(e.metadata.namespace, e.metadata.name), e]));
  const table = emptyRouteTable();
  for (const ing of [...ingresses].sort(byAge)) {
    const namespace = ing.metadata.namespace ?? 'default';
    const source = key(namespace, ing.metadata.name);
    const resolve = (b: IngressBackend) => resolveBackend(namespace, b, svcIndex, epIndex);
    if (ing.spec.defaultBackend && !table.defaultBackend) {
      const target = resolve(ing.spec.defaultBackend);
      if (target) table.defaultBackend = { ...target, ingress: source };
    }
    for (const rule of ing.spec.rules ?? []) {
      const host = rule.host ? normalizeRuleHost(rule.host) : '';
      let list: PathRule[];
      if (!host) list = table.anyHost;
      else {
        const map = host.startsWith('*.') ? table.wildcardHosts : table.exactHosts;
        const mapKey = host.startsWith('*.') ? host.slice(2) : host;
        list = map.get(mapKey) ?? [];
        map.set(mapKey, list);
      }
      for (const p of rule.http?.paths ?? []) {
        const target = resolve(p.backend);
        if (!target) continue;
        list.push(pathRule(p.path || '/', p.pathType, target, source));
      }
    }
  }
  sortRules(table.anyHost);
  for (const rules of table.exactHosts.values()) sortRules(rules);
  for (const rules of table.wildcardHosts.values()) sortRules(rules);
  return table;
}

// ---- matching ----------------------------------------------------------------

/** `Example.COM:8080` → `example.com`; `[::1]:80` → `::1`. */
export function hostOf(header: string | undefined): string {
  if (!header) return '';
  let host = header.trim().toLowerCase();
  if (host.startsWith('[')) host = host.slice(1, host.indexOf(']') > 0 ? host.indexOf(']') : undefined);
  else host = host.replace(/:\d*$/, '');
  return host.replace(/\.$/, '');
}

/** Whether a Prefix rule's elements are an element-wise prefix of the request path. */
function prefixMatches(elements: string[], path: string): boolean {
  if (elements.length === 0) return true; // `/` matches everything
  const requested = path.split('/').filter(Boolean);
  if (requested.length < elements.length) return false;
  for (let i = 0; i < elements.length; i++) if (elements[i] !== requested[i]) return false;
  return true;
}

export function pathMatches(rule: PathRule, path: string): boolean {
  return rule.pathType === 'Exact' ? rule.path === path : prefixMatches(rule.elements, path);
}

function answer(target: ResolvedBackend, ingress: string): RouteResult {
  if (!target.endpoints.length) {
    return { status: 503, backend: target.backend, reason: target.reason ?? 'no ready endpoints', ingress };
  }
  return { status: 200, backend: target.backend, endpoints: target.endpoints, ingress };
}

/** The candidate rule lists for a host, most specific first. */
function rulesFor(table: RouteTable, host: string): PathRule[][] {
  const lists: PathRule[][] = [];
  const exact = table.exactHosts.get(host);
  if (exact) lists.push(exact);
  const dot = host.indexOf('.');
  // One label only: `a.example.com` looks up `example.com`; `example.com` looks up `com`,
  // which a rule `*.com` would legitimately match.
  if (dot > 0) {
    const wild = table.wildcardHosts.get(host.slice(dot + 1));
    if (wild) lists.push(wild);
  }
  lists.push(table.anyHost);
  return lists;
}

/**
 * Routes one request. `host` is the Host header (a port is stripped here),
 * `path` the request path (a query string is stripped here).
 */
export function route(table: RouteTable, host: string | undefined, path: string): RouteResult {
  const h = hostOf(host);
  const p = path.split('?')[0].split('#')[0] || '/';
  for (const rules of rulesFor(table, h)) {
    const hit = rules.find((r) => pathMatches(r, p));
    if (hit) return answer(hit.target, hit.ingress);
  }
  if (table.defaultBackend) return answer(table.defaultBackend, table.defaultBackend.ingress);
  return { status: 404 };
}
