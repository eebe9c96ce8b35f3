// Events, the one way every part of minik says what happened to an object
// (Kubernetes' record.EventRecorder): the apiserver's controllers inside their
// store transaction (apiserver/events.ts), agents through the REST client
// (recordEvent below). Both build the object here, so a repeated event is one
// object whose count goes up, named deterministically from what it says.

import type { Client } from './client.ts';
import { isApiError } from './errors.ts';
import type { Event, KubeObject, ObjectReference } from './types.ts';

/** Reasons, in Kubernetes' (and MetalLB's) words where they have one. */
export const REASONS = {
  ipAllocated: 'IPAllocated',
  nodeAssigned: 'nodeAssigned',
  lbFailover: 'Failover',
  endpointReady: 'EndpointReady',
  endpointNotReady: 'EndpointNotReady',
  started: 'Started',
  restarted: 'BackOff',
  failed: 'Failed',
  nodeReady: 'NodeReady',
  nodeNotReady: 'NodeNotReady',
  syncFailed: 'SyncProxyRulesFailed',
} as const;

export interface EventInput {
  involved: KubeObject | ObjectReference;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** Who says it: `endpoint-controller`, `minik-agent`, ... */
  component: string;
  /** The node, for agents. */
  host?: string;
}

export function referenceTo(obj: KubeObject | ObjectReference): ObjectReference {
  if ('metadata' in obj) {
    return {
      kind: obj.kind,
      name: obj.metadata.name,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
      ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
      apiVersion: obj.apiVersion,
    };
  }
  return obj;
}

/** Events about cluster-scoped objects (nodes) live in `default`, as in Kubernetes. */
export const eventNamespace = (ref: ObjectReference) => ref.namespace || 'default';

/** `web.3f2a9c01`: the object's name and a hash of what the event says, so a repeat finds its first copy. */
export function eventName(input: EventInput): string {
  const ref = referenceTo(input.involved);
  const hash = fnv1a64(JSON.stringify([ref.kind, ref.namespace ?? '', ref.name, ref.uid ?? '', input.type, input.reason, input.message, input.component, input.host ?? '']));
  return `${ref.name}.${hash}`;
}

/** FNV-1a, 64 bits, as 16 hex digits: a name, not a secret (and no node:crypto on the CLI's start path). */
function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

const timestamp = (now: Date) => now.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function newEvent(input: EventInput, now: Date): Event {
  const ref = referenceTo(input.involved);
  const at = timestamp(now);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(input), namespace: eventNamespace(ref) },
    involvedObject: ref,
    reason: input.reason,
    message: input.message,
    type: input.type,
    source: { component: input.component, ...(input.host ? { host: input.host } : {}) },
    count: 1,
    firstTimestamp: at,
    lastTimestamp: at,
    reportingComponent: input.component,
    reportingInstance: input.host ?? '',
  };
}

/** The same event seen again: one more, seen now. */
export function repeated(existing: Event, now: Date): Event {
  return { ...existing, count: (existing.count ?? 1) + 1, lastTimestamp: timestamp(now) };
}

/** Most recent first, as `describe` lists them (kubectl shows the newest last; we keep its order: oldest first). */
export function eventsFor(events: Event[], obj: KubeObject): Event[] {
  return events
    .filter(
      (e) =>
        e.involvedObject.kind === obj.kind &&
        e.involvedObject.name === obj.metadata.name &&
        (e.involvedObject.namespace ?? '') === (obj.metadata.namespace ?? '') &&
        (!e.involvedObject.uid || !obj.metadata.uid || e.involvedObject.uid === obj.metadata.uid),
    )
    .sort(byLastSeen);
}

export const byLastSeen = (a: Event, b: Event) =>
  (a.lastTimestamp ?? a.metadata.creationTimestamp ?? '').localeCompare(b.lastTimestamp ?? b.metadata.creationTimestamp ?? '') ||
  a.metadata.name.localeCompare(b.metadata.name);

/**
 * Posts an event through the REST client (agents). Never throws: an event
 * that cannot be recorded must not fail what it describes; `onError` hears why.
 */
export async function recordEvent(client: Client, input: EventInput, now = new Date(), onError?: (err: Error) => void): Promise<void> {
  const fresh = newEvent(input, now);
  try {
    try {
      await client.create(fresh);
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
      const existing = await client.get<Event>('Event', fresh.metadata.namespace, fresh.metadata.name);
      await client.update(repeated(existing, now));
    }
  } catch (err) {
    onError?.(err as Error);
  }
}
