// Helpers for the gRPC tests and benchmarks: objects to commit, a TCP proxy
// that can cut every connection through it (the "network failure" a watch
// must survive), and a raw watch call that records what the server sent.

import * as grpc from '@grpc/grpc-js';
import { createServer, connect, type Socket } from 'node:net';
import { authMetadata, createMinikClient } from '../../api/grpc-client.ts';
import type { WatchEventMessage, WatchRequestMessage } from '../../api/proto.ts';
import type { Service } from '../../api/types.ts';

export function service(name: string, namespace = 'default', port = 80): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { type: 'ClusterIP', selector: { app: name }, ports: [{ port, protocol: 'TCP' }] },
  };
}

export interface TcpProxy {
  port: number;
  /** Destroys every open connection (both sides), as a network failure would. */
  killAll(): number;
  /** While down, every connection is cut at once (a partition). */
  setDown(down: boolean): void;
  /** Cuts every connection once this many more bytes have gone from server to client. */
  cutAfterBytes(bytes: number): void;
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:<port> to 127.0.0.1:<targetPort>. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let down = false;
  let cutBudget = Infinity;
  const server = createServer((inbound) => {
    if (down) return void inbound.destroy();
    const outbound = connect(targetPort, '127.0.0.1');
    outbound.on('data', (chunk: Buffer) => {
      cutBudget -= chunk.length;
      if (cutBudget <= 0) {
        cutBudget = Infinity;
        killAll();
      }
    });
    const pair: [Socket, Socket] = [inbound, outbound];
    pairs.add(pair);
    const drop = () => {
      inbound.destroy();
      outbound.destroy();
      pairs.delete(pair);
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy did not bind');
  const killAll = () => {
    const n = pairs.size;
    for (const [a, b] of [...pairs]) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
    return n;
  };
  return {
    port: address.port,
    killAll,
    setDown(value) {
      down = value;
      if (down) killAll();
    },
    cutAfterBytes(bytes) {
      cutBudget = bytes;
    },
    close() {
      killAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface RawWatch {
  messages: WatchEventMessage[];
  /** Resolves with the final status once the call ends. */
  ended: Promise<grpc.StatusObject>;
  call: grpc.ClientReadableStream<WatchEventMessage>;
  client: grpc.Client;
  close(): void;
}

/** A bare Watch call (no reconnects, no dedupe) that records everything the server sent. */
export function rawWatch(port: number, token: string | undefined, request: Partial<WatchRequestMessage>): RawWatch {
  const client = createMinikClient(`127.0.0.1:${port}`, { plaintext: true });
  const metadata = token === undefined ? new grpc.Metadata() : authMetadata(token);
  const call = (client as unknown as { Watch: (r: WatchRequestMessage, m: grpc.Metadata) => grpc.ClientReadableStream<WatchEventMessage> }).Watch(
    { kinds: [], sinceRevision: 0, ...request },
    metadata,
  );
  const messages: WatchEventMessage[] = [];
  call.on('data', (m: WatchEventMessage) => messages.push(m));
  call.on('error', () => {});
  const ended = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  return {
    messages,
    ended,
    call,
    client,
    close() {
      call.cancel();
      client.close();
    },
  };
}

/** Polls until `predicate` holds; rejects with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
