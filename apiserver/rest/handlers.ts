// The parts of each resource's REST handlers that stock kubectl and the client
// libraries rely on beyond plain JSON CRUD: lists that watch or print as
// Tables, field selectors, PATCH, `dryRun`, and field-manager bookkeeping.
// app.ts mounts the routes; these functions do the work.

import type { Context } from 'hono';
import { ApiError, badRequest } from '../../api/errors.ts';
import { matchesSelector, parseSelector } from '../../api/labels.ts';
import type { Kind, ResourceInfo } from '../../api/resources.ts';
import type { AnyObject, KubeObject } from '../../api/types.ts';
import type { Registry } from '../registry/registry.ts';
import type { TransactOptions } from '../store/store.ts';
import { decodeObject } from '../../api/schema/index.ts';
import { matchesFields, parseFieldSelector } from './field-selector.ts';
import { enforceFieldValidation } from './field-validation.ts';
import { readManagedFields, trackUpdate } from './patch/managed-fields.ts';
import { kindMeta } from './patch/meta.ts';
import { PATCH_TYPES, patchObject, patchTypeOf, setManagedFields } from './patch/patch.ts';
import { tableVersionRequested, toTable, type IncludeObject } from './tables.ts';
import { watchResponse } from './watch-http.ts';

export const WATCH_BOOKMARK_INTERVAL_MS = 60_000;
/** Kubernetes' --min-request-timeout: a watch without timeoutSeconds ends after 30-60 minutes. */
const MIN_REQUEST_TIMEOUT_S = 1800;
const MAX_PENDING_WATCH_EVENTS = 10_000;

export interface HandlerConfig {
  now?: () => Date;
  bookmarkIntervalMs?: number;
}

const queryList = (c: Context, name: string): string[] => c.req.queries(name) ?? [];

/** `?dryRun=All` (the only value Kubernetes defines); anything else is a 400. */
export function dryRunOf(c: Context, fromBody: unknown = undefined): TransactOptions {
  const values = [...queryList(c, 'dryRun'), ...(Array.isArray(fromBody) ? fromBody.map(String) : [])];
  for (const v of values) {
    if (v !== 'All') throw new ApiError('BadRequest', `Invalid dryRun value: dryRun: Unsupported value: "${v}": supported values: "All"`);
  }
  return { dryRun: values.length > 0 };
}

/** The field manager of a write: `?fieldManager=`, else the User-Agent's product (`kubectl`), as Kubernetes does. */
export function fieldManagerOf(c: Context): string {
  const given = c.req.query('fieldManager');
  if (given !== undefined) {
    if (given.length > 128) throw badRequest('fieldManager: Too long: may not be more than 128 bytes');
    return given;
  }
  const agent = c.req.header('user-agent') ?? '';
  return agent.split('/')[0].slice(0, 128) || 'unknown';
}

function includeObjectOf(c: Context): IncludeObject {
  const v = c.req.query('includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object') throw badRequest(`includeObject: Unsupported value: "${v}"`);
  return v;
}

/** A single object as JSON, or as a one-row Table when the client asked for one. */
export function respond(c: Context, info: ResourceInfo, obj: AnyObject, status = 200, config: HandlerConfig = {}): Response {
  const tableVersion = c.req.method === 'GET' ? tableVersionRequested(c.req.header('accept')) : undefined;
  if (tableVersion) {
    return c.json(toTable(info.kind as Kind, [obj], { now: (config.now ?? (() => new Date()))(), includeObject: includeObjectOf(c), apiVersion: tableVersion, resourceVersion: obj.metadata.resourceVersion }), status as 200);
  }
  return c.json(obj, status as 200);
}

