// The client half of Watch: list, then follow, and never lose or repeat an
// event across broken connections.
//
// It keeps one number, the revision it has fully received, and resumes from
// it after every break, with backoff. Snapshot items only count once SYNCED
// has arrived, so a break in the middle of a snapshot lists again from
// scratch; until then they are held back, and the consumer sees each event
// exactly once, in order. When the server has forgotten that revision
// (OUT_OF_RANGE) the client lists again and hands the consumer the whole new
// state through onRelist, so it can replace its cache.

import { status as GrpcCode, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { ApiError } from './errors.ts';
import { authMetadata, createMinikClient, grpcTarget } from './grpc-client.ts';
import { fromGrpcError } from './grpc-status.ts';
import type { WatchEventMessage, WatchRequestMessage } from './proto.ts';
import type { Kind } from './resources.ts';
import type { AnyObject } from './types.ts';
import type * as grpc from '@grpc/grpc-js';

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** For snapshot items: the snapshot's revision. */
  revision: number;
  kind: Kind;
  object: AnyObject;
}

export interface WatchedObject {
  kind: Kind;
  object: AnyObject;
}

export interface RelistSnapshot {
  revision: number;
  objects: WatchedObject[];
}

export interface WatchOptions {
  /** `host:port` of the gRPC server. */
  address: string;
  token: string;
  /** PEM of the apiserver's CA; absent: the system's roots. */
  ca?: string;
  /** No TLS (a test server started without certificates). */
  plaintext?: boolean;
  /** Kinds to watch; empty: all. */
  kinds: readonly Kind[];
  /** Every change exactly once, in revision order (the first snapshot arrives as ADDED events). */
  onEvent(event: WatchEvent): void;
  /** After each snapshot or catch-up: the client is current at `revision`. */
  onSynced?(revision: number): void;
  /**
   * A later snapshot (the server forgot our revision): the complete state,
   * which replaces everything received before. Without this handler the
   * objects arrive as ADDED events instead, and deletions in between go unseen.
   */
  onRelist?(snapshot: RelistSnapshot): void;
  /** Each failed attempt; willRetry false means the watch has stopped for good (wrong token, bad request). */
  onError?(error: ApiError, willRetry: boolean): void;
  backoff?: { initialMs?: number; maxMs?: number };
  channelOptions?: grpc.ChannelOptions;
}

export interface WatchHandle {
  /** The revision fully received so far (0 before the first SYNCED). */
  readonly revision: number;
  /** Connections made so far (1 + reconnects). */
  readonly attempts: number;
  close(): void;
}

/** Codes after which trying again cannot help. */
const FATAL_CODES = new Set<number>([GrpcCode.UNAUTHENTICATED, GrpcCode.PERMISSION_DENIED, GrpcCode.INVALID_ARGUMENT, GrpcCode.UNIMPLEMENTED]);

export function watch(options: WatchOptions): WatchHandle {
  const target = grpcTarget(options.address);
  const client = createMinikClient(target, options, options.channelOptions);
  const initialMs = options.backoff?.initialMs ?? 200;
  const maxMs = options.backoff?.maxMs ?? 5_000;

  let revision = 0;
  let listedBefore = false;
  let failuresInARow = 0;
  let attempts = 0;
  let closed = false;
  let current: ClientReadableStream<WatchEventMessage> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  function connect(): void {
    retryTimer = undefined;
    if (closed) return;
    attempts += 1;
    const request: WatchRequestMessage = { kinds: [...options.kinds], sinceRevision: revision };
    const listing = revision === 0;
    const snapshot: WatchedObject[] = [];
    let synced = false;
    let over = false;
    const call = (client as unknown as { Watch: WatchMethod }).Watch(request, authMetadata(options.token));
    current = call;

    call.on('data', (message: WatchEventMessage) => {
      if (over || closed) return;
      if (message.type === 'SYNCED') {
        if (listing && !synced) deliverSnapshot(snapshot, message.revision);
        synced = true;
        revision = Math.max(revision, message.revision);
        failuresInARow = 0;
        options.onSynced?.(revision);
        return;
      }
      const event = toEvent(message);
      if (listing && !synced) {
        snapshot.push({ kind: event.kind, object: event.object });
        return;
      }
      if (event.revision <= revision) return; // already delivered: never twice
      revision = event.revision;
      options.onEvent(event);
    });
    // grpc-js reports a non-OK status as 'error' and then 'status'; the
    // status alone covers both, and an OK end (server going away) too.
    call.on('error', () => {});
    call.on('status', (status: grpc.StatusObject) => {
      if (over) return;
      over = true;
      if (current === call) current = undefined;
      if (closed) return;
      if (status.code === GrpcCode.OUT_OF_RANGE) {
        // The server no longer has our revision: list again, at once.
        revision = 0;
        options.onError?.(fromGrpcError(asServiceError(status), target), true);
        scheduleReconnect(0);
        return;
      }
      if (status.code !== GrpcCode.OK) {
        const error = fromGrpcError(asServiceError(status), target);
        if (FATAL_CODES.has(status.code)) {
          options.onError?.(error, false);
          shutdown();
          return;
        }
        options.onError?.(error, true);
      }
      failuresInARow += 1;
      scheduleReconnect(backoffDelay(failuresInARow, initialMs, maxMs));
    });
  }

  function deliverSnapshot(objects: WatchedObject[], snapshotRevision: number): void {
    if (listedBefore && options.onRelist) {
      options.onRelist({ revision: snapshotRevision, objects });
    } else {
      for (const { kind, object } of objects) options.onEvent({ type: 'ADDED', revision: snapshotRevision, kind, object });
    }
    listedBefore = true;
  }

  function scheduleReconnect(delayMs: number): void {
    if (closed) return;
    retryTimer = setTimeout(connect, delayMs);
  }

  function shutdown(): void {
    closed = true;
    if (retryTimer) clearTimeout(retryTimer);
    current?.cancel();
    current = undefined;
    client.close();
  }

  connect();
  return {
    get revision() {
      return revision;
    },
    get attempts() {
      return attempts;
    },
    close: shutdown,
  };
}

type WatchMethod = (request: WatchRequestMessage, metadata: grpc.Metadata) => ClientReadableStream<WatchEventMessage>;

function toEvent(message: WatchEventMessage): WatchEvent {
  return {
    type: message.type as WatchEvent['type'],
    revision: message.revision,
    kind: message.kind as Kind,
    object: JSON.parse(message.objectJson) as AnyObject,
  };
}

function asServiceError(status: grpc.StatusObject): ServiceError {
  return Object.assign(new Error(status.details), status) as ServiceError;
}

/** Exponential, capped, with jitter so many agents do not reconnect in lockstep. */
export function backoffDelay(failuresInARow: number, initialMs: number, maxMs: number, random = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, failuresInARow - 1));
  return Math.round(base * (0.5 + random() / 2));
}
