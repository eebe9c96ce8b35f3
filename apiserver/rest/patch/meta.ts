// How each served type merges: which lists are maps keyed by some fields
// (`x-kubernetes-list-map-keys` / `patchMergeKey`), which are sets, which are
// atomic and replaced whole. Strategic merge patch and server-side apply both
// walk objects with this, read from the same schemas that decode requests.

import type { Kind } from '../../../api/resources.ts';
import { SCHEMAS } from '../../../api/schema/index.ts';

export interface ListMeta {
  /** `map`: elements identified by `keys`; `set`: primitives, unique; `atomic`: replaced whole. */
  type: 'map' | 'set' | 'atomic';
  keys?: string[];
  /** Strategic merge patch's key (often the first of `keys`). */
  patchMergeKey?: string;
  /** Strategic merge patch: `merge` merges elements, anything else replaces the list. */
  patchStrategy?: 'merge' | 'replace';
  /** Values a key takes when an element leaves it out (service ports: protocol TCP). */
  keyDefaults?: Record<string, string | number>;
  items?: FieldMeta;
}

export interface FieldMeta {
  /** Known fields of a struct. */
  fields?: Record<string, FieldMeta>;
  /** Values of a free-form map (labels, selector). */
  values?: FieldMeta;
  list?: ListMeta;
  /** Replaced whole by apply and patches (e.g. a map with x-kubernetes-map-type atomic). */
  atomic?: boolean;
}

type Schema = Record<string, unknown>;

/** Kubernetes defaults a list-map key a client may leave out (ServicePort.protocol: TCP). */
const KEY_DEFAULTS: Record<string, string> = { protocol: 'TCP' };

/**
 * FieldMeta from a kind's schema (api/schema): the x-kubernetes-list-type,
 * -list-map-keys, -patch-merge-key, -patch-strategy and -map-type annotations
 * the schemas carry for exactly this purpose.
 */
export function metaFromSchema(schema: unknown): FieldMeta {
  const s = (schema ?? {}) as Schema;
  const meta: FieldMeta = {};
  if (s['x-kubernetes-map-type'] === 'atomic') meta.atomic = true;
  if (s.type === 'array') {
    const listType = (s['x-kubernetes-list-type'] as ListMeta['type'] | undefined) ?? 'atomic';
    const keys = s['x-kubernetes-list-map-keys'] as string[] | undefined;
    const list: ListMeta = { type: listType, items: metaFromSchema(s.items) };
    if (keys) list.keys = keys;
    if (s['x-kubernetes-patch-merge-key']) list.patchMergeKey = s['x-kubernetes-patch-merge-key'] as string;
    if (typeof s['x-kubernetes-patch-strategy'] === 'string' && (s['x-kubernetes-patch-strategy'] as string).split(',').includes('merge')) {
      list.patchStrategy = 'merge';
    }
    const defaults = Object.fromEntries((keys ?? []).filter((k) => KEY_DEFAULTS[k]).map((k) => [k, KEY_DEFAULTS[k]]));
    if (Object.keys(defaults).length) list.keyDefaults = defaults;
    meta.list = list;
    return meta;
  }
  if (s.properties && typeof s.properties === 'object') {
    meta.fields = Object.fromEntries(Object.entries(s.properties as Schema).map(([k, v]) => [k, metaFromSchema(v)]));
  }
  if (s.additionalProperties && typeof s.additionalProperties === 'object') meta.values = metaFromSchema(s.additionalProperties);
  return meta;
}

const cache = new Map<Kind, FieldMeta>();

/** How objects of `kind` merge, from the schema that decodes them. */
export function kindMeta(kind: Kind): FieldMeta {
  let meta = cache.get(kind);
  if (!meta) {
    meta = metaFromSchema(SCHEMAS[kind]);
    cache.set(kind, meta);
  }
  return meta;
}

/** The meta of `key` inside a struct or map described by `meta`. */
export function childMeta(meta: FieldMeta | undefined, key: string): FieldMeta {
  return meta?.fields?.[key] ?? meta?.values ?? {};
}
