// core/v1 Event: no spec or status; its fields sit at the top level as in Kubernetes.

import { Type } from '@sinclair/typebox';
import { ObjectMeta } from './meta.ts';
import { CORE, Int32, StringEnum, Time, gvk } from './primitives.ts';
import { ObjectReference } from './service.ts';

export const EVENT_TYPES = ['Normal', 'Warning'] as const;

export const EventSource = Type.Object(
  { component: Type.Optional(Type.String()), host: Type.Optional(Type.String()) },
  { $id: `${CORE}.EventSource` },
);

export const Event = Type.Object(
  {
    apiVersion: Type.String(),
    kind: Type.Literal('Event'),
    metadata: ObjectMeta,
    involvedObject: ObjectReference,
    reason: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
    type: Type.Optional(StringEnum(EVENT_TYPES)),
    source: Type.Optional(EventSource),
    count: Type.Optional(Int32()),
    firstTimestamp: Type.Optional(Time()),
    lastTimestamp: Type.Optional(Time()),
    reportingComponent: Type.Optional(Type.String()),
    reportingInstance: Type.Optional(Type.String()),
  },
  { $id: `${CORE}.Event`, ...gvk('', 'v1', 'Event') },
);
