// The built-in `echo` image: on every declared port number an HTTP server
// (TCP) and a UDP responder, whichever protocol the port was declared with, so
// a Service of either protocol finds its backend (design: "Details that
// clients rely on"). Each answers with who it is and who asked, and logs one
// line per request or datagram, so `minik logs POD` shows the traffic.

import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EchoPort {
  port: number;
  protocol: 'TCP' | 'UDP';
}

export interface EchoIdentity {
  pod: string;
  namespace: string;
  node: string;
  podIP: string;
}

export interface EchoOptions extends EchoIdentity {
  ports: EchoPort[];
  /** address to listen on; all IPv4 addresses of the pod by default */
  host?: string;
  /** One line per request or datagram (the pod's output); default: nothing. */
  log?: (line: string) => void;
}

/** The answer to every request and datagram; keys fixed by the design. */
export interface EchoReply extends EchoIdentity {
  clientIP: string;
  clientPort: number;
  port: number;
  protocol: 'TCP' | 'UDP';
}

export interface EchoServer {
  /** the ports actually bound (useful when asked for port 0) */
  ports: EchoPort[];
  close(): Promise<void>;
}

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) reads as `10.0.0.1`. */
const plainIp = (address: string | undefined) => (address ?? '').replace(/^::ffff:/, '');

export function echoReply(identity: EchoIdentity, client: { ip: string; port: number }, port: number, protocol: 'TCP' | 'UDP'): EchoReply {
  return {
    pod: identity.pod,
    namespace: identity.namespace,
    node: identity.node,
    podIP: identity.podIP,
    clientIP: plainIp(client.ip),
    clientPort: client.port,
    port,
    protocol,
  };
}

/** `TCP 10.244.1.2:54800 -> :8080 GET /path` — client, port, protocol, and for HTTP what was asked. */
export function requestLine(reply: EchoReply, what?: string): string {
  return `${reply.protocol} ${reply.clientIP}:${reply.clientPort} -> :${reply.port}${what ? ` ${what}` : ''}`;
}

type Log = (line: string) => void;

function startHttp(identity: EchoIdentity, port: number, host: string, log: Log): Promise<Server> {
  const server = createServer((req, res) => {
    const local = req.socket.localPort ?? port;
    const reply = echoReply(identity, { ip: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 }, local, 'TCP');
    log(requestLine(reply, `${req.method} ${req.url}`));
    const body = JSON.stringify(reply);
    // Drain the request body so keep-alive clients can send the next request.
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) + 1 });
    res.end(`${body}\n`);
  });
  // Keep-alive connections must not hold close() open.
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function startUdp(identity: EchoIdentity, port: number, host: string, log: Log): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    const local = socket.address().port;
    const reply = echoReply(identity, { ip: rinfo.address, port: rinfo.port }, local, 'UDP');
    log(requestLine(reply, `${msg.length} bytes`));
    const body = JSON.stringify(reply);
    socket.send(`${body}\n`, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/**
 * What to bind: both protocols on every declared port number (once each). Port
 * 0 (tests: any free port) keeps only its declared protocol, as the two
 * sockets would get different numbers.
 */
export function listenersFor(ports: EchoPort[]): EchoPort[] {
  const out: EchoPort[] = [];
  const seen = new Set<string>();
  const add = (p: EchoPort) => {
    const key = `${p.port}/${p.protocol}`;
    if (p.port !== 0 && seen.has(key)) return;
    seen.add(key);
    out.push(p);
  };
  for (const p of ports) {
    if (p.port === 0) add(p);
    else for (const protocol of ['TCP', 'UDP'] as const) add({ port: p.port, protocol });
  }
  return out;
}

/** Starts every listener; if one port cannot be bound, closes the others and rejects. */
export async function startEcho(options: EchoOptions): Promise<EchoServer> {
  const host = options.host ?? '0.0.0.0';
  const identity: EchoIdentity = { pod: options.pod, namespace: options.namespace, node: options.node, podIP: options.podIP };
  const http: Server[] = [];
  const udp: Socket[] = [];
  const close = async () => {
    await Promise.all([
      ...http.map((s) => new Promise<void>((r) => {
        s.close(() => r());
        s.closeAllConnections();
      })),
      ...udp.map((s) => new Promise<void>((r) => s.close(() => r()))),
    ]);
  };
  const log = options.log ?? (() => {});
  try {
    for (const p of listenersFor(options.ports)) {
      if (p.protocol === 'UDP') udp.push(await startUdp(identity, p.port, host, log));
      else http.push(await startHttp(identity, p.port, host, log));
    }
  } catch (err) {
    await close();
    throw err;
  }
  const ports: EchoPort[] = [
    ...http.map((s) => ({ port: (s.address() as AddressInfo).port, protocol: 'TCP' as const })),
    ...udp.map((s) => ({ port: s.address().port, protocol: 'UDP' as const })),
  ];
  return { ports, close };
}
