// Watch over HTTP (`?watch=true`): the store's change log as Kubernetes' chunked
// stream of `{"type","object"}` lines. The same EventSource and change log
// serve the agents' gRPC watch (grpc/watch-session.ts); this file only adds
// what the Kubernetes HTTP contract asks for: per-request filters (namespace,
// label and field selectors, with objects that start or stop matching seen as
// ADDED / DELETED, as the Kubernetes watch cache does), resourceVersion
// semantics, BOOKMARKs, timeouts and `410 Expired` for a revision the log no
// longer holds.
//
// Order matters, as in the gRPC session: subscribe first and hold live events
// aside, read the catch-up, then release the held events it did not cover.

import type { Kind } from '../../api/resources.ts';
import { objectKey } from '../../api/resources.ts';
import type { AnyObject, Status } from '../../api/types.ts';
import type { EventSource, StoreEvent } from '../store/types.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface HttpWatchParams {
  kind: Kind;
  apiVersion: string;
  /** Only objects in this namespace (undefined: every namespace). */
  namespace?: string;
  /** Label and field selectors; undefined when the request has none. */
  matches?: (obj: AnyObject) => boolean;
  /** As sent: undefined/'' (most recent, with the current state first), '0' (any), or a revision. */
  resourceVersion?: string;
  allowWatchBookmarks: boolean;
  /** `sendInitialEvents=true`: current state as ADDED, then a BOOKMARK marking its end. */
  sendInitialEvents?: boolean;
  /** How often an idle watch gets a BOOKMARK (when allowed). */
  bookmarkIntervalMs: number;
  /** Ends the watch after this long (`timeoutSeconds`). */
  timeoutMs: number;
  /** A watcher this many events behind is cut off (it re-watches or relists). */
  maxPendingEvents: number;
}

export interface WatchOutput {
  /** One event; the caller serialises it. */
  event(type: WatchEventType, object: unknown): void;
  /** How many events the transport still holds (for cutting off slow readers). */
  pending(): number;
  end(): void;
}

const keyOf = (o: AnyObject) => objectKey(o.kind as Kind, o.metadata.namespace, o.metadata.name);

export function expiredStatus(requested: number, oldest: number): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `too old resource version: ${requested} (${oldest})`,
    reason: 'Expired',
    code: 410,
  };
}

/** Parses `resourceVersion`; NaN for garbage. */
export function parseRevision(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '') return undefined;
  return /^\d+$/.test(rv) ? Number(rv) : Number.NaN;
}

/**
 * Which objects of `kind` matched `matches` at `revision`: the current state,
 * corrected by the change log for every object changed since. An object whose
 * state at `revision` fell out of the log is judged by its first later state.
 */
function matchedAt(source: EventSource, kind: Kind, revision: number, inScope: (o: AnyObject) => boolean, matches: (o: AnyObject) => boolean): Set<string> {
  const current = new Map(source.snapshot([kind]).objects.filter(inScope).map((o) => [keyOf(o), o]));
  const log = (source.eventsSince(source.oldestResumableRevision(), [kind]) ?? []).filter((e) => inScope(e.object));
  const before = new Map<string, StoreEvent>();
  const firstAfter = new Map<string, StoreEvent>();
  for (const e of log) {
    const key = keyOf(e.object);
    if (e.revision <= revision) before.set(key, e);
    else if (!firstAfter.has(key)) firstAfter.set(key, e);
  }
  const matched = new Set<string>();
  const keys = new Set([...current.keys(), ...firstAfter.keys()]);
  for (const key of keys) {
    const after = firstAfter.get(key);
    let state: AnyObject | undefined;
    if (!after) state = current.get(key);
    else if (after.type === 'ADDED') state = undefined;
    else {
      const prior = before.get(key);
      state = prior ? (prior.type === 'DELETED' ? undefined : prior.object) : after.object;
    }
    if (state && matches(state)) matched.add(key);
  }
  return matched;
}

export interface HttpWatch {
  stop(): void;
}

