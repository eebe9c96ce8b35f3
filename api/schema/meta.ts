// meta/v1: ObjectMeta, ListMeta and the Status every failure answers with.

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { FreeObject, Int32, Int64, META, StringEnum, StringMap, Time, gvk, listMap, listSet } from './primitives.ts';

export const OwnerReference = Type.Object(
  {
    apiVersion: Type.String(),
    kind: Type.String(),
    name: Type.String(),
    uid: Type.String(),
    controller: Type.Optional(Type.Boolean()),
    blockOwnerDeletion: Type.Optional(Type.Boolean()),
  },
  { $id: `${META}.OwnerReference`, 'x-kubernetes-map-type': 'atomic' },
);

export const ManagedFieldsEntry = Type.Object(
  {
    manager: Type.Optional(Type.String()),
    operation: Type.Optional(Type.String()),
    apiVersion: Type.Optional(Type.String()),
    time: Type.Optional(Time()),
    fieldsType: Type.Optional(Type.String()),
    fieldsV1: Type.Optional(FreeObject({ $id: `${META}.FieldsV1` })),
    subresource: Type.Optional(Type.String()),
  },
  { $id: `${META}.ManagedFieldsEntry` },
);

/**
 * `name` is optional here as in Kubernetes (a missing name is a 422 from
 * validation, not a decode error); api/types.ts makes it required because
 * nothing is stored without one.
 */
export const ObjectMeta = Type.Object(
  {
    name: Type.Optional(Type.String()),
    generateName: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String()),
    uid: Type.Optional(Type.String()),
    resourceVersion: Type.Optional(Type.String()),
    generation: Type.Optional(Int64()),
    creationTimestamp: Type.Optional(Time()),
    deletionTimestamp: Type.Optional(Time()),
    deletionGracePeriodSeconds: Type.Optional(Int64()),
    labels: Type.Optional(StringMap()),
    annotations: Type.Optional(StringMap()),
    ownerReferences: Type.Optional(listMap(OwnerReference, ['uid'])),
    finalizers: Type.Optional(listSet(Type.String())),
    managedFields: Type.Optional(Type.Array(ManagedFieldsEntry)),
  },
  { $id: `${META}.ObjectMeta` },
);

export const ListMeta = Type.Object(
  {
    resourceVersion: Type.Optional(Type.String()),
    continue: Type.Optional(Type.String()),
    remainingItemCount: Type.Optional(Int64()),
  },
  { $id: `${META}.ListMeta` },
);

export const StatusCause = Type.Object(
  { reason: Type.Optional(Type.String()), message: Type.Optional(Type.String()), field: Type.Optional(Type.String()) },
  { $id: `${META}.StatusCause` },
);

export const StatusDetails = Type.Object(
  {
    name: Type.Optional(Type.String()),
    group: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String()),
    uid: Type.Optional(Type.String()),
    causes: Type.Optional(Type.Array(StatusCause)),
    retryAfterSeconds: Type.Optional(Int32()),
  },
  { $id: `${META}.StatusDetails` },
);

export const Status = Type.Object(
  {
    kind: Type.Literal('Status'),
    apiVersion: Type.Literal('v1'),
    metadata: Type.Unsafe<Record<string, never>>(ListMeta),
    status: StringEnum(['Success', 'Failure'] as const),
    message: Type.String(),
    reason: Type.String(),
    details: Type.Optional(StatusDetails),
    code: Int32(),
  },
  { $id: `${META}.Status`, ...gvk('', 'v1', 'Status') },
);

/** The `<Kind>List` envelope of a kind: what a list (and a watch's first relist) answers. */
export function listOf<T extends TSchema>(item: T, kind: string, group: string, pkg: string) {
  return Type.Object(
    {
      apiVersion: Type.String(),
      kind: Type.Literal(`${kind}List`),
      metadata: ListMeta,
      items: Type.Array(item),
    },
    { $id: `${pkg}.${kind}List`, ...gvk(group, 'v1', `${kind}List`) },
  );
}

export type ObjectMetaShape = Static<typeof ObjectMeta>;
