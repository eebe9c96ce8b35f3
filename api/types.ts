// Kubernetes-shaped object types: the subset of core/v1 and networking/v1
// that minik stores and serves. Every type is derived from the one schema of
// its kind in api/schema/ (which also decodes requests and feeds OpenAPI), so
// the types, the decoder and the documents cannot drift apart.
//
// Two things are stronger here than in the schemas, because the server
// guarantees them for everything it stores: `metadata.name` is set
// (validation requires it) and `spec` exists (defaults create it).

import type { Static } from '@sinclair/typebox';
import type * as Ev from './schema/event.ts';
import type * as Ing from './schema/ingress.ts';
import type * as Meta from './schema/meta.ts';
import type * as NodeS from './schema/node.ts';
import type * as PodS from './schema/pod.ts';
import type * as Svc from './schema/service.ts';

export type Labels = Record<string, string>;

export type ObjectMeta = Static<typeof Meta.ObjectMeta> & { name: string };
export type OwnerReference = Static<typeof Meta.OwnerReference>;
export type ManagedFieldsEntry = Static<typeof Meta.ManagedFieldsEntry>;

export interface TypeMeta {
  apiVersion: string;
  kind: string;
}

/** Any stored object, as generic code (store, watch, client) sees it. */
export interface KubeObject extends TypeMeta {
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
}

/** A kind's schema type with the server's guarantees (named metadata; spec when the kind has one). */
type Stored<T, Keys extends keyof T = never> = Omit<T, 'metadata' | Keys> & { metadata: ObjectMeta } & {
  [K in Keys]-?: NonNullable<T[K]>;
};

export type Protocol = (typeof Svc.PROTOCOLS)[number];
export type ServiceType = (typeof Svc.SERVICE_TYPES)[number];
export type TrafficPolicy = (typeof Svc.TRAFFIC_POLICIES)[number];

export type ServicePort = Static<typeof Svc.ServicePort>;
export type ServiceSpec = Static<typeof Svc.ServiceSpec>;
export type LoadBalancerIngress = Static<typeof Svc.LoadBalancerIngress>;
export type ServiceStatus = Static<typeof Svc.ServiceStatus>;
export type Service = Stored<Static<typeof Svc.Service>, 'spec'>;

export type ContainerPort = Static<typeof PodS.ContainerPort>;
export type Container = Static<typeof PodS.Container>;
export type PodSpec = Static<typeof PodS.PodSpec>;
export type PodCondition = Static<typeof PodS.PodCondition>;
export type PodStatus = Static<typeof PodS.PodStatus>;
export type Pod = Stored<Static<typeof PodS.Pod>, 'spec'>;

export type ObjectReference = Static<typeof Svc.ObjectReference>;
export type EndpointAddress = Static<typeof Svc.EndpointAddress>;
export type EndpointPort = Static<typeof Svc.EndpointPort>;
export type EndpointSubset = Static<typeof Svc.EndpointSubset>;
export type Endpoints = Stored<Static<typeof Svc.Endpoints>>;

export type NodeAddress = Static<typeof NodeS.NodeAddress>;
export type NodeCondition = Static<typeof NodeS.NodeCondition>;
export type NodeSpec = Static<typeof NodeS.NodeSpec>;
export type NodeStatus = Static<typeof NodeS.NodeStatus>;
export type Node = Stored<Static<typeof NodeS.Node>, 'spec'>;

export type Namespace = Stored<Static<typeof NodeS.Namespace>>;

export type PathType = (typeof Ing.PATH_TYPES)[number];
export type IngressBackend = Static<typeof Ing.IngressBackend>;
export type IngressPath = Static<typeof Ing.HTTPIngressPath>;
export type IngressRule = Static<typeof Ing.IngressRule>;
export type IngressSpec = Static<typeof Ing.IngressSpec>;
export type IngressStatus = Static<typeof Ing.IngressStatus>;
export type Ingress = Stored<Static<typeof Ing.Ingress>, 'spec'>;

/** core/v1 Event: what happened to an object (`involvedObject`), by whom, how often. */
export type EventSource = Static<typeof Ev.EventSource>;
export type Event = Omit<Static<typeof Ev.Event>, 'metadata'> & { metadata: ObjectMeta };

export type AnyObject = Service | Pod | Endpoints | Node | Namespace | Ingress | Event;

export interface ObjectList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string };
  items: T[];
}

/** Kubernetes' Status object, returned for every failure. */
export type Status = Static<typeof Meta.Status>;
export type StatusCause = Static<typeof Meta.StatusCause>;
export type StatusDetails = Static<typeof Meta.StatusDetails>;
