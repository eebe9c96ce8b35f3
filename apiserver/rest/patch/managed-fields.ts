// Field ownership for server-side apply: which fields of an object each field
// manager set, as Kubernetes records it in `metadata.managedFields` (FieldsV1).
//
// A field path is a list of elements: `f:name` (a struct field or map key),
// `k:{"port":80,"protocol":"TCP"}` (a list element by its keys), `v:"x"` (a
// value of a set). A field set is a Set of encoded paths; `FieldsV1` is the
// same set as a tree, with `.` marking a node that is itself owned.

import type { AnyObject } from '../../../api/types.ts';
import { childMeta, type FieldMeta } from './meta.ts';
import { isObject, type Json } from './merge.ts';

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldsV1;
  subresource?: string;
}

export type FieldsV1 = { [element: string]: FieldsV1 };
export type FieldSet = Set<string>;

const SEP = '\u0000';
export const encodePath = (path: string[]) => path.join(SEP);
export const decodePath = (key: string) => (key === '' ? [] : key.split(SEP));

/** Fields the server owns and no manager tracks (as Kubernetes' fieldmanager strips them). */
const STRIPPED_METADATA = ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink', 'deletionTimestamp'];

/** The part of an object whose fields are tracked: no type meta, server metadata or status. */
export function trackedPart(obj: AnyObject): Record<string, Json> {
  const copy = structuredClone(obj) as unknown as Record<string, Json>;
  delete copy.apiVersion;
  delete copy.kind;
  delete copy.status;
  const metadata = copy.metadata as Record<string, Json> | undefined;
  if (metadata) {
    for (const key of STRIPPED_METADATA) delete metadata[key];
    if (Object.keys(metadata).length === 0) delete copy.metadata;
  }
  return copy;
}

export function elementKey(element: Json, meta: FieldMeta): string {
  const list = meta.list!;
  const e = isObject(element) ? element : {};
  const keys: Record<string, Json> = {};
  for (const k of list.keys ?? []) keys[k] = e[k] ?? list.keyDefaults?.[k] ?? null;
  return `k:${JSON.stringify(keys)}`;
}

/** Every owned path of `value`: leaves, list elements (which own themselves too) and set values. */
export function fieldsOf(value: Json, meta: FieldMeta, prefix: string[] = [], out: FieldSet = new Set()): FieldSet {
  if (isObject(value) && !meta.atomic) {
    const entries = Object.entries(value).filter(([, v]) => v !== null && v !== undefined);
    if (entries.length === 0 && prefix.length) out.add(encodePath(prefix));
    for (const [k, v] of entries) fieldsOf(v, childMeta(meta, k), [...prefix, `f:${k}`], out);
    return out;
  }
  if (Array.isArray(value) && meta.list?.type === 'map') {
    if (value.length === 0) out.add(encodePath(prefix));
    for (const element of value) {
      const path = [...prefix, elementKey(element, meta)];
      out.add(encodePath(path));
      fieldsOf(element, meta.list.items ?? {}, path, out);
    }
    return out;
  }
  if (Array.isArray(value) && meta.list?.type === 'set') {
    if (value.length === 0) out.add(encodePath(prefix));
    for (const v of value) out.add(encodePath([...prefix, `v:${JSON.stringify(v)}`]));
    return out;
  }
  if (prefix.length) out.add(encodePath(prefix));
  return out;
}

export function toFieldsV1(set: FieldSet): FieldsV1 {
  // Null-prototype nodes: a path element is user data (a label key may be `__proto__`).
  const root: FieldsV1 = Object.create(null);
  for (const key of [...set].sort()) {
    let node = root;
    for (const element of decodePath(key)) {
      if (!Object.hasOwn(node, element)) node[element] = Object.create(null);
      node = node[element];
    }
    if (Object.keys(node).length > 0) node['.'] = {};
    else node['.'] ??= {};
  }
  // A node with only `.` is a plain leaf: `{}`.
  const tidy = (node: FieldsV1): FieldsV1 => {
    const keys = Object.keys(node);
    if (keys.length === 1 && keys[0] === '.') return {};
    return Object.fromEntries(keys.map((k) => [k, k === '.' ? {} : tidy(node[k])]));
  };
  return tidy(root);
}

const isTree = (v: unknown): v is FieldsV1 => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Whether `tree` is a FieldsV1 tree: objects all the way down, not absurdly deep. */
export function isFieldsV1(tree: unknown, depth = 0): tree is FieldsV1 {
  if (!isTree(tree) || depth > 64) return false;
  return Object.values(tree).every((child) => isFieldsV1(child, depth + 1));
}

export function fromFieldsV1(tree: FieldsV1 | undefined, prefix: string[] = [], out: FieldSet = new Set()): FieldSet {
  if (!isTree(tree)) return out;
  for (const [element, child] of Object.entries(tree)) {
    if (element === '.') {
      out.add(encodePath(prefix));
      continue;
    }
    const path = [...prefix, element];
    if (!child || Object.keys(child).length === 0) out.add(encodePath(path));
    else fromFieldsV1(child, path, out);
  }
  return out;
}

