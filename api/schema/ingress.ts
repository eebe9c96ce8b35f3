// networking.k8s.io/v1 Ingress.

import { Type } from '@sinclair/typebox';
import { ObjectMeta } from './meta.ts';
import { Int32, NETWORKING, StringEnum, gvk, listAtomic } from './primitives.ts';

export const PATH_TYPES = ['Exact', 'Prefix', 'ImplementationSpecific'] as const;

export const ServiceBackendPort = Type.Object(
  { name: Type.Optional(Type.String()), number: Type.Optional(Int32()) },
  { $id: `${NETWORKING}.ServiceBackendPort`, 'x-kubernetes-map-type': 'atomic' },
);

export const IngressServiceBackend = Type.Object(
  // port is optional in Kubernetes' schema; validation requires it, so the stored type has it.
  { name: Type.String(), port: ServiceBackendPort },
  { $id: `${NETWORKING}.IngressServiceBackend` },
);

export const IngressBackend = Type.Object(
  { service: Type.Optional(IngressServiceBackend) },
  { $id: `${NETWORKING}.IngressBackend` },
);

export const HTTPIngressPath = Type.Object(
  {
    path: Type.Optional(Type.String()),
    pathType: StringEnum(PATH_TYPES),
    backend: IngressBackend,
  },
  { $id: `${NETWORKING}.HTTPIngressPath` },
);

export const IngressRule = Type.Object(
  {
    host: Type.Optional(Type.String()),
    http: Type.Optional(
      Type.Object({ paths: listAtomic(HTTPIngressPath) }, { $id: `${NETWORKING}.HTTPIngressRuleValue` }),
    ),
  },
  { $id: `${NETWORKING}.IngressRule` },
);

export const IngressTLS = Type.Object(
  { hosts: Type.Optional(listAtomic(Type.String())), secretName: Type.Optional(Type.String()) },
  { $id: `${NETWORKING}.IngressTLS` },
);

export const IngressSpec = Type.Object(
  {
    ingressClassName: Type.Optional(Type.String()),
    defaultBackend: Type.Optional(IngressBackend),
    tls: Type.Optional(listAtomic(IngressTLS)),
    rules: Type.Optional(listAtomic(IngressRule)),
  },
  { $id: `${NETWORKING}.IngressSpec` },
);

export const IngressLoadBalancerIngress = Type.Object(
  { ip: Type.Optional(Type.String()), hostname: Type.Optional(Type.String()) },
  { $id: `${NETWORKING}.IngressLoadBalancerIngress` },
);

export const IngressStatus = Type.Object(
  {
    loadBalancer: Type.Optional(
      Type.Object(
        { ingress: Type.Optional(listAtomic(IngressLoadBalancerIngress)) },
        { $id: `${NETWORKING}.IngressLoadBalancerStatus` },
      ),
    ),
  },
  { $id: `${NETWORKING}.IngressStatus` },
);

export const Ingress = Type.Object(
  {
    apiVersion: Type.String(),
    kind: Type.Literal('Ingress'),
    metadata: ObjectMeta,
    spec: Type.Optional(IngressSpec),
    status: Type.Optional(IngressStatus),
  },
  { $id: `${NETWORKING}.Ingress`, ...gvk('networking.k8s.io', 'v1', 'Ingress') },
);
