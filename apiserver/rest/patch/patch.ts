// PATCH: the four patch types kubectl and client libraries send, each turning
// the live object into the object to store. What happens next (validation,
// allocation, optimistic concurrency, dry run) is the same as for PUT.

import jsonPatch from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest } from '../../../api/errors.ts';
import type { Kind, ResourceInfo } from '../../../api/resources.ts';
import type { AnyObject } from '../../../api/types.ts';
import { serverSideApply } from './apply.ts';
import { readManagedFields, trackUpdate, type ManagedFieldsEntry } from './managed-fields.ts';
import { isObject, mergePatch, type Json } from './merge.ts';
import { kindMeta } from './meta.ts';
import { strategicMergePatch } from './strategic.ts';

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;
export type PatchType = (typeof PATCH_TYPES)[keyof typeof PATCH_TYPES];

export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  // apply-patch+cbor is not supported; JSON is YAML, so +json rides on +yaml.
  if (type === 'application/apply-patch+json') return PATCH_TYPES.apply;
  if ((Object.values(PATCH_TYPES) as string[]).includes(type)) return type as PatchType;
  throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${Object.values(PATCH_TYPES).join(', ')}`);
}

export interface PatchRequest {
  type: PatchType;
  body: string;
  /** fieldManager (required for apply). */
  manager: string;
  /** `force=true` (apply only). */
  force: boolean;
  now: Date;
}

export interface PatchOutcome {
  object: AnyObject;
  /** False when the object did not exist and apply creates it. */
  exists: boolean;
  /** The patch named a resourceVersion: a stale one must fail rather than be retried. */
  preconditioned: boolean;
}

function parseJson(body: string): Json {
  try {
    return JSON.parse(body) as Json;
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

function patchResourceVersion(patch: Json): string | undefined {
  const rv = isObject(patch) && isObject(patch.metadata) ? patch.metadata.resourceVersion : undefined;
  return typeof rv === 'string' && rv ? rv : undefined;
}

/**
 * The object PATCH would store: `live` with the patch applied, managedFields
 * updated for the manager. `live` undefined is only valid for apply (create).
 */
export function patchObject(info: ResourceInfo, live: AnyObject | undefined, name: string, req: PatchRequest): PatchOutcome {
  const kind = info.kind as Kind;
  const meta = kindMeta(kind);
  if (req.type === PATCH_TYPES.apply) return applyPatch(info, live, name, req);
  if (!live) throw new ApiError('NotFound', `${info.plural} "${name}" not found`, { name, kind: info.plural });

  const current = structuredClone(live) as unknown as Json;
  let patched: Json;
  let rv: string | undefined;
  if (req.type === PATCH_TYPES.json) {
    const ops = parseJson(req.body);
    if (!Array.isArray(ops)) throw badRequest('a JSON patch must be a list of operations');
    try {
      patched = jsonPatch.applyPatch(current, ops as unknown as jsonPatch.Operation[], true, false).newDocument as Json;
    } catch (err) {
      throw new ApiError('Invalid', `the server rejected our request due to an error in our request: ${(err as Error).message.split('\n')[0]}`);
    }
    const after = isObject(patched) && isObject(patched.metadata) ? patched.metadata.resourceVersion : undefined;
    rv = typeof after === 'string' && after !== live.metadata.resourceVersion ? after : undefined;
  } else {
    const patch = parseJson(req.body);
    if (!isObject(patch)) throw badRequest('a merge patch must be a JSON object');
    rv = patchResourceVersion(patch);
    patched = req.type === PATCH_TYPES.merge ? mergePatch(current, patch) : strategicMergePatch(current, patch, meta);
  }
  if (!isObject(patched) || !isObject(patched.metadata)) throw new ApiError('Invalid', 'the patched object has no metadata');
  const object = patched as unknown as AnyObject;
  object.metadata.resourceVersion = rv ?? live.metadata.resourceVersion;
  // The patched object's managedFields: the stored ones, unless the patch itself rewrote them
  // (kubectl's client-side to server-side apply migration is a JSON patch of managedFields).
  setManagedFields(object, trackUpdate(live, object, meta, req.manager, req.now, readManagedFields(object)));
  return { object, exists: true, preconditioned: rv !== undefined };
}

function applyPatch(info: ResourceInfo, live: AnyObject | undefined, name: string, req: PatchRequest): PatchOutcome {
  if (!req.manager) throw new ApiError('BadRequest', 'PATCH requests with the apply content type must specify fieldManager');
  let applied: unknown;
  try {
    applied = parseYaml(req.body);
  } catch (err) {
    throw badRequest(`error decoding YAML: ${(err as Error).message}`);
  }
  if (!isObject(applied as Json)) throw badRequest('the applied configuration must be an object');
  const obj = applied as AnyObject;
  if (obj.kind !== info.kind || obj.apiVersion !== info.apiVersion) {
    throw badRequest(`the applied configuration is a ${obj.apiVersion}/${obj.kind}, not a ${info.apiVersion}/${info.kind}`);
  }
  if (!isObject(obj.metadata as unknown as Json) || obj.metadata.name !== name) {
    throw badRequest(`the name of the applied configuration (${obj.metadata?.name}) does not match the name on the URL (${name})`);
  }
  const rv = obj.metadata.resourceVersion;
  if (live && rv && rv !== live.metadata.resourceVersion) {
    throw new ApiError(
      'Conflict',
      `Operation cannot be fulfilled on ${info.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, kind: info.plural },
    );
  }
  const result = serverSideApply(live, obj, kindMeta(info.kind as Kind), { manager: req.manager, force: req.force, now: req.now });
  const object = result.object;
  if (live) object.metadata.resourceVersion = live.metadata.resourceVersion;
  setManagedFields(object, result.managedFields);
  return { object, exists: !!live, preconditioned: !!rv };
}

export function setManagedFields(obj: AnyObject, entries: ManagedFieldsEntry[]): void {
  (obj.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields = entries;
}
