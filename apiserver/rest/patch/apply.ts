// Server-side apply (`application/apply-patch+yaml`): the applied
// configuration is what `manager` wants, no more. Merged into the live object
// along the types' list keys; fields the manager applied before and leaves
// out now are removed unless someone else owns them; a field another manager
// owns with a different value is a conflict, unless forced, which moves the
// ownership. Semantics and messages follow sigs.k8s.io/structured-merge-diff
// and the apiserver's fieldmanager.

import { ApiError } from '../../../api/errors.ts';
import type { AnyObject } from '../../../api/types.ts';
import { childMeta, type FieldMeta } from './meta.ts';
import { isObject, type Json } from './merge.ts';
import {
  decodePath,
  elementKey,
  fieldsOf,
  fromFieldsV1,
  pathString,
  readManagedFields,
  removeAt,
  toFieldsV1,
  trackedPart,
  valueAt,
  type FieldSet,
  type ManagedFieldsEntry,
} from './managed-fields.ts';

export interface ApplyResult {
  object: AnyObject;
  managedFields: ManagedFieldsEntry[];
}

interface Conflict {
  manager: ManagedFieldsEntry;
  path: string[];
}

const nowString = (now: Date) => now.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** As structured-merge-diff names a manager in conflicts: its identity without the time. */
function managerLabel(e: ManagedFieldsEntry): string {
  return e.operation === 'Update' ? `"${e.manager}" using ${e.apiVersion}` : `"${e.manager}"`;
}

export function conflictError(conflicts: Conflict[]): ApiError {
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${managerLabel(c.manager)}`, field: pathString(c.path) }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${managerLabel(conflicts[0].manager)}: ${pathString(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const label = managerLabel(c.manager);
      byManager.set(label, [...(byManager.get(label) ?? []), pathString(c.path)]);
    }
    const lines = [...byManager.keys()].sort().flatMap((m) => [`conflicts with ${m}:`, ...byManager.get(m)!.map((p) => `- ${p}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError('Conflict', message, { causes });
}

/** Structured merge of `applied` into `live`: maps by key, list maps by their keys, sets as union, the rest replaced. */
export function mergeApplied(live: Json | undefined, applied: Json, meta: FieldMeta): Json {
  if (isObject(applied) && !meta.atomic) {
    const out: Record<string, Json> = isObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) continue;
      out[k] = mergeApplied(out[k], v, childMeta(meta, k));
    }
    return out;
  }
  if (Array.isArray(applied) && meta.list?.type === 'map' && Array.isArray(live)) {
    const out = [...live];
    for (const element of applied) {
      const key = elementKey(element, meta);
      const at = out.findIndex((e) => elementKey(e, meta) === key);
      if (at >= 0) out[at] = mergeApplied(out[at], element, meta.list.items ?? {});
      else out.push(structuredClone(element));
    }
    return out;
  }
  if (Array.isArray(applied) && meta.list?.type === 'set' && Array.isArray(live)) {
    const seen = new Set(live.map((v) => JSON.stringify(v)));
    return [...live, ...applied.filter((v) => !seen.has(JSON.stringify(v)))];
  }
  return structuredClone(applied);
}

/**
 * Applies `applied` for `manager` onto `live` (undefined: the object does not
 * exist yet). Throws a 409 Conflict listing every conflict unless `force`.
 */
export function serverSideApply(
  live: AnyObject | undefined,
  applied: AnyObject,
  meta: FieldMeta,
  options: { manager: string; force: boolean; now: Date },
): ApplyResult {
  const appliedPart = trackedPart(applied);
  const appliedSet = fieldsOf(appliedPart, meta);
  const entries = readManagedFields(live);
  const sets = entries.map((entry) => ({ entry, set: fromFieldsV1(entry.fieldsV1) }));
  const isMine = (e: ManagedFieldsEntry) => e.manager === options.manager && e.operation === 'Apply';
  const livePart = live ? trackedPart(live) : undefined;

  // Conflicts: a field someone else owns whose value this apply would change.
  const conflicts: Conflict[] = [];
  for (const s of sets) {
    if (isMine(s.entry)) continue;
    for (const key of appliedSet) {
      if (!s.set.has(key)) continue;
      const path = decodePath(key);
      const last = path[path.length - 1];
      if (last.startsWith('k:') || last.startsWith('v:')) continue; // an element or set value: existence only
      const before = valueAt(livePart, path, meta);
      const after = valueAt(appliedPart, path, meta);
      if (JSON.stringify(before) !== JSON.stringify(after)) conflicts.push({ manager: s.entry, path });
    }
  }
  if (conflicts.length && !options.force) throw conflictError(conflicts);
  for (const c of conflicts) sets.find((s) => s.entry === c.manager)?.set.delete(pathKey(c.path));

  // Fields this manager applied before and no longer does: removed unless another manager holds them.
  const previous: FieldSet = sets.find((s) => isMine(s.entry))?.set ?? new Set();
  let merged = structuredClone((live ?? applied) as unknown as Json) as Record<string, Json>;
  const removed = [...previous].filter((k) => !appliedSet.has(k) && !sets.some((s) => !isMine(s.entry) && s.set.has(k)));
  // Deepest first, so an element's fields go before the element.
  removed.sort((a, b) => decodePath(b).length - decodePath(a).length);
  for (const key of removed) removeAt(merged, decodePath(key), meta);

  merged = mergeApplied(merged, appliedPart, meta) as Record<string, Json>;
  if (live) {
    // Identity and status stay the server's.
    merged.apiVersion = live.apiVersion;
    merged.kind = live.kind;
    merged.metadata = { ...(merged.metadata as Record<string, Json>), name: live.metadata.name };
    if (live.metadata.namespace) (merged.metadata as Record<string, Json>).namespace = live.metadata.namespace;
  }

  const mine = sets.find((s) => isMine(s.entry));
  const entry: ManagedFieldsEntry = {
    manager: options.manager,
    operation: 'Apply',
    apiVersion: applied.apiVersion,
    time: nowString(options.now),
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(appliedSet),
  };
  const others = sets.filter((s) => s !== mine && s.set.size > 0).map((s) => ({ ...s.entry, fieldsV1: toFieldsV1(s.set) }));
  const managedFields = appliedSet.size ? [...others, entry] : others;
  // Keep the order Kubernetes keeps: existing entries in place, this one where it was.
  if (mine && appliedSet.size) {
    const at = entries.indexOf(mine.entry);
    managedFields.splice(managedFields.length - 1, 1);
    managedFields.splice(Math.min(at, managedFields.length), 0, entry);
  }
  return { object: merged as unknown as AnyObject, managedFields };
}

const pathKey = (path: string[]) => path.join('\u0000');
