// An in-memory stand-in for the minik apiserver's REST surface, for client and
// CLI tests: Kubernetes paths, bearer auth, Status errors, resourceVersion
// conflicts, clusterIP/nodePort/LB-IP allocation. Small on purpose: it is the
// contract the client relies on, not a second apiserver.

import { Hono } from 'hono';
import { ApiError, alreadyExists, conflict, field, invalid, notFound, unauthorized } from './errors.ts';
import { RESOURCES, type ResourceInfo } from './resources.ts';
import type { KubeObject, Service } from './types.ts';

export interface FakeApiserver {
  /** Plug into `new Client({ fetch })`. */
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  /** Objects by `plural/namespace/name`. */
  objects: Map<string, KubeObject>;
  /** `METHOD path` of every request, in order. */
  requests: string[];
  put(obj: KubeObject): KubeObject;
}

export interface FakeApiserverOptions {
  token?: string;
  now?: () => Date;
  objects?: KubeObject[];
  /** Refuse namespaced creates into a namespace with no Namespace object (default and kube-system always exist), as the real server does. */
  requireNamespaces?: boolean;
}

const key = (plural: string, ns: string, name: string) => `${plural}/${ns}/${name}`;

function parsePath(path: string): { info: ResourceInfo; namespace: string; name?: string; status?: boolean } | undefined {
  const m = path.match(/^\/(?:api\/v1|apis\/networking\.k8s\.io\/v1)(?:\/namespaces\/([^/]+))?\/([a-z]+)(?:\/([^/]+))?(\/status)?$/);
  if (m) {
    const group = path.startsWith('/apis/') ? '/apis/networking.k8s.io/v1' : '/api/v1';
    const info = RESOURCES.find((r) => r.plural === m[2] && r.groupPath === group);
    if (info) {
      return { info, namespace: info.namespaced ? decodeURIComponent(m[1] ?? '') : '', name: m[3] && decodeURIComponent(m[3]), status: !!m[4] };
    }
  }
  // `/api/v1/namespaces/demo` is the namespace named demo.
  const ns = path.match(/^\/api\/v1\/namespaces\/([^/]+)$/);
  if (ns) return { info: RESOURCES.find((r) => r.kind === 'Namespace')!, namespace: '', name: decodeURIComponent(ns[1]) };
  return undefined;
}

function matchesSelector(labels: Record<string, string> | undefined, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return (labels ?? {})[k] === v;
  });
}

