// One watcher's stream: catch-up (snapshot or change log), SYNCED, then live
// events, with no gap and no duplicate between the two, and without letting a
// slow reader hold up the store or the other watchers.
//
// The order of operations is what makes it exact: subscribe first and hold
// live events aside, read the catch-up, then release the held events,
// dropping every revision the catch-up already covered.
//
// The transport is behind WatchSink so the logic can be driven by a test
// without gRPC; server.ts adapts a grpc-js stream to it.

import { status as GrpcCode, type StatusObject } from '@grpc/grpc-js';
import { grpcStatus } from '../../api/grpc-status.ts';
import type { WatchEventMessage } from '../../api/proto.ts';
import type { Kind } from '../../api/resources.ts';
import type { EventSource, StoreEvent } from '../store/types.ts';

export interface WatchSink {
  /** Hands one message to the transport; false means it is full: wait for drain. */
  write(message: WatchEventMessage): boolean;
  onceDrain(callback: () => void): void;
  /** Ends the stream with an error status. */
  fail(status: Partial<StatusObject>): void;
}

export interface WatchParams {
  /** Empty: every kind. */
  kinds: readonly Kind[];
  /** 0: snapshot first. */
  sinceRevision: number;
}

export interface WatchSessionOptions {
  /**
   * Live events a watcher may have waiting beyond what its transport holds.
   * A watcher further behind is cut off with RESOURCE_EXHAUSTED and relists:
   * cheaper for everyone than an unbounded queue.
   */
  maxPendingEvents: number;
}

export interface WatchSession {
  stop(): void;
  readonly stopped: boolean;
}

// Serialised once per event, not once per watcher.
const objectJsonCache = new WeakMap<object, string>();
function objectJson(object: object): string {
  let json = objectJsonCache.get(object);
  if (json === undefined) {
    json = JSON.stringify(object);
    objectJsonCache.set(object, json);
  }
  return json;
}

const toMessage = (event: StoreEvent): WatchEventMessage => ({
  type: event.type,
  revision: event.revision,
  kind: event.kind,
  objectJson: objectJson(event.object),
});

interface Queued {
  message: WatchEventMessage;
  live: boolean;
}

export function startWatchSession(
  source: EventSource,
  params: WatchParams,
  sink: WatchSink,
  options: WatchSessionOptions,
): WatchSession {
  const wanted = params.kinds.length ? new Set<string>(params.kinds) : undefined;
  const queue: Queued[] = [];
  let head = 0; // queue[head] is the next to write; compacted now and then
  let pendingLive = 0;
  let blocked = false;
  let stopped = false;
  let catchingUp = true;
  let held: StoreEvent[] = [];
  /** Highest revision queued so far: anything at or below it is a duplicate. */
  let coveredRevision = 0;

  const unsubscribe = source.subscribe((events) => {
    if (stopped) return;
    if (catchingUp) held.push(...events);
    else for (const event of events) enqueueLive(event);
    flush();
  });

  function stop(): void {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    queue.length = 0;
    head = 0;
    held = [];
  }

  function fail(status: Partial<StatusObject>): void {
    if (stopped) return;
    stop();
    sink.fail(status);
  }

  function enqueueLive(event: StoreEvent): void {
    if (event.revision <= coveredRevision) return;
    coveredRevision = event.revision;
    if (wanted && !wanted.has(event.kind)) return;
    if (pendingLive >= options.maxPendingEvents) {
      fail(
        grpcStatus(
          GrpcCode.RESOURCE_EXHAUSTED,
          `watcher fell more than ${options.maxPendingEvents} events behind at revision ${event.revision}; relist`,
        ),
      );
      return;
    }
    pendingLive += 1;
    queue.push({ message: toMessage(event), live: true });
  }

  function flush(): void {
    while (!stopped && !blocked && head < queue.length) {
      const item = queue[head++];
      if (item.live) pendingLive -= 1;
      if (!sink.write(item.message)) {
        blocked = true;
        sink.onceDrain(() => {
          blocked = false;
          flush();
        });
      }
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
  }

  const catchUp = readCatchUp(source, params);
  if ('error' in catchUp) {
    fail(catchUp.error);
  } else {
    for (const message of catchUp.messages) queue.push({ message, live: false });
    queue.push({ message: { type: 'SYNCED', revision: catchUp.syncedRevision, kind: '', objectJson: '' }, live: false });
    coveredRevision = catchUp.syncedRevision;
    catchingUp = false;
    const early = held;
    held = [];
    for (const event of early) enqueueLive(event);
    flush();
  }

  return {
    stop,
    get stopped() {
      return stopped;
    },
  };
}

type CatchUp = { messages: WatchEventMessage[]; syncedRevision: number } | { error: Partial<StatusObject> };

function readCatchUp(source: EventSource, params: WatchParams): CatchUp {
  const since = params.sinceRevision;
  if (since === 0) {
    const snapshot = source.snapshot(params.kinds);
    const messages = snapshot.objects.map(
      (object): WatchEventMessage => ({
        type: 'ADDED',
        revision: snapshot.revision,
        kind: object.kind,
        objectJson: objectJson(object),
      }),
    );
    return { messages, syncedRevision: snapshot.revision };
  }
  const current = source.currentRevision();
  if (since > current) {
    return {
      error: grpcStatus(GrpcCode.OUT_OF_RANGE, `revision ${since} is newer than the server's current revision ${current}; relist`),
    };
  }
  const oldest = source.oldestResumableRevision();
  const events = since < oldest ? undefined : source.eventsSince(since, params.kinds);
  if (!events) {
    return {
      error: grpcStatus(GrpcCode.OUT_OF_RANGE, `revision ${since} is older than the oldest kept revision ${oldest}; relist`),
    };
  }
  const last = events.length ? events[events.length - 1].revision : since;
  return { messages: events.map(toMessage), syncedRevision: Math.max(current, last) };
}
