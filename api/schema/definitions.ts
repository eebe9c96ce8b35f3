// The schemas as OpenAPI definitions: every named struct (`$id`) hoisted to
// its own entry and referenced by `$ref`, as Kubernetes' own documents are
// laid out (`io.k8s.api.core.v1.ServicePort`). Plain JSON out: TypeBox's
// symbols and minik's internal `x-minik-*` keys are left behind.

import type { TSchema } from '@sinclair/typebox';

export type OpenApiVersion = 'v2' | 'v3';

type Json = Record<string, unknown>;

/** Where `$ref`s point in each OpenAPI version. */
export const REF_PREFIX: Record<OpenApiVersion, string> = {
  v2: '#/definitions/',
  v3: '#/components/schemas/',
};

/** IntOrString as each version writes it (Swagger 2 has no anyOf). */
function intOrString(version: OpenApiVersion): Json {
  return version === 'v2'
    ? { type: 'string', format: 'int-or-string' }
    : { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] };
}

/**
 * Every named schema reachable from `roots`, by name, with nested named
 * schemas replaced by `{ $ref }`. Pass SCHEMAS, LIST_SCHEMAS and StatusSchema.
 */
export function definitions(roots: readonly TSchema[], version: OpenApiVersion): Record<string, Json> {
  const out: Record<string, Json> = {};
  const convert = (schema: unknown, top: boolean): unknown => {
    if (Array.isArray(schema)) return schema.map((s) => convert(s, false));
    if (!schema || typeof schema !== 'object') return schema;
    const s = schema as Json;
    const id = typeof s.$id === 'string' ? s.$id : undefined;
    if (id && !top) {
      if (!(id in out)) {
        out[id] = {}; // reserve first: a schema may refer to itself
        out[id] = convert(s, true) as Json;
      }
      return { $ref: `${REF_PREFIX[version]}${id}` };
    }
    if (s['x-kubernetes-int-or-string']) return { ...intOrString(version), ...(s.description ? { description: s.description } : {}) };
    const copy: Json = {};
    for (const [key, value] of Object.entries(s)) {
      if (key === '$id' || key.startsWith('x-minik-')) continue;
      copy[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, convert(v, false)])) : convert(value, false);
    }
    return copy;
  };
  for (const root of roots) convert(root, false);
  return out;
}
