// The REST client every role shares (the CLI, the agent, tests): Kubernetes
// paths from resources.ts, a bearer token on every call, failures rebuilt
// into ApiError from the server's Status, and `apply` (create or replace,
// keeping what the server allocated).

import { ApiError, isApiError } from './errors.ts';
import { mergeForApply, isUnchanged } from './apply-merge.ts';
import { resourceByManifest, resourceByName, resourcePath, type Kind, type ResourceInfo } from './resources.ts';
import { fetchFor, type FetchLike } from './tls-fetch.ts';
import type { KubeObject, ObjectList, Status } from './types.ts';

export type { FetchLike };

export interface ClientOptions {
  /** `https://127.0.0.1:6443` */
  server: string;
  token?: string;
  /** PEM of the CA that signed the server's certificate (the apiserver's own); absent: the system's roots. */
  ca?: string;
  /** Injected in tests (e.g. a hono app's `fetch`); defaults to fetch trusting `ca`. */
  fetch?: FetchLike;
  /** Per request; 0 disables. Default 30 s, so a hung server never hangs the CLI. */
  timeoutMs?: number;
}

export interface ListOptions {
  /** Ignored for cluster-scoped kinds. Defaults to `default` unless allNamespaces. */
  namespace?: string;
  allNamespaces?: boolean;
  /** Passed to the server unchanged: `app=web,tier!=db`. */
  labelSelector?: string;
}

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface ApplyResult<T extends KubeObject = KubeObject> {
  object: T;
  action: ApplyAction;
}

/**
 * The server could not be reached at all (refused, DNS, timeout). An ApiError
 * (reason ServiceUnavailable) so callers that catch ApiError see it too, but
 * printed as kubectl does: `Unable to connect to the server: ...`.
 */
export class ConnectionError extends ApiError {
  constructor(detail: string) {
    super('ServiceUnavailable', `Unable to connect to the server: ${detail}`);
    this.name = 'ConnectionError';
  }
}

export const DEFAULT_NAMESPACE = 'default';

/** Accepts a Kind (`Service`), plural or alias (`svc`); throws for anything else. */
export function resolveResource(kind: Kind | string): ResourceInfo {
  const info = resourceByName(kind);
  if (!info) throw new ApiError('BadRequest', `the server doesn't have a resource type "${kind}"`);
  return info;
}

/** The resource a manifest names, or a BadRequest saying which apiVersion/kind is unknown. */
export function manifestResource(obj: KubeObject): ResourceInfo {
  const info = resourceByManifest(obj.apiVersion, obj.kind);
  if (!info) {
    throw new ApiError('BadRequest', `no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`);
  }
  return info;
}

const TLS_ERROR_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME/;

function connectionDetail(err: unknown, server: string): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `request to ${server} timed out`;
  const cause = e?.cause;
  // undici's own words name the address: `connect ECONNREFUSED 127.0.0.1:6443`, `getaddrinfo ENOTFOUND x`.
  // A refused certificate says which check failed; kubectl words it `tls: failed to verify certificate: ...`.
  if (cause?.code && TLS_ERROR_CODES.test(cause.code)) return `tls: failed to verify certificate: ${cause.message ?? cause.code} (${server})`;
  if (cause?.code && cause.message) return cause.message;
  if (cause?.code) return `${cause.code} ${server}`;
  if (cause?.message) return `${cause.message} (${server})`;
  return `${e?.message ?? String(err)} (${server})`;
}

export class Client {
  readonly server: string;
  private readonly token?: string;
  private readonly fetchFn: FetchLike;
  private readonly timeoutMs: number;

