// Events recorded by the apiserver's own controllers, inside the transaction
// of the change they describe (so an event never tells of a change that was
// rolled back), and the retention that keeps the store bounded: the newest
// MAX_EVENTS stay, older ones are removed in the same transaction.
//
// The object itself is built by api/events.ts, shared with the agents.

import { eventName, newEvent, repeated, byLastSeen, type EventInput, eventNamespace, referenceTo } from '../api/events.ts';
import type { EndpointAddress, Endpoints, Event, Service } from '../api/types.ts';
import type { Tx } from './store/store.ts';

/** Kubernetes keeps events an hour; a lab is small, so a count bounds them instead. */
export const MAX_EVENTS = 1000;
/** Pruning lists every event, so it runs once per this many creates: the store holds at most MAX_EVENTS + PRUNE_EVERY. */
export const PRUNE_EVERY = 50;

let createdSincePrune = 0;

/** Called for every event created (by a controller here, or POSTed by an agent). */
export function eventCreated(tx: Tx): void {
  if (++createdSincePrune < PRUNE_EVERY) return;
  createdSincePrune = 0;
  pruneEvents(tx);
}

export function recordEventTx(tx: Tx, input: EventInput, now = new Date()): void {
  const namespace = eventNamespace(referenceTo(input.involved));
  // The namespace may be going away with the object; an event needs it to exist.
  if (!tx.get('Namespace', undefined, namespace)) return;
  const existing = tx.get<Event>('Event', namespace, eventName(input));
  if (existing) tx.update(repeated(existing, now));
  else {
    tx.create(newEvent(input, now));
    eventCreated(tx);
  }
}

/** Removes the oldest events beyond `max`. */
export function pruneEvents(tx: Tx, max = MAX_EVENTS): void {
  const events = tx.list<Event>('Event');
  if (events.length <= max) return;
  for (const old of events.sort(byLastSeen).slice(0, events.length - max)) tx.remove('Event', old.metadata.namespace, old.metadata.name);
}

const describeAddress = (a: EndpointAddress) =>
  `${a.ip}${a.targetRef?.name ? ` (pod ${a.targetRef.name}${a.nodeName ? ` on ${a.nodeName}` : ''})` : ''}`;

function addressesOf(ep: Endpoints | undefined, which: 'addresses' | 'notReadyAddresses'): Map<string, EndpointAddress> {
  const out = new Map<string, EndpointAddress>();
  for (const subset of ep?.subsets ?? []) for (const a of subset[which] ?? []) out.set(a.ip, a);
  return out;
}

/** What changed in a service's endpoints, as events on the Service: an address became ready, or stopped being ready. */
export function endpointEvents(svc: Service, before: Endpoints | undefined, after: Endpoints): EventInput[] {
  const wasReady = addressesOf(before, 'addresses');
  const isReady = addressesOf(after, 'addresses');
  const isNotReady = addressesOf(after, 'notReadyAddresses');
  const out: EventInput[] = [];
  const base = { involved: svc, component: 'endpoint-controller' };
  for (const [ip, a] of isReady) {
    if (!wasReady.has(ip)) out.push({ ...base, type: 'Normal', reason: 'EndpointReady', message: `Endpoint ${describeAddress(a)} is ready` });
  }
  for (const [ip, a] of wasReady) {
    if (isReady.has(ip)) continue;
    const still = isNotReady.get(ip);
    out.push(
      still
        ? { ...base, type: 'Warning', reason: 'EndpointNotReady', message: `Endpoint ${describeAddress(still)} is not ready: no traffic is sent to it` }
        : { ...base, type: 'Normal', reason: 'EndpointRemoved', message: `Endpoint ${describeAddress(a)} was removed` },
    );
  }
  return out;
}

const lbIps = (svc: Service | undefined) => (svc?.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip);

/** MetalLB's controller event when a LoadBalancer Service gets its IP. */
export function loadBalancerEvents(svc: Service, old: Service | undefined): EventInput[] {
  const before = new Set(lbIps(old));
  const added = lbIps(svc).filter((ip) => !before.has(ip));
  if (added.length === 0) return [];
  return [{ involved: svc, type: 'Normal', reason: 'IPAllocated', message: `Assigned IP ${JSON.stringify(added)}`, component: 'lb-controller' }];
}
