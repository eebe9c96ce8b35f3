// The cluster DNS listener: UDP and TCP on one address and port (10.96.0.10:53
// inside the node's network namespace in a lab; the agent adds the address to
// `lo`). All DNS logic is in message.ts; this file only moves bytes.
//
// TCP follows RFC 7766: each message is preceded by a 2-byte length, a client
// may send several queries on one connection (answered in order), and an idle
// connection is closed. A message we cannot decode closes its connection, as
// the stream can no longer be trusted to be in step.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { answerQuery } from './message.ts';
import type { DnsState } from './state.ts';

export interface DnsServerOptions {
  /** default 10.96.0.10 (api/layout.ts CLUSTER.dnsServiceIp) */
  address: string;
  /** 53 in a lab; 0 picks a free port, the same for UDP and TCP */
  port: number;
  /** called for every query, so new state from watches takes effect at once */
  getState: () => DnsState;
  /** where unexpected socket errors go; the server keeps running */
  onError?: (err: Error) => void;
  /** default 10 s: how long a TCP connection may sit idle */
  tcpIdleTimeoutMs?: number;
}

export interface DnsServer {
  address: string;
  /** the bound port (useful with port 0) */
  port: number;
  close(): Promise<void>;
}

export class DnsServerError extends Error {
  readonly code = 'DNS_LISTEN_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DnsServerError';
  }
}

const DEFAULT_IDLE_MS = 10_000;
/** With port 0, UDP picks a port that TCP may find taken; try a few times. */
const PORT_ATTEMPTS = 5;

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < (options.port === 0 ? PORT_ATTEMPTS : 1); attempt++) {
    const udp = await bindUdp(options);
    const port = udp.address().port;
    try {
      const tcp = await listenTcp(options, port);
      return handle(options.address, port, udp, tcp.server, tcp.connections);
    } catch (err) {
      lastError = err;
      await new Promise<void>((done) => udp.close(() => done()));
    }
  }
  throw new DnsServerError(`cannot listen for DNS on ${options.address}:${options.port}/tcp: ${errorText(lastError)}`, {
    cause: lastError,
  });
}

function bindUdp(options: DnsServerOptions): Promise<Socket> {
  const socket = createSocket({ type: 'udp4' });
  return new Promise((resolve, reject) => {
    socket.once('error', (err) => {
      socket.close();
      reject(new DnsServerError(`cannot listen for DNS on ${options.address}:${options.port}/udp: ${err.message}`, { cause: err }));
    });
    socket.bind(options.port, options.address, () => {
      socket.removeAllListeners('error');
      socket.on('error', (err) => options.onError?.(err));
      socket.on('message', (msg: Buffer, from: RemoteInfo) => {
        const reply = safeAnswer(msg, options, 'udp');
        if (reply) socket.send(reply, from.port, from.address, (err) => err && options.onError?.(err));
      });
      resolve(socket);
    });
  });
}

function listenTcp(options: DnsServerOptions, port: number): Promise<{ server: Server; connections: Set<TcpSocket> }> {
  const connections = new Set<TcpSocket>();
  const server = createServer((conn) => serveConnection(conn, options, connections));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: options.address, exclusive: true }, () => {
      server.removeListener('error', reject);
      server.on('error', (err) => options.onError?.(err));
      resolve({ server, connections });
    });
  });
}

function serveConnection(conn: TcpSocket, options: DnsServerOptions, connections: Set<TcpSocket>): void {
  connections.add(conn);
  conn.on('close', () => connections.delete(conn));
  // A client that resets mid-answer is normal; it must not reach the agent's error path.
  conn.on('error', () => conn.destroy());
  conn.setTimeout(options.tcpIdleTimeoutMs ?? DEFAULT_IDLE_MS, () => conn.end());
  let pending: Buffer = Buffer.alloc(0);
  conn.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (pending.length < 2 + length) return;
      const message = pending.subarray(2, 2 + length);
      pending = pending.subarray(2 + length);
      const reply = safeAnswer(message, options, 'tcp');
      if (!reply) {
        conn.destroy();
        return;
      }
      const framed = Buffer.alloc(2 + reply.length);
      framed.writeUInt16BE(reply.length, 0);
      reply.copy(framed, 2);
      // A client that pipelines queries but does not read must not fill our memory.
      if (!conn.write(framed)) {
        conn.pause();
        conn.once('drain', () => conn.resume());
      }
    }
  });
}

/** A bug in the answer path must cost one query, never the agent. */
function safeAnswer(message: Buffer, options: DnsServerOptions, transport: 'udp' | 'tcp'): Buffer | undefined {
  try {
    return answerQuery(message, options.getState, transport);
  } catch (err) {
    options.onError?.(err instanceof Error ? err : new Error(String(err)));
    return undefined;
  }
}

function handle(address: string, port: number, udp: Socket, tcp: Server, connections: Set<TcpSocket>): DnsServer {
  let closing: Promise<void> | undefined;
  return {
    address,
    port,
    close() {
      closing ??= Promise.all([
        new Promise<void>((done) => udp.close(() => done())),
        new Promise<void>((done) => {
          tcp.close(() => done());
          for (const conn of connections) conn.destroy();
        }),
      ]).then(() => undefined);
      return closing;
    },
  };
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