  constructor(options: ClientOptions) {
    this.server = options.server.replace(/\/+$/, '');
    this.token = options.token;
    this.fetchFn = options.fetch ?? fetchFor(options.ca);
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** One REST call. Public so commands other than CRUD (rules, logs) can reach their own paths. */
  async request<T>(method: string, path: string, body?: unknown, query?: Record<string, string | undefined>): Promise<T> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') params.set(k, v);
    const url = `${this.server}${path}${params.size ? `?${params}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchFn(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: this.timeoutMs > 0 ? AbortSignal.timeout(this.timeoutMs) : undefined,
      });
    } catch (err) {
      throw new ConnectionError(connectionDetail(err, this.server));
    }
    const text = await response.text();
    if (!response.ok) throw errorFromResponse(response.status, text);
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  get<T extends KubeObject = KubeObject>(kind: Kind | string, namespace: string | undefined, name: string): Promise<T> {
    const info = resolveResource(kind);
    return this.request<T>('GET', resourcePath(info, namespace ?? DEFAULT_NAMESPACE, name));
  }

  list<T extends KubeObject = KubeObject>(kind: Kind | string, options: ListOptions = {}): Promise<ObjectList<T>> {
    const info = resolveResource(kind);
    const namespace = options.allNamespaces ? undefined : (options.namespace ?? DEFAULT_NAMESPACE);
    return this.request<ObjectList<T>>('GET', resourcePath(info, namespace), undefined, {
      labelSelector: options.labelSelector,
    });
  }

  create<T extends KubeObject>(obj: T): Promise<T> {
    const info = manifestResource(obj);
    const body = withNamespace(obj, info);
    return this.request<T>('POST', resourcePath(info, body.metadata.namespace), body);
  }

  update<T extends KubeObject>(obj: T): Promise<T> {
    const info = manifestResource(obj);
    const body = withNamespace(obj, info);
    return this.request<T>('PUT', resourcePath(info, body.metadata.namespace, body.metadata.name), body);
  }

  /** PUT .../status: replaces only `status` (pod readiness, load-balancer ingress); resourceVersion checked when set. */
  updateStatus<T extends KubeObject>(obj: T): Promise<T> {
    const info = manifestResource(obj);
    const body = withNamespace(obj, info);
    return this.request<T>('PUT', `${resourcePath(info, body.metadata.namespace, body.metadata.name)}/status`, body);
  }

  /** Returns what the server answers (the deleted object or a Success Status). */
  delete(kind: Kind | string, namespace: string | undefined, name: string): Promise<KubeObject | Status> {
    const info = resolveResource(kind);
    return this.request('DELETE', resourcePath(info, namespace ?? DEFAULT_NAMESPACE, name));
  }

  /**
   * Create, or replace keeping what the server allocated (clusterIP, nodePorts,
   * status). Not kubectl's three-way merge: the manifest is the whole desired
   * object, so a field removed from it is removed from the live object.
   */
  async apply<T extends KubeObject>(obj: T): Promise<ApplyResult<T>> {
    const info = manifestResource(obj);
    const desired = withNamespace(obj, info);
    let live: T | undefined;
    try {
      live = await this.get<T>(info.kind, desired.metadata.namespace, desired.metadata.name);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
    if (!live) return { object: await this.create(desired), action: 'created' };
    const merged = mergeForApply(live, desired);
    if (isUnchanged(live, merged)) return { object: live, action: 'unchanged' };
    return { object: await this.update(merged), action: 'configured' };
  }

  /** `ok` when the server is up; throws ConnectionError or ApiError otherwise. */
  async healthz(): Promise<string> {
    const body = await this.request<unknown>('GET', '/healthz');
    return typeof body === 'string' ? body : JSON.stringify(body);
  }
}

function withNamespace<T extends KubeObject>(obj: T, info: ResourceInfo): T {
  if (!obj?.metadata?.name) throw new ApiError('BadRequest', `${obj?.kind ?? 'object'} has no metadata.name`);
  if (!info.namespaced) return obj;
  if (obj.metadata.namespace) return obj;
  return { ...obj, metadata: { ...obj.metadata, namespace: DEFAULT_NAMESPACE } };
}

function errorFromResponse(code: number, text: string): ApiError {
  let body: Partial<Status> | undefined;
  try {
    body = JSON.parse(text) as Partial<Status>;
  } catch {
    body = undefined;
  }
  if (body && body.kind === 'Status') return ApiError.fromStatus({ ...body, code: body.code ?? code }, code);
  // Not a Status (a proxy, a crash page): keep the code's reason and show the text.
  return ApiError.fromStatus({ code, message: text.trim() || `the server responded with status ${code}` }, code);
}