export function startHttpWatch(source: EventSource, params: HttpWatchParams, out: WatchOutput): HttpWatch {
  const inScope = (o: AnyObject) => o.kind === params.kind && (params.namespace === undefined || o.metadata.namespace === params.namespace);
  let stopped = false;
  let catchingUp = true;
  let held: StoreEvent[] = [];
  let covered = 0;
  let lastSent = 0;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  /** Keys currently matching the selectors (only tracked when there are selectors). */
  let matched: Set<string> | undefined;

  const unsubscribe = source.subscribe((events) => {
    if (stopped) return;
    if (catchingUp) held.push(...events);
    else for (const e of events) live(e);
  });

  function stop(): void {
    if (stopped) return;
    stopped = true;
    unsubscribe();
    if (bookmarkTimer) clearInterval(bookmarkTimer);
    if (timeoutTimer) clearTimeout(timeoutTimer);
    held = [];
  }

  function finish(): void {
    if (stopped) return;
    stop();
    out.end();
  }

  function send(type: WatchEventType, object: unknown): void {
    if (stopped) return;
    if (out.pending() >= params.maxPendingEvents) {
      // Too slow: end the stream; the client re-watches from its last revision.
      finish();
      return;
    }
    out.event(type, object);
  }

  const bookmark = (revision: number, annotations?: Record<string, string>) =>
    send('BOOKMARK', {
      kind: params.kind,
      apiVersion: params.apiVersion,
      metadata: { resourceVersion: String(revision), ...(annotations ? { annotations } : {}) },
    });

  function live(e: StoreEvent): void {
    if (e.revision <= covered) return;
    covered = e.revision;
    if (!inScope(e.object)) return;
    lastSent = e.revision;
    if (!params.matches) {
      send(e.type, e.object);
      return;
    }
    const key = keyOf(e.object);
    const was = matched!.has(key);
    const now = e.type !== 'DELETED' && params.matches(e.object);
    if (now) matched!.add(key);
    else matched!.delete(key);
    if (e.type === 'DELETED') {
      if (was) send('DELETED', e.object);
    } else if (now) send(was ? 'MODIFIED' : 'ADDED', e.object);
    else if (was) send('DELETED', e.object); // stopped matching: gone from this watcher's view
  }

  const requested = parseRevision(params.resourceVersion);
  const initialState = requested === undefined || requested === 0 || params.sendInitialEvents;
  if (initialState) {
    const snapshot = source.snapshot([params.kind]);
    const objects = snapshot.objects.filter(inScope).filter((o) => !params.matches || params.matches(o));
    if (params.matches) matched = new Set(objects.map(keyOf));
    covered = snapshot.revision;
    objects.sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion));
    for (const o of objects) send('ADDED', o);
    if (params.sendInitialEvents && params.allowWatchBookmarks) {
      bookmark(snapshot.revision, { 'k8s.io/initial-events-end': 'true' });
    }
  } else {
    const since = requested as number;
    const oldest = source.oldestResumableRevision();
    const events = since < oldest ? undefined : source.eventsSince(since, [params.kind]);
    if (!events) {
      // As the Kubernetes watch cache does: a 200 stream carrying one ERROR event.
      send('ERROR', expiredStatus(since, oldest + 1));
      finish();
      return { stop };
    }
    if (params.matches) matched = matchedAt(source, params.kind, since, inScope, params.matches);
    covered = since;
    catchingUp = false;
    for (const e of events) live(e);
    covered = Math.max(covered, source.currentRevision(), since);
  }
  catchingUp = false;
  const early = held;
  held = [];
  for (const e of early) live(e);
  lastSent = Math.max(lastSent, covered);

  if (!stopped && params.allowWatchBookmarks) {
    bookmarkTimer = setInterval(() => bookmark(Math.max(covered, lastSent)), params.bookmarkIntervalMs);
    bookmarkTimer.unref();
  }
  if (!stopped) {
    timeoutTimer = setTimeout(finish, params.timeoutMs);
    timeoutTimer.unref();
  }
  return { stop };
}

/**
 * The HTTP side: a chunked `application/json` response, one JSON event per
 * line. `encode` turns a stored object into what the client asked for (the
 * object itself, or a one-row Table). The watch stops when the client goes.
 */
export function watchResponse(
  source: EventSource,
  params: HttpWatchParams,
  encode: (type: WatchEventType, object: unknown) => unknown = (_t, o) => o,
): Response {
  const encoder = new TextEncoder();
  let watch: HttpWatch | undefined;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      cancel() {
        closed = true;
        watch?.stop();
      },
    },
    { highWaterMark: 1 },
  );
  const out: WatchOutput = {
    event(type, object) {
      if (closed) return;
      const payload = type === 'BOOKMARK' || type === 'ERROR' ? object : encode(type, object);
      controller.enqueue(encoder.encode(`${JSON.stringify({ type, object: payload })}\n`));
    },
    pending: () => (closed ? 0 : Math.max(0, -(controller.desiredSize ?? 0))),
    end() {
      if (closed) return;
      closed = true;
      controller.close();
    },
  };
  watch = startHttpWatch(source, params, out);
  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-cache, private', 'x-content-type-options': 'nosniff' },
  });
}
