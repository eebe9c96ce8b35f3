// One schema per served kind, written once (TypeBox): api/types.ts derives
// the TypeScript types from these, the apiserver decodes every request body
// with them, and the OpenAPI documents are generated from them.
//
// For the OpenAPI generator: every named struct carries `$id` (Kubernetes'
// definition name, e.g. `io.k8s.api.core.v1.ServicePort`) to hoist into
// `definitions` / `components.schemas`; top-level kinds carry
// `x-kubernetes-group-version-kind`; lists and maps carry
// `x-kubernetes-list-type`, `-list-map-keys`, `-patch-merge-key`,
// `-patch-strategy`, `-map-type`; IntOrString carries
// `x-kubernetes-int-or-string`. `x-minik-*` keys are internal: strip them.
// Enumerated strings list `enum` for documentation only: an unknown value is
// a 422 from validation, as in Kubernetes.

import type { TSchema } from '@sinclair/typebox';
import type { Kind } from '../resources.ts';
import type { AnyObject, Endpoints, Event, Ingress, Namespace, Node, Pod, Service } from '../types.ts';
import { Decoder, type Decoded } from './decode.ts';
import { Event as EventSchema } from './event.ts';
import { Ingress as IngressSchema } from './ingress.ts';
import { Status, listOf } from './meta.ts';
import { Namespace as NamespaceSchema, Node as NodeSchema } from './node.ts';
import { Pod as PodSchema } from './pod.ts';
import { CORE, NETWORKING } from './primitives.ts';
import { Endpoints as EndpointsSchema, Service as ServiceSchema } from './service.ts';

export { MAX_JSON_DEPTH, checkDepth, exceedsDepth, goType, type Decoded } from './decode.ts';
export { REF_PREFIX, definitions, type OpenApiVersion } from './definitions.ts';
export { Status as StatusSchema, ObjectMeta as ObjectMetaSchema, ListMeta as ListMetaSchema } from './meta.ts';

/** What each kind decodes to. */
export interface KindTypes {
  Namespace: Namespace;
  Node: Node;
  Service: Service;
  Pod: Pod;
  Endpoints: Endpoints;
  Ingress: Ingress;
  Event: Event;
}

/** The schema of each served kind. */
export const SCHEMAS: { readonly [K in Kind]: TSchema } = {
  Namespace: NamespaceSchema,
  Node: NodeSchema,
  Service: ServiceSchema,
  Pod: PodSchema,
  Endpoints: EndpointsSchema,
  Ingress: IngressSchema,
  Event: EventSchema,
};

/** The `<Kind>List` envelope of each served kind. */
export const LIST_SCHEMAS: { readonly [K in Kind]: TSchema } = {
  Namespace: listOf(NamespaceSchema, 'Namespace', '', CORE),
  Node: listOf(NodeSchema, 'Node', '', CORE),
  Service: listOf(ServiceSchema, 'Service', '', CORE),
  Pod: listOf(PodSchema, 'Pod', '', CORE),
  Endpoints: listOf(EndpointsSchema, 'Endpoints', '', CORE),
  Ingress: listOf(IngressSchema, 'Ingress', 'networking.k8s.io', NETWORKING),
  Event: listOf(EventSchema, 'Event', '', CORE),
};

const DECODERS = new Map<Kind, Decoder<AnyObject>>();

function decoderOf(kind: Kind): Decoder<AnyObject> {
  let decoder = DECODERS.get(kind);
  if (!decoder) {
    const schema = SCHEMAS[kind];
    if (!schema) throw new Error(`no schema for kind ${kind}`);
    // Compiled on first use, so a CLI command that never decodes never pays for it.
    decoder = new Decoder<AnyObject>(schema, kind);
    DECODERS.set(kind, decoder);
  }
  return decoder;
}

/**
 * Decodes a parsed request body as `kind`: nulls and unknown fields dropped
 * (their paths in `dropped`), a wrong type thrown as a 400 Status.
 */
export function decodeObject<K extends Kind>(kind: K, value: unknown): Decoded<KindTypes[K]> {
  return decoderOf(kind).decode(value) as Decoded<KindTypes[K]>;
}

/** Whether a value is already a decoded object of `kind` (the store's check on what it loads). */
export function isDecoded<K extends Kind>(kind: K, value: unknown): value is KindTypes[K] {
  return decoderOf(kind).is(value);
}
