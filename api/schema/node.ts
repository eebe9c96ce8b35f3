// core/v1 Node and Namespace (the cluster-scoped kinds).

import { Type } from '@sinclair/typebox';
import { ObjectMeta } from './meta.ts';
import { CONDITION_STATUSES } from './pod.ts';
import { CORE, StringEnum, Time, gvk, listAtomic, listMap, listSet } from './primitives.ts';

export const NODE_ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS'] as const;
export const NAMESPACE_PHASES = ['Active', 'Terminating'] as const;

export const NodeSpec = Type.Object(
  {
    podCIDR: Type.Optional(Type.String()),
    podCIDRs: Type.Optional(listSet(Type.String())),
    unschedulable: Type.Optional(Type.Boolean()),
    providerID: Type.Optional(Type.String()),
  },
  { $id: `${CORE}.NodeSpec` },
);

export const NodeAddress = Type.Object(
  { type: StringEnum(NODE_ADDRESS_TYPES), address: Type.String() },
  { $id: `${CORE}.NodeAddress` },
);

export const NodeCondition = Type.Object(
  {
    type: Type.String(),
    status: StringEnum(CONDITION_STATUSES),
    lastHeartbeatTime: Type.Optional(Time()),
    lastTransitionTime: Type.Optional(Time()),
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
  },
  { $id: `${CORE}.NodeCondition` },
);

export const NodeSystemInfo = Type.Object(
  {
    kubeProxyVersion: Type.Optional(Type.String()),
    kubeletVersion: Type.Optional(Type.String()),
    /** minik: the agent's proxy mode (nftables, iptables, ipvs, userspace). */
    proxyMode: Type.Optional(Type.String()),
  },
  { $id: `${CORE}.NodeSystemInfo` },
);

export const NodeStatus = Type.Object(
  {
    addresses: Type.Optional(listMap(NodeAddress, ['type'])),
    conditions: Type.Optional(listMap(NodeCondition, ['type'])),
    nodeInfo: Type.Optional(NodeSystemInfo),
  },
  { $id: `${CORE}.NodeStatus` },
);

export const Node = Type.Object(
  {
    apiVersion: Type.String(),
    kind: Type.Literal('Node'),
    metadata: ObjectMeta,
    spec: Type.Optional(NodeSpec),
    status: Type.Optional(NodeStatus),
  },
  { $id: `${CORE}.Node`, ...gvk('', 'v1', 'Node') },
);

export const Namespace = Type.Object(
  {
    apiVersion: Type.String(),
    kind: Type.Literal('Namespace'),
    metadata: ObjectMeta,
    spec: Type.Optional(
      Type.Object({ finalizers: Type.Optional(listAtomic(Type.String())) }, { $id: `${CORE}.NamespaceSpec` }),
    ),
    status: Type.Optional(
      Type.Object({ phase: Type.Optional(StringEnum(NAMESPACE_PHASES)) }, { $id: `${CORE}.NamespaceStatus` }),
    ),
  },
  { $id: `${CORE}.Namespace`, ...gvk('', 'v1', 'Namespace') },
);