/** GET on a collection: a List, a Table, or with `watch=true` an event stream. */
export function listOrWatch(c: Context, registry: Registry, info: ResourceInfo, namespace: string | undefined, config: HandlerConfig = {}): Response {
  const kind = info.kind as Kind;
  const labelSelector = c.req.query('labelSelector') || undefined;
  const selector = labelSelector ? parseSelector(labelSelector) : undefined;
  const fields = parseFieldSelector(kind, c.req.query('fieldSelector'));
  const matches = selector || fields.length
    ? (o: AnyObject) => (!selector || matchesSelector(o.metadata.labels ?? {}, selector)) && matchesFields(o, fields)
    : undefined;
  const tableVersion = tableVersionRequested(c.req.header('accept'));
  const now = config.now ?? (() => new Date());

  const watch = c.req.query('watch');
  if (watch === 'true' || watch === '1') {
    const timeout = c.req.query('timeoutSeconds');
    if (timeout !== undefined && !/^\d+$/.test(timeout)) throw badRequest(`timeoutSeconds: Invalid value: "${timeout}"`);
    const rv = c.req.query('resourceVersion');
    if (rv && !/^\d+$/.test(rv)) throw badRequest(`resourceVersion: Invalid value: "${rv}": must be a revision number`);
    const includeObject = tableVersion ? includeObjectOf(c) : 'Object';
    return watchResponse(
      registry.store,
      {
        kind,
        apiVersion: info.apiVersion,
        namespace: info.namespaced ? namespace : undefined,
        matches,
        resourceVersion: rv,
        allowWatchBookmarks: c.req.query('allowWatchBookmarks') === 'true',
        sendInitialEvents: c.req.query('sendInitialEvents') === 'true',
        bookmarkIntervalMs: config.bookmarkIntervalMs ?? WATCH_BOOKMARK_INTERVAL_MS,
        timeoutMs: (timeout !== undefined ? Number(timeout) : MIN_REQUEST_TIMEOUT_S * (1 + Math.random())) * 1000,
        maxPendingEvents: MAX_PENDING_WATCH_EVENTS,
      },
      tableVersion
        ? (_type, obj) => toTable(kind, [obj as AnyObject], { now: now(), includeObject, apiVersion: tableVersion })
        : undefined,
    );
  }

  const items = registry.list(kind, { namespace }).filter((o) => !matches || matches(o));
  const resourceVersion = String(registry.store.currentRevision());
  if (tableVersion) {
    return c.json(toTable(kind, items, { now: now(), includeObject: includeObjectOf(c), apiVersion: tableVersion, resourceVersion }));
  }
  return c.json({ apiVersion: info.apiVersion, kind: `${info.kind}List`, metadata: { resourceVersion }, items });
}

/**
 * Sets metadata.managedFields of an object about to be created or replaced by
 * `c`'s manager. As in Kubernetes, a body that carries managedFields sets them
 * (kubectl rewrites them that way when it moves client-side apply to
 * server-side apply); one that leaves them out keeps the stored ones.
 */
export function trackWrite(c: Context, info: ResourceInfo, old: AnyObject | undefined, obj: AnyObject, now = new Date()): void {
  const sent = readManagedFields(obj);
  const base = Array.isArray((obj.metadata as { managedFields?: unknown }).managedFields) ? sent : readManagedFields(old);
  setManagedFields(obj, trackUpdate(old, obj, kindMeta(info.kind as Kind), fieldManagerOf(c), now, base));
}

/** PATCH on an object (or its status). */
export async function patchHandler(c: Context, registry: Registry, info: ResourceInfo, namespace: string | undefined, name: string, status = false): Promise<Response> {
  const kind = info.kind as Kind;
  const type = patchTypeOf(c.req.header('content-type'));
  const body = await c.req.text();
  const options = dryRunOf(c);
  const force = c.req.query('force') === 'true';
  if (c.req.query('force') !== undefined && type !== PATCH_TYPES.apply) throw badRequest('force: Forbidden: may not be specified for non-apply patch');
  const manager = type === PATCH_TYPES.apply ? (c.req.query('fieldManager') ?? '') : fieldManagerOf(c);
  // Read and write in one synchronous step (the registry starts its
  // transaction before yielding), so nothing can slip in between; a retry
  // covers a write that raced anyway, unless the patch pinned a resourceVersion.
  for (let attempt = 0; ; attempt++) {
    const live = registry.store.get<AnyObject>(kind, info.namespaced ? namespace : undefined, name);
    const outcome = patchObject(info, live, name, { type, body, manager, force, now: new Date() });
    // The patched object goes through the decoder like any body: unknown fields are reported per fieldValidation.
    const { object: obj, dropped } = decodeObject(kind, outcome.object);
    if (attempt === 0) enforceFieldValidation(c, info, dropped);
    if (info.namespaced) obj.metadata.namespace = namespace;
    try {
      if (status) {
        if (!live) throw new ApiError('NotFound', `${info.plural} "${name}" not found`, { name, kind: info.plural });
        return respond(c, info, await registry.updateStatus(kind, namespace, name, (obj as KubeObject).status, obj.metadata.resourceVersion, options));
      }
      if (!outcome.exists) return respond(c, info, await registry.create(obj, options), 201);
      return respond(c, info, await registry.update(obj, options));
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'Conflict' && !outcome.preconditioned && !err.details?.causes && attempt < 3) continue;
      throw err;
    }
  }
}
