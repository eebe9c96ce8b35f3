// minik's gRPC server: Watch (snapshot or change log, then live events) and
// the node service (Register, Heartbeat). Every call is authenticated first;
// errors become gRPC statuses in one place (api/grpc-status.ts).

import * as grpc from '@grpc/grpc-js';
import { badRequest, unauthorized } from '../../api/errors.ts';
import { toGrpcStatus } from '../../api/grpc-status.ts';
import {
  loadMinikProto,
  type HeartbeatRequestMessage,
  type HeartbeatResponseMessage,
  type RegisterRequestMessage,
  type RegisterResponseMessage,
  type WatchEventMessage,
  type WatchRequestMessage,
} from '../../api/proto.ts';
import { ALL_KINDS, type Kind } from '../../api/resources.ts';
import type { EventSource, NodeRegistry } from '../store/types.ts';
import { bearerTokenChecker } from './auth.ts';
import { startWatchSession, type WatchParams, type WatchSession } from './watch-session.ts';

export interface GrpcServerOptions {
  /** `host:port`; port 0 picks a free one. */
  listen: string;
  source: EventSource;
  nodes: NodeRegistry;
  token: string;
  /** Serving certificate and key (PEM). Without them the server speaks plaintext, which only tests use. */
  tls?: { certPem: string; keyPem: string };
  /** Live events one watcher may fall behind before it is cut off (default 10,000). */
  maxPendingEvents?: number;
}

export interface GrpcServer {
  port: number;
  /** Watch streams open right now. */
  activeWatches(): number;
  close(): Promise<void>;
}

const SERVER_OPTIONS: grpc.ServerOptions = {
  // Find clients that vanished without closing their connection.
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
};

export async function startGrpcServer(options: GrpcServerOptions): Promise<GrpcServer> {
  const { service } = loadMinikProto();
  const isAuthorized = bearerTokenChecker(options.token);
  const maxPendingEvents = options.maxPendingEvents ?? 10_000;
  const sessions = new Set<WatchSession>();
  const server = new grpc.Server(SERVER_OPTIONS);

  function unary<Req, Res>(handle: (request: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      if (!isAuthorized(call.metadata)) return callback(toGrpcStatus(unauthorized()));
      handle(call.request).then(
        (response) => callback(null, response),
        (err: unknown) => callback(toGrpcStatus(err)),
      );
    };
  }

  const watch: grpc.handleServerStreamingCall<WatchRequestMessage, WatchEventMessage> = (call) => {
    const fail = (status: Partial<grpc.StatusObject>) => call.emit('error', status);
    if (!isAuthorized(call.metadata)) return fail(toGrpcStatus(unauthorized()));
    let params: WatchParams;
    try {
      params = parseWatchRequest(call.request);
    } catch (err) {
      return fail(toGrpcStatus(err));
    }
    let session: WatchSession | undefined;
    const end = () => {
      session?.stop();
      if (session) sessions.delete(session);
    };
    session = startWatchSession(
      options.source,
      params,
      {
        write: (message) => call.write(message),
        onceDrain: (callback) => call.once('drain', callback),
        fail: (status) => {
          end();
          fail(status);
        },
      },
      { maxPendingEvents },
    );
    if (session.stopped) return; // failed during catch-up (OUT_OF_RANGE)
    sessions.add(session);
    call.on('cancelled', end);
    call.on('close', end);
    call.on('finish', end);
    call.on('error', end);
  };

  const register = unary<RegisterRequestMessage, RegisterResponseMessage>(async (request) => {
    const node = await options.nodes.register({
      name: request.name,
      internalIP: request.internalIp,
      proxyMode: request.proxyMode || undefined,
      podCIDR: request.podCidr || undefined,
    });
    return { nodeJson: JSON.stringify(node) };
  });

  const heartbeat = unary<HeartbeatRequestMessage, HeartbeatResponseMessage>(async (request) => {
    if (!request.name) throw badRequest('heartbeat needs the node name');
    await options.nodes.heartbeat(request.name);
    return {};
  });

  server.addService(service, { Watch: watch, Register: register, Heartbeat: heartbeat });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(options.listen, serverCredentials(options.tls), (err, bound) =>
      err ? reject(new Error(`cannot listen for gRPC on ${options.listen}: ${err.message}`)) : resolve(bound),
    ),
  );

  return {
    port,
    activeWatches: () => sessions.size,
    close: async () => {
      for (const session of sessions) session.stop();
      sessions.clear();
      // Watch streams never end on their own: do not wait for them.
      server.forceShutdown();
    },
  };
}

function serverCredentials(tls: GrpcServerOptions['tls']): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  // No client certificates: clients prove themselves with the bearer token.
  return grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(tls.certPem), private_key: Buffer.from(tls.keyPem) }], false);
}

const KNOWN_KINDS = new Set<string>(ALL_KINDS);

export function parseWatchRequest(request: WatchRequestMessage): WatchParams {
  const unknown = request.kinds.filter((k) => !KNOWN_KINDS.has(k));
  if (unknown.length) throw badRequest(`unknown kind ${unknown.join(', ')}; known kinds: ${ALL_KINDS.join(', ')}`);
  const since = Number(request.sinceRevision);
  if (!Number.isSafeInteger(since) || since < 0) throw badRequest(`sinceRevision must be 0 or a positive revision, not ${request.sinceRevision}`);
  // Empty means every kind; spelled out so no store has to guess what [] means.
  const kinds = request.kinds.length ? ([...new Set(request.kinds)] as Kind[]) : [...ALL_KINDS];
  return { kinds, sinceRevision: since };
}
