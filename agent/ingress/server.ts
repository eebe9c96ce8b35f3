// The ingress HTTP listener of a node: a small reverse proxy on node:http.
// Every request is routed by routes.ts (pure) against the newest table the
// agent hands us; this file only picks an endpoint and moves bytes.
//
// It listens on :80 and on INGRESS_NODE_PORT (30080) on every address of the
// node's network namespace, so a client outside reaches it through any node,
// as it would reach an ingress controller exposed by a NodePort Service.

import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline } from 'node:stream';
import { INGRESS_HTTP_PORT, INGRESS_NODE_PORT } from '../../api/ingress-ports.ts';
import { route, type EndpointAddr, type RouteTable } from './routes.ts';

// The ports live in api/ (the NodePort allocator must keep 30080 free for us).
export { INGRESS_HTTP_PORT, INGRESS_NODE_PORT };

export interface IngressServerOptions {
  /** default 80; 0 picks a free port */
  port?: number;
  /** default 30080; 0 picks a free port; null listens on `port` only */
  nodePort?: number | null;
  /** default 0.0.0.0 (every address of the node's namespace) */
  host?: string;
  /** called per request, so a new table from the watch takes effect at once */
  getTable: () => RouteTable;
  /** where unexpected errors go; the server keeps running */
  onError?: (err: Error) => void;
  /** default 60 s: how long an endpoint may take to start answering before 504 */
  upstreamTimeoutMs?: number;
}

export interface IngressServer {
  /** the bound ports: [port, nodePort] (or just [port]) */
  ports: number[];
  close(): Promise<void>;
}

export class IngressServerError extends Error {
  readonly code = 'INGRESS_LISTEN_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IngressServerError';
  }
}

/** Headers that describe one hop, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Copies headers minus hop-by-hop ones, including those the Connection header names. */
export function endToEndHeaders(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

/** The request headers an endpoint sees: end-to-end ones plus X-Forwarded-*. */
export function forwardedHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const headers = endToEndHeaders(req.headers);
  const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${client}` : client;
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
  headers['x-real-ip'] = client;
  return headers;
}

/** Methods that may be sent again when a kept-alive socket turns out to be closed. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'PUT', 'TRACE']);
const hasBody = (req: IncomingMessage) =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

function plain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startIngressServer(options: IngressServerOptions): Promise<IngressServer> {
  const host = options.host ?? '0.0.0.0';
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? 60_000;
  const agents = new Map<string, Agent>();
  const nextIndex = new Map<string, number>();

  function agentFor(ep: EndpointAddr): Agent {
    const key = `${ep.ip}:${ep.port}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = new Agent({ keepAlive: true, maxFreeSockets: 16, scheduling: 'lifo' });
      agents.set(key, agent);
    }
    return agent;
  }

  /** Drops keep-alive agents of endpoints that left the table (pods come and go). */
  function pruneAgents(table: RouteTable): void {
    const live = new Set<string>();
    const add = (eps: EndpointAddr[]) => eps.forEach((e) => live.add(`${e.ip}:${e.port}`));
    if (table.defaultBackend) add(table.defaultBackend.endpoints);
    for (const rules of [table.anyHost, ...table.exactHosts.values(), ...table.wildcardHosts.values()]) {
      for (const r of rules) add(r.target.endpoints);
    }
    for (const [key, agent] of agents) {
      if (!live.has(key)) {
        agent.destroy();
        agents.delete(key);
      }
    }
  }

  function pick(backendKey: string, endpoints: EndpointAddr[]): EndpointAddr {
    const i = nextIndex.get(backendKey) ?? 0;
    nextIndex.set(backendKey, (i + 1) % endpoints.length);
    return endpoints[i % endpoints.length];
  }

  let lastTable: RouteTable | undefined;

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const table = options.getTable();
    if (table !== lastTable) {
      if (lastTable) pruneAgents(table);
      lastTable = table;
    }
    // An absolute-form target (`GET http://host/path`) carries its own path.
    const target = req.url?.startsWith('/') ? req.url : safePath(req.url);
    const result = route(table, req.headers.host, target);
    if (result.status === 404) return plain(res, 404, `404 Not Found: no ingress rule for ${req.headers.host ?? ''}${target}\n`);
    if (result.status === 503) return plain(res, 503, `503 Service Unavailable: ${result.reason}\n`);
    const { backend, endpoints } = result;
    const ep = pick(`${backend.namespace}/${backend.service}:${backend.port}`, endpoints);
    forward(req, res, target, ep, !hasBody(req) && IDEMPOTENT.has(req.method ?? ''));
  }

  function forward(req: IncomingMessage, res: ServerResponse, path: string, ep: EndpointAddr, mayRetry: boolean): void {
    const upstream = httpRequest({
      host: ep.ip,
      port: ep.port,
      method: req.method,
      path,
      headers: forwardedHeaders(req),
      agent: agentFor(ep),
      timeout: upstreamTimeoutMs,
    });
    let answered = false;
    upstream.on('response', (up) => {
      answered = true;
      res.writeHead(up.statusCode ?? 502, up.statusMessage, endToEndHeaders(up.headers));
      pipeline(up, res, () => {});
    });
    upstream.on('timeout', () => upstream.destroy(Object.assign(new Error('endpoint timed out'), { code: 'ETIMEDOUT' })));
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (answered) return res.destroy();
      // A kept-alive socket the endpoint closed meanwhile: send once more on a fresh one.
      if (upstream.reusedSocket && mayRetry && err.code === 'ECONNRESET') return forward(req, res, path, ep, false);
      const status = err.code === 'ETIMEDOUT' ? 504 : 502;
      const what = status === 504 ? 'Gateway Timeout' : 'Bad Gateway';
      plain(res, status, `${status} ${what}: endpoint ${ep.ip}:${ep.port}: ${err.code ?? err.message}\n`);
    });
    // The client went away before the answer ended: stop the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    if (mayRetry) upstream.end(); // no body to stream (and the retry must not wait for one)
    else pipeline(req, upstream, () => {});
  }

  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const portsWanted = [options.port ?? INGRESS_HTTP_PORT];
  const nodePort = options.nodePort === undefined ? INGRESS_NODE_PORT : options.nodePort;
  if (nodePort !== null) portsWanted.push(nodePort);
  const ports: number[] = [];
  try {
    for (const port of portsWanted) {
      const server = createServer((req, res) => {
        try {
          handle(req, res);
        } catch (err) {
          options.onError?.(err as Error);
          plain(res, 500, '500 Internal Server Error\n');
        }
      });
      server.on('connection', (s: Socket) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.on('clientError', (_err, socket) => socket.destroy());
      ports.push(await listen(server, port, host));
      servers.push(server);
      server.on('error', (err) => options.onError?.(err));
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    throw err;
  }

  return {
    ports,
    async close() {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
      for (const s of sockets) s.destroy();
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}

function safePath(url: string | undefined): string {
  try {
    const u = new URL(url ?? '/');
    return u.pathname + u.search;
  } catch {
    return '/';
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error) =>
      reject(new IngressServerError(`cannot listen for ingress HTTP on ${host}:${port}: ${err.message}`, { cause: err }));
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
