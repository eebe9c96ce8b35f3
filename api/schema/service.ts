// core/v1 Service and Endpoints.

import { Type } from '@sinclair/typebox';
import { ObjectMeta } from './meta.ts';
import { CORE, Int32, IntOrString, StringEnum, StringMap, gvk, listAtomic, listMap } from './primitives.ts';

export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
export const TRAFFIC_POLICIES = ['Cluster', 'Local'] as const;
export const SESSION_AFFINITIES = ['None', 'ClientIP'] as const;

export const Protocol = () => StringEnum(PROTOCOLS);

export const ServicePort = Type.Object(
  {
    name: Type.Optional(Type.String()),
    protocol: Type.Optional(Protocol()),
    appProtocol: Type.Optional(Type.String()),
    port: Int32(),
    /** A number or the name of a container port. */
    targetPort: Type.Optional(IntOrString()),
    /** 0 or absent: the allocator picks one (for NodePort and LoadBalancer services). */
    nodePort: Type.Optional(Int32()),
  },
  { $id: `${CORE}.ServicePort` },
);

export const SessionAffinityConfig = Type.Object(
  {
    clientIP: Type.Optional(
      Type.Object({ timeoutSeconds: Type.Optional(Int32()) }, { $id: `${CORE}.ClientIPConfig` }),
    ),
  },
  { $id: `${CORE}.SessionAffinityConfig` },
);

export const ServiceSpec = Type.Object(
  {
    type: Type.Optional(StringEnum(SERVICE_TYPES)),
    selector: Type.Optional(StringMap({ 'x-kubernetes-map-type': 'atomic' })),
    ports: Type.Optional(listMap(ServicePort, ['port', 'protocol'])),
    clusterIP: Type.Optional(Type.String()),
    clusterIPs: Type.Optional(listAtomic(Type.String())),
    externalName: Type.Optional(Type.String()),
    sessionAffinity: Type.Optional(StringEnum(SESSION_AFFINITIES)),
    sessionAffinityConfig: Type.Optional(SessionAffinityConfig),
    externalTrafficPolicy: Type.Optional(StringEnum(TRAFFIC_POLICIES)),
    internalTrafficPolicy: Type.Optional(StringEnum(TRAFFIC_POLICIES)),
    publishNotReadyAddresses: Type.Optional(Type.Boolean()),
    loadBalancerIP: Type.Optional(Type.String()),
  },
  { $id: `${CORE}.ServiceSpec` },
);

export const LoadBalancerIngress = Type.Object(
  { ip: Type.Optional(Type.String()), hostname: Type.Optional(Type.String()) },
  { $id: `${CORE}.LoadBalancerIngress` },
);

export const LoadBalancerStatus = Type.Object(
  { ingress: Type.Optional(listAtomic(LoadBalancerIngress)) },
  { $id: `${CORE}.LoadBalancerStatus` },
);

export const ServiceStatus = Type.Object(
  { loadBalancer: Type.Optional(LoadBalancerStatus) },
  { $id: `${CORE}.ServiceStatus` },
);

export const Service = Type.Object(
  {
    apiVersion: Type.String(),
    kind: Type.Literal('Service'),
    metadata: ObjectMeta,
    spec: Type.Optional(ServiceSpec),
    status: Type.Optional(ServiceStatus),
  },
  { $id: `${CORE}.Service`, ...gvk('', 'v1', 'Service') },
);

export const ObjectReference = Type.Object(
  {
    apiVersion: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String()),
    namespace: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    uid: Type.Optional(Type.String()),
    resourceVersion: Type.Optional(Type.String()),
    fieldPath: Type.Optional(Type.String()),
  },
  { $id: `${CORE}.ObjectReference`, 'x-kubernetes-map-type': 'atomic' },
);

export const EndpointAddress = Type.Object(
  {
    ip: Type.String(),
    hostname: Type.Optional(Type.String()),
    nodeName: Type.Optional(Type.String()),
    targetRef: Type.Optional(ObjectReference),
  },
  { $id: `${CORE}.EndpointAddress`, 'x-kubernetes-map-type': 'atomic' },
);

export const EndpointPort = Type.Object(
  {
    name: Type.Optional(Type.String()),
    port: Int32(),
    protocol: Type.Optional(Protocol()),
    appProtocol: Type.Optional(Type.String()),
  },
  { $id: `${CORE}.EndpointPort`, 'x-kubernetes-map-type': 'atomic' },
);

export const EndpointSubset = Type.Object(
  {
    addresses: Type.Optional(listAtomic(EndpointAddress)),
    notReadyAddresses: Type.Optional(listAtomic(EndpointAddress)),
    ports: Type.Optional(listAtomic(EndpointPort)),
  },
  { $id: `${CORE}.EndpointSubset` },
);

export const Endpoints = Type.Object(
  {
    apiVersion: Type.String(),
    kind: Type.Literal('Endpoints'),
    metadata: ObjectMeta,
    subsets: Type.Optional(listAtomic(EndpointSubset)),
  },
  { $id: `${CORE}.Endpoints`, ...gvk('', 'v1', 'Endpoints') },
);