export function createFakeApiserver(options: FakeApiserverOptions = {}): FakeApiserver {
  const now = options.now ?? (() => new Date());
  const objects = new Map<string, KubeObject>();
  const requests: string[] = [];
  let revision = 0;
  let nextIp = 1;
  let nextNodePort = 30000;
  let nextLbIp = 200;

  const infoOf = (obj: KubeObject) => RESOURCES.find((r) => r.kind === obj.kind)!;
  const keyOf = (obj: KubeObject) => key(infoOf(obj).plural, infoOf(obj).namespaced ? (obj.metadata.namespace ?? 'default') : '', obj.metadata.name);

  function put(obj: KubeObject): KubeObject {
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(++revision);
    stored.metadata.uid ??= `uid-${revision}`;
    stored.metadata.creationTimestamp ??= now().toISOString();
    objects.set(keyOf(stored), stored);
    return stored;
  }

  function allocate(svc: Service, previous?: Service): void {
    const spec = svc.spec;
    const type = (spec.type ??= 'ClusterIP');
    for (const p of spec.ports ?? []) {
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port;
    }
    if (type !== 'ExternalName' && !spec.clusterIP) spec.clusterIP = previous?.spec.clusterIP ?? `10.96.0.${++nextIp}`;
    if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP];
    if (type === 'NodePort' || type === 'LoadBalancer') {
      const taken = new Set(
        [...objects.values()]
          .filter((o) => o.kind === 'Service' && o.metadata.uid !== previous?.metadata.uid)
          .flatMap((o) => ((o as Service).spec.ports ?? []).map((p) => p.nodePort)),
      );
      (spec.ports ?? []).forEach((p, i) => {
        if (p.nodePort && taken.has(p.nodePort)) {
          throw invalid('Service', svc.metadata.name, [
            field.invalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated'),
          ]);
        }
        p.nodePort ??= nextNodePort++;
      });
    }
    if (type === 'LoadBalancer') svc.status = previous?.status ?? { loadBalancer: { ingress: [{ ip: `192.168.77.${nextLbIp++}` }] } };
  }

  const app = new Hono();
  app.get('/healthz', (c) => c.text('ok'));
  app.all('*', async (c) => {
    const url = new URL(c.req.url);
    requests.push(`${c.req.method} ${url.pathname}${url.search}`);
    try {
      if (options.token && c.req.header('authorization') !== `Bearer ${options.token}`) throw unauthorized();
      const target = parsePath(url.pathname);
      if (!target) throw notFound('paths', url.pathname);
      const { info, namespace, name } = target;
      const existingKey = name ? key(info.plural, namespace, name) : '';
      const existing = name ? objects.get(existingKey) : undefined;
      switch (c.req.method) {
        case 'GET': {
          if (name) {
            if (!existing) throw notFound(info.plural, name);
            return c.json(existing);
          }
          const selector = url.searchParams.get('labelSelector') ?? undefined;
          const items = [...objects.values()]
            .filter((o) => o.kind === info.kind && (!info.namespaced || !namespace || o.metadata.namespace === namespace))
            .filter((o) => matchesSelector(o.metadata.labels, selector))
            .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
          return c.json({ apiVersion: info.apiVersion, kind: `${info.kind}List`, metadata: { resourceVersion: String(revision) }, items });
        }
        case 'POST': {
          const obj = (await c.req.json()) as KubeObject;
          if (info.namespaced) obj.metadata.namespace ??= namespace;
          const k = key(info.plural, info.namespaced ? obj.metadata.namespace! : '', obj.metadata.name);
          if (objects.has(k)) throw alreadyExists(info.plural, obj.metadata.name);
          const ns = obj.metadata.namespace;
          if (options.requireNamespaces && info.namespaced && ns && ns !== 'default' && ns !== 'kube-system' && !objects.has(key('namespaces', '', ns))) {
            throw notFound('namespaces', ns);
          }
          if (obj.kind === 'Service') allocate(obj as Service);
          return c.json(put(obj), 201);
        }
        case 'PUT': {
          const obj = (await c.req.json()) as KubeObject;
          if (!existing) throw notFound(info.plural, name!);
          if (target.status) {
            // Only status changes; a resourceVersion, when sent, must be current.
            if (obj.metadata?.resourceVersion && obj.metadata.resourceVersion !== existing.metadata.resourceVersion) throw conflict(info.plural, name!);
            return c.json(put({ ...existing, status: obj.status }));
          }
          if (obj.metadata.resourceVersion !== existing.metadata.resourceVersion) throw conflict(info.plural, name!);
          obj.metadata.uid = existing.metadata.uid;
          obj.metadata.creationTimestamp = existing.metadata.creationTimestamp;
          if (obj.kind === 'Service') allocate(obj as Service, existing as Service);
          return c.json(put(obj));
        }
        case 'DELETE': {
          if (!existing) throw notFound(info.plural, name!);
          objects.delete(existingKey);
          return c.json(existing);
        }
        default:
          throw new ApiError('MethodNotAllowed', `the server does not allow this method on the requested resource`);
      }
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : new ApiError('InternalError', String(err));
      return c.json(apiErr.toStatus(), apiErr.code as 400);
    }
  });

  for (const obj of options.objects ?? []) put(obj);
  return {
    fetch: async (input, init) => app.fetch(new Request(input, init)),
    objects,
    requests,
    put,
  };
}
