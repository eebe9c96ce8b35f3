// One portal: the socket a service address is redirected to, proxying to
// ready endpoints round robin (or the client's remembered endpoint under
// ClientIP affinity). TCP streams both ways with backpressure (pipe) and
// half-close (allowHalfOpen: a client's FIN reaches the endpoint, the reply
// still flows back); no endpoint → the client gets a reset at once. UDP
// keeps one upstream socket per client address, closed after an idle
// timeout, so replies come back from the service address.

import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { ProxyEndpoint } from '../model.ts';
import type { PortalSpec } from './plan.ts';

export const UDP_IDLE_MS = 30_000;

export interface Decision {
  at: string;
  portal: string;
  protocol: string;
  client: string;
  /** `ip:port`, or why there is none. */
  endpoint: string;
  reason: 'round-robin' | 'affinity' | 'no-endpoints' | 'connect-failed';
}

export interface PortalOptions {
  /** Address to listen on (default all: REDIRECT sends to the incoming interface's address). */
  host?: string;
  udpIdleMs?: number;
  onDecision?(d: Decision): void;
  onError?(err: Error): void;
}

/** Endpoint choice: round robin, with ClientIP affinity when the spec asks for it. Pure apart from its own counters. */
export class Balancer {
  private next = 0;
  private readonly sticky = new Map<string, { ep: ProxyEndpoint; until: number }>();
  constructor(
    public spec: PortalSpec,
    private readonly now: () => number = Date.now,
  ) {}

  pick(clientIp: string): { ep?: ProxyEndpoint; reason: Decision['reason'] } {
    const eps = this.spec.endpoints;
    if (eps.length === 0) return { reason: 'no-endpoints' };
    const ttl = this.spec.affinityTimeoutSeconds;
    if (ttl !== undefined) {
      const s = this.sticky.get(clientIp);
      if (s && s.until > this.now() && eps.some((e) => e.ip === s.ep.ip && e.port === s.ep.port)) {
        s.until = this.now() + ttl * 1000;
        return { ep: s.ep, reason: 'affinity' };
      }
    }
    const ep = eps[this.next++ % eps.length];
    if (ttl !== undefined) this.sticky.set(clientIp, { ep, until: this.now() + ttl * 1000 });
    return { ep, reason: 'round-robin' };
  }
}

export interface Portal {
  readonly port: number;
  update(spec: PortalSpec): void;
  /** Endpoints that went away: their UDP flows close (the conntrack flush of this mode). */
  dropEndpoints(gone: ProxyEndpoint[]): void;
  close(): Promise<void>;
}

export async function openPortal(spec: PortalSpec, opts: PortalOptions = {}): Promise<Portal> {
  return spec.protocol === 'udp' ? openUdpPortal(spec, opts) : openTcpPortal(spec, opts);
}

function decide(b: Balancer, client: string, clientIp: string, opts: PortalOptions) {
  const { ep, reason } = b.pick(clientIp);
  opts.onDecision?.({
    at: new Date().toISOString(),
    portal: b.spec.label,
    protocol: b.spec.protocol,
    client,
    endpoint: ep ? `${ep.ip}:${ep.port}` : 'none',
    reason,
  });
  return ep;
}

async function openTcpPortal(spec: PortalSpec, opts: PortalOptions): Promise<Portal> {
  const balancer = new Balancer(spec);
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const clientIp = client.remoteAddress ?? '';
    const ep = decide(balancer, `${clientIp}:${client.remotePort}`, clientIp, opts);
    if (!ep) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: ep.ip, port: ep.port, allowHalfOpen: true });
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const done = () => {
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', done);
    upstream.on('close', done);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => {
      // Never reached the endpoint (or it reset): the client sees a reset too, not a hang.
      if (!client.destroyed) client.resetAndDestroy();
    });
  });
  server.on('error', (err) => opts.onError?.(err));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: opts.host ?? '0.0.0.0' }, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    update(next) {
      balancer.spec = next;
    },
    dropEndpoints() {},
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

interface Flow {
  upstream: UdpSocket;
  ep: ProxyEndpoint;
  timer: NodeJS.Timeout;
}

async function openUdpPortal(spec: PortalSpec, opts: PortalOptions): Promise<Portal> {
  const balancer = new Balancer(spec);
  const idleMs = opts.udpIdleMs ?? UDP_IDLE_MS;
  const flows = new Map<string, Flow>();
  const socket = createSocket('udp4');
  const closeFlow = (key: string) => {
    const f = flows.get(key);
    if (!f) return;
    clearTimeout(f.timer);
    f.upstream.close();
    flows.delete(key);
  };
  socket.on('message', (msg: Buffer, from: RemoteInfo) => {
    const key = `${from.address}:${from.port}`;
    let flow = flows.get(key);
    if (!flow) {
      const ep = decide(balancer, key, from.address, opts);
      if (!ep) return; // no endpoint: the datagram is dropped (there is no ICMP from user space)
      const upstream = createSocket('udp4');
      upstream.on('message', (reply) => {
        socket.send(reply, from.port, from.address);
        flows.get(key)?.timer.refresh();
      });
      upstream.on('error', () => closeFlow(key));
      flow = { upstream, ep, timer: setTimeout(() => closeFlow(key), idleMs) };
      flows.set(key, flow);
    }
    flow.timer.refresh();
    flow.upstream.send(msg, flow.ep.port, flow.ep.ip);
  });
  socket.on('error', (err) => opts.onError?.(err));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port: 0, address: opts.host ?? '0.0.0.0' }, () => resolve());
  });
  const port = socket.address().port;
  return {
    port,
    update(next) {
      balancer.spec = next;
    },
    dropEndpoints(gone) {
      for (const [key, f] of flows) if (gone.some((g) => g.ip === f.ep.ip && g.port === f.ep.port)) closeFlow(key);
    },
    async close() {
      for (const key of [...flows.keys()]) closeFlow(key);
      await new Promise<void>((r) => socket.close(() => r()));
    },
  };
}
