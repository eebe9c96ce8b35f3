// The gRPC side of minik's client library, shared by the agent and the CLI:
// a TLS connection that trusts the apiserver's CA, the bearer token on every
// call, and the node service
// (Register, Heartbeat). Failures come back as ApiErrors with one clear line:
// `Unauthorized: the server rejected the token`,
// `cannot reach the gRPC server at HOST:PORT`, or the server's own message.

import * as grpc from '@grpc/grpc-js';
import { fromGrpcError } from './grpc-status.ts';
import { silenceSniIpWarning } from './sni-warning.ts';
import { loadMinikProto, type RegisterResponseMessage } from './proto.ts';
import type { Node } from './types.ts';

export interface GrpcConnectionOptions {
  /** `host:port` (a leading `http://` or `grpc://` is tolerated). */
  address: string;
  token: string;
  /** PEM of the CA that signed the server's certificate; absent: the system's roots. */
  ca?: string;
  /** No TLS at all: only for a server started without certificates (tests of the gRPC layer). */
  plaintext?: boolean;
  /** Deadline of unary calls (default 5 s). */
  timeoutMs?: number;
  /** Extra grpc-js channel options. */
  channelOptions?: grpc.ChannelOptions;
}

export interface RegisterRequest {
  name: string;
  internalIP: string;
  proxyMode?: string;
  /** The pod CIDR this node already uses; the server keeps it when it is free. */
  podCIDR?: string;
}

/** `http://10.0.0.1:6444/` → `10.0.0.1:6444`. */
export function grpcTarget(address: string): string {
  return address.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, '');
}

export function authMetadata(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

export const CLIENT_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  // Notice a dead server (or a dead link) on an otherwise quiet watch.
  'grpc.keepalive_time_ms': 15_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
  // Our own channel, so closing it (or a test killing it) touches no one else's.
  'grpc.use_local_subchannel_pool': 1,
};

/** How a channel is secured: TLS verified against `ca` (else the system's roots), or `plaintext`. */
export interface GrpcSecurity {
  ca?: string;
  plaintext?: boolean;
}

export function channelCredentials(security: GrpcSecurity): grpc.ChannelCredentials {
  if (security.plaintext) return grpc.credentials.createInsecure();
  silenceSniIpWarning();
  return grpc.credentials.createSsl(security.ca ? Buffer.from(security.ca) : null);
}

/** A raw generated client for the Minik service; the caller closes it. */
export function createMinikClient(address: string, security: GrpcSecurity, channelOptions: grpc.ChannelOptions = {}): grpc.Client {
  const { Client } = loadMinikProto();
  return new Client(grpcTarget(address), channelCredentials(security), { ...CLIENT_CHANNEL_OPTIONS, ...channelOptions });
}

type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

/** One connection for the node service; an agent keeps it for its lifetime. */
export class MinikGrpcClient {
  private readonly client: grpc.Client;
  private readonly target: string;

  constructor(private readonly options: GrpcConnectionOptions) {
    this.target = grpcTarget(options.address);
    this.client = createMinikClient(options.address, options, options.channelOptions);
  }

  async register(request: RegisterRequest): Promise<Node> {
    const response = (await this.call('Register', {
      name: request.name,
      internalIp: request.internalIP,
      proxyMode: request.proxyMode ?? '',
      podCidr: request.podCIDR ?? '',
    })) as RegisterResponseMessage;
    return JSON.parse(response.nodeJson) as Node;
  }

  async heartbeat(name: string): Promise<void> {
    await this.call('Heartbeat', { name });
  }

  close(): void {
    this.client.close();
  }

  private call(method: 'Register' | 'Heartbeat', request: unknown): Promise<unknown> {
    const fn = (this.client as unknown as Record<string, UnaryMethod>)[method].bind(this.client);
    const deadline = Date.now() + (this.options.timeoutMs ?? 5_000);
    return new Promise((resolve, reject) => {
      fn(request, authMetadata(this.options.token), { deadline }, (err, response) =>
        err ? reject(fromGrpcError(err, this.target)) : resolve(response),
      );
    });
  }
}

/** One-shot Register on a connection of its own. */
export async function register(options: GrpcConnectionOptions, request: RegisterRequest): Promise<Node> {
  const client = new MinikGrpcClient(options);
  try {
    return await client.register(request);
  } finally {
    client.close();
  }
}

/** One-shot Heartbeat on a connection of its own (an agent should keep a MinikGrpcClient instead). */
export async function heartbeat(options: GrpcConnectionOptions, name: string): Promise<void> {
  const client = new MinikGrpcClient(options);
  try {
    await client.heartbeat(name);
  } finally {
    client.close();
  }
}