/** The value at `path`, or undefined. */
export function valueAt(root: Json | undefined, path: string[], meta: FieldMeta): Json | undefined {
  let value: Json | undefined = root;
  let m = meta;
  for (const element of path) {
    if (value === undefined || value === null) return undefined;
    if (element.startsWith('f:')) {
      const k = element.slice(2);
      value = isObject(value) && Object.hasOwn(value, k) ? value[k] : undefined;
      m = childMeta(m, k);
    } else if (element.startsWith('k:')) {
      value = Array.isArray(value) ? value.find((e) => elementKey(e, m) === element) : undefined;
      m = m.list?.items ?? {};
    } else if (element.startsWith('v:')) {
      const v = JSON.parse(element.slice(2)) as Json;
      return Array.isArray(value) && value.some((e) => JSON.stringify(e) === JSON.stringify(v)) ? v : undefined;
    } else return undefined;
  }
  return value;
}

/** Removes the field, element or set value at `path` (in place). */
export function removeAt(root: Json, path: string[], meta: FieldMeta): void {
  if (path.length === 0) return;
  const parentPath = path.slice(0, -1);
  const parent = valueAt(root, parentPath, meta);
  let m = meta;
  for (const element of parentPath) m = element.startsWith('f:') ? childMeta(m, element.slice(2)) : (m.list?.items ?? {});
  const last = path[path.length - 1];
  if (last.startsWith('f:') && isObject(parent)) delete parent[last.slice(2)];
  if (last.startsWith('k:') && Array.isArray(parent)) {
    const at = parent.findIndex((e) => elementKey(e, m) === last);
    if (at >= 0) parent.splice(at, 1);
  }
  if (last.startsWith('v:') && Array.isArray(parent)) {
    const at = parent.findIndex((e) => `v:${JSON.stringify(e)}` === last);
    if (at >= 0) parent.splice(at, 1);
  }
}

/** `.spec.ports[port=80,protocol="TCP"].targetPort`, as Kubernetes prints a field path. */
export function pathString(path: string[]): string {
  return path
    .map((element) => {
      if (element.startsWith('f:')) return `.${element.slice(2)}`;
      if (element.startsWith('k:')) {
        const keys = JSON.parse(element.slice(2)) as Record<string, Json>;
        return `[${Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
      }
      if (element.startsWith('v:')) return `[=${element.slice(2)}]`;
      return element;
    })
    .join('');
}

const nowString = (now: Date) => now.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * An object's managedFields, or none when any entry is malformed: Kubernetes
 * resets field ownership it cannot decode rather than failing the request.
 */
export function readManagedFields(obj: AnyObject | undefined): ManagedFieldsEntry[] {
  const entries = (obj?.metadata as { managedFields?: unknown } | undefined)?.managedFields;
  if (!Array.isArray(entries)) return [];
  const valid = entries.every((entry: unknown) => {
    const e = entry as Record<string, unknown> | null;
    return (
      !!e && typeof e === 'object' &&
      typeof e.manager === 'string' &&
      (e.operation === 'Apply' || e.operation === 'Update') &&
      (e.fieldsV1 === undefined || isFieldsV1(e.fieldsV1))
    );
  });
  return valid ? (entries as ManagedFieldsEntry[]) : [];
}

/**
 * Ownership after a create, update or non-apply patch by `manager`: it takes
 * every field it changed (all fields, on create); others lose those; fields
 * that are gone are nobody's.
 */
export function trackUpdate(
  old: AnyObject | undefined,
  next: AnyObject,
  meta: FieldMeta,
  manager: string,
  now: Date,
  entries: ManagedFieldsEntry[] = readManagedFields(old),
): ManagedFieldsEntry[] {
  const nextPart = trackedPart(next);
  const nextSet = fieldsOf(nextPart, meta);
  const oldPart = old ? trackedPart(old) : undefined;
  const oldSet = oldPart ? fieldsOf(oldPart, meta) : new Set<string>();
  const changed = new Set<string>();
  for (const key of nextSet) {
    const path = decodePath(key);
    if (!oldSet.has(key) || JSON.stringify(valueAt(oldPart, path, meta)) !== JSON.stringify(valueAt(nextPart, path, meta))) changed.add(key);
  }
  const sets = entries.map((e) => ({ entry: e, set: fromFieldsV1(e.fieldsV1) }));
  for (const s of sets) for (const key of [...s.set]) if (!nextSet.has(key) || (changed.has(key) && !(s.entry.manager === manager && s.entry.operation === 'Update'))) s.set.delete(key);
  let mine = sets.find((s) => s.entry.manager === manager && s.entry.operation === 'Update');
  if (!mine && changed.size) {
    mine = { entry: { manager, operation: 'Update', apiVersion: next.apiVersion, fieldsType: 'FieldsV1', fieldsV1: {} }, set: new Set() };
    sets.push(mine);
  }
  if (mine && changed.size) {
    for (const key of changed) mine.set.add(key);
    mine.entry = { ...mine.entry, time: nowString(now), apiVersion: next.apiVersion };
  }
  return sets.filter((s) => s.set.size > 0).map((s) => ({ ...s.entry, fieldsV1: toFieldsV1(s.set) }));
}
