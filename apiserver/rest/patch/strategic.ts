// Strategic merge patch (`application/strategic-merge-patch+json`), what
// kubectl apply/edit/label/patch send for built-in kinds. Like a merge patch,
// except that lists whose type says `patchStrategy: merge` merge element by
// element (by their merge key, or as a set of primitives), and the patch can
// carry directives: `$patch: replace|delete|merge`, `$retainKeys`,
// `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`.
// Semantics follow k8s.io/apimachinery/pkg/util/strategicpatch.

import { badRequest } from '../../../api/errors.ts';
import { childMeta, type FieldMeta } from './meta.ts';
import { isObject, type Json } from './merge.ts';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM = '$deleteFromPrimitiveList/';
const SET_ORDER = '$setElementOrder/';

type JsonMap = Record<string, Json>;

export function strategicMergePatch(original: Json | undefined, patch: Json, meta: FieldMeta): Json {
  if (!isObject(patch)) throw badRequest('a strategic merge patch must be a JSON object');
  return mergeMap(isObject(original) ? structuredClone(original) : {}, patch, meta) ?? {};
}

function mergeMap(original: JsonMap, patch: JsonMap, meta: FieldMeta): JsonMap | undefined {
  const directive = patch[PATCH];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const { [PATCH]: _, ...rest } = patch;
    return stripDirectives(rest) as JsonMap;
  }
  if (directive !== undefined && directive !== 'merge') throw badRequest(`unknown patch directive "${String(directive)}" in a map`);

  let out = original;
  const retain = patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badRequest('$retainKeys must be a list');
    const keep = new Set(retain.map(String));
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }

  const orders: [string, Json[]][] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === PATCH || key === RETAIN_KEYS) continue;
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      if (!Array.isArray(value)) throw badRequest(`${key} must be a list`);
      const drop = new Set(value.map((v) => JSON.stringify(v)));
      const current = out[field];
      if (Array.isArray(current)) out[field] = current.filter((v) => !drop.has(JSON.stringify(v)));
      continue;
    }
    if (key.startsWith(SET_ORDER)) {
      if (!Array.isArray(value)) throw badRequest(`${key} must be a list`);
      orders.push([key.slice(SET_ORDER.length), value]);
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const m = childMeta(meta, key);
    const merged = mergeValue(out[key], value, m);
    if (merged === undefined) delete out[key];
    else out[key] = merged;
  }
  for (const [field, order] of orders) {
    const list = out[field];
    if (Array.isArray(list)) out[field] = applyOrder(list, order, childMeta(meta, field));
  }
  return out;
}

function mergeValue(original: Json | undefined, patch: Json, meta: FieldMeta): Json | undefined {
  if (Array.isArray(patch)) {
    const list = meta.list;
    if (list?.patchStrategy === 'merge' && Array.isArray(original)) return mergeList(original, patch, meta);
    if (list?.patchStrategy === 'merge') return mergeList([], patch, meta);
    return stripDirectives(patch.filter((e) => !(isObject(e) && e[PATCH] === 'replace')));
  }
  if (isObject(patch)) {
    if (meta.atomic) return stripDirectives(patch);
    return mergeMap(isObject(original) ? original : {}, patch, meta);
  }
  return patch;
}

function mergeList(original: Json[], patch: Json[], meta: FieldMeta): Json[] {
  const key = meta.list?.patchMergeKey;
  const items = meta.list?.items ?? {};
  // `{"$patch": "replace"}` as an element: the rest of the patch list is the whole list.
  if (patch.some((e) => isObject(e) && e[PATCH] === 'replace')) {
    return stripDirectives(patch.filter((e) => !(isObject(e) && e[PATCH] === 'replace'))) as Json[];
  }
  if (!key) {
    // A set of primitives: union, keeping the original order.
    const out = [...original];
    const seen = new Set(out.map((v) => JSON.stringify(v)));
    for (const v of patch) {
      if (isObject(v) && v[PATCH] === 'delete') continue;
      if (!seen.has(JSON.stringify(v))) {
        out.push(v);
        seen.add(JSON.stringify(v));
      }
    }
    return out;
  }
  const out = [...original];
  const indexOf = (k: Json) => out.findIndex((e) => isObject(e) && JSON.stringify(e[key]) === JSON.stringify(k));
  for (const element of patch) {
    if (!isObject(element)) throw badRequest(`the elements of a list merged by "${key}" must be objects`);
    if (!(key in element)) throw badRequest(`map: ${JSON.stringify(element)} does not contain declared merge key: ${key}`);
    const at = indexOf(element[key]);
    if (element[PATCH] === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) {
      const merged = mergeMap(structuredClone(out[at] as JsonMap), element, items);
      if (merged === undefined) out.splice(at, 1);
      else out[at] = merged;
    } else {
      out.push(stripDirectives(element));
    }
  }
  return out;
}

/** `$setElementOrder`: the listed elements in the given order; others keep their place after them. */
function applyOrder(list: Json[], order: Json[], meta: FieldMeta): Json[] {
  const key = meta.list?.patchMergeKey;
  const id = (e: Json) => JSON.stringify(key && isObject(e) ? e[key] : e);
  const rank = new Map(order.map((o, i) => [id(o), i]));
  const ranked = list.filter((e) => rank.has(id(e))).sort((a, b) => rank.get(id(a))! - rank.get(id(b))!);
  const rest = list.filter((e) => !rank.has(id(e)));
  return [...ranked, ...rest];
}

function stripDirectives(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const out: JsonMap = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$')) continue;
    out[k] = stripDirectives(v);
  }
  return out;
}
