// The building blocks of every kind's schema: Kubernetes' scalar types
// (int32, int64, IntOrString, Time, string maps) and the helpers that name a
// struct and attach the `x-kubernetes-*` annotations the OpenAPI documents
// and strategic merge patch read. Nothing here validates meaning (names,
// ranges): that stays in api/validation*.ts, on top of the decoded object.

import { FormatRegistry, Type, type SchemaOptions, type TSchema, type TString, type TUnsafe } from '@sinclair/typebox';

/** Go's int32 / int64: JSON numbers without a fraction, within range. */
export const Int32 = (options: SchemaOptions = {}) =>
  Type.Integer({ format: 'int32', minimum: -2147483648, maximum: 2147483647, ...options });
export const Int64 = (options: SchemaOptions = {}) =>
  Type.Integer({ format: 'int64', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, ...options });

// RFC 3339, as metav1.Time marshals it; the fraction is optional (agents send milliseconds).
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)));

/** metav1.Time: an RFC 3339 string. */
export const Time = (options: SchemaOptions = {}) => Type.String({ format: 'date-time', ...options });

/**
 * A string whose allowed values are listed for OpenAPI (`enum`) but NOT
 * enforced by the decoder: like Kubernetes, an unknown value is a 422 from
 * validation (`Unsupported value: ... supported values: ...`), not a 400.
 * The TypeScript type is the union of the values.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  // Type.Unsafe keeps the String kind, so checkers treat it as a plain string.
  return Type.Unsafe<T[number]>(Type.String({ enum: [...values], ...options }) as TString);
}

/** map[string]string (labels, annotations, selectors) as OpenAPI writes it: additionalProperties. */
export const StringMap = (options: SchemaOptions = {}) =>
  Type.Unsafe<Record<string, string>>(Type.Object({}, { additionalProperties: Type.String(), ...options }));

/** A free-form JSON object kept as sent (managedFields' fieldsV1). */
export const FreeObject = (options: SchemaOptions = {}) =>
  Type.Unsafe<Record<string, unknown>>(Type.Object({}, { additionalProperties: true, ...options }));

/** intstr.IntOrString (targetPort): a number or a port name. */
export const IntOrString = (options: SchemaOptions = {}) =>
  Type.Union([Int32(), Type.String()], {
    $id: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    'x-kubernetes-int-or-string': true,
    'x-minik-go-type': 'intstr.IntOrString',
    ...options,
  });

/**
 * Names a struct the way Kubernetes' OpenAPI does (`io.k8s.api.core.v1.ServicePort`);
 * the OpenAPI generator hoists every `$id` into `definitions` / `components.schemas`,
 * and the decoder names it in errors (`Go struct field ServicePort.spec.ports.port`).
 */
export const CORE = 'io.k8s.api.core.v1';
export const NETWORKING = 'io.k8s.api.networking.v1';
export const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** A list merged by key in strategic merge patch and server-side apply (`ports` by port+protocol). */
export function listMap<T extends TSchema>(items: T, keys: string[], options: SchemaOptions = {}) {
  return Type.Array(items, {
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': keys,
    'x-kubernetes-patch-merge-key': keys[0],
    'x-kubernetes-patch-strategy': 'merge',
    ...options,
  });
}

/** A list of unique scalars merged as a set (finalizers, podCIDRs). */
export function listSet<T extends TSchema>(items: T, options: SchemaOptions = {}) {
  return Type.Array(items, { 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge', ...options });
}

/** A list replaced as a whole by every patch (command, args, rules). */
export function listAtomic<T extends TSchema>(items: T, options: SchemaOptions = {}) {
  return Type.Array(items, { 'x-kubernetes-list-type': 'atomic', ...options });
}

/** `x-kubernetes-group-version-kind` of a top-level kind. */
export const gvk = (group: string, version: string, kind: string) => ({
  'x-kubernetes-group-version-kind': [{ group, version, kind }],
});
