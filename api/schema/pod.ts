// core/v1 Pod: the fields minik's agents run (containers, ports, env) and report (status).

import { Type } from '@sinclair/typebox';
import { ObjectMeta } from './meta.ts';
import { CORE, Int32, StringEnum, Time, gvk, listAtomic, listMap } from './primitives.ts';
import { Protocol } from './service.ts';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
export const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;
export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

export const ContainerPort = Type.Object(
  {
    name: Type.Optional(Type.String()),
    containerPort: Int32(),
    protocol: Type.Optional(Protocol()),
    hostIP: Type.Optional(Type.String()),
    hostPort: Type.Optional(Int32()),
  },
  { $id: `${CORE}.ContainerPort` },
);

export const EnvVar = Type.Object(
  { name: Type.String(), value: Type.Optional(Type.String()) },
  { $id: `${CORE}.EnvVar` },
);

export const Container = Type.Object(
  {
    name: Type.String(),
    image: Type.String(),
    command: Type.Optional(listAtomic(Type.String())),
    args: Type.Optional(listAtomic(Type.String())),
    workingDir: Type.Optional(Type.String()),
    ports: Type.Optional(listMap(ContainerPort, ['containerPort', 'protocol'])),
    env: Type.Optional(listMap(EnvVar, ['name'])),
  },
  { $id: `${CORE}.Container` },
);

export const PodSpec = Type.Object(
  {
    nodeName: Type.Optional(Type.String()),
    containers: listMap(Container, ['name']),
    restartPolicy: Type.Optional(StringEnum(RESTART_POLICIES)),
  },
  { $id: `${CORE}.PodSpec` },
);

export const PodCondition = Type.Object(
  {
    type: Type.String(),
    status: StringEnum(CONDITION_STATUSES),
    lastProbeTime: Type.Optional(Time()),
    lastTransitionTime: Type.Optional(Time()),
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
  },
  { $id: `${CORE}.PodCondition` },
);

export const PodIP = Type.Object({ ip: Type.String() }, { $id: `${CORE}.PodIP` });
export const HostIP = Type.Object({ ip: Type.String() }, { $id: `${CORE}.HostIP` });

export const PodStatus = Type.Object(
  {
    phase: Type.Optional(StringEnum(POD_PHASES)),
    conditions: Type.Optional(listMap(PodCondition, ['type'])),
    message: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    hostIP: Type.Optional(Type.String()),
    hostIPs: Type.Optional(listMap(HostIP, ['ip'])),
    podIP: Type.Optional(Type.String()),
    podIPs: Type.Optional(listMap(PodIP, ['ip'])),
    startTime: Type.Optional(Time()),
    /** minik: restarts of the pod's process (Kubernetes keeps them per container). */
    restartCount: Type.Optional(Int32()),
  },
  { $id: `${CORE}.PodStatus` },
);

export const Pod = Type.Object(
  {
    apiVersion: Type.String(),
    kind: Type.Literal('Pod'),
    metadata: ObjectMeta,
    spec: Type.Optional(PodSpec),
    status: Type.Optional(PodStatus),
  },
  { $id: `${CORE}.Pod`, ...gvk('', 'v1', 'Pod') },
);
