// Direct liveness between the nodes that may hold LoadBalancer IPs, as
// MetalLB's memberlist does: every agent answers UDP pings on its node IP and
// pings its peers every PROBE_INTERVAL_MS. A peer that answered before and
// has been silent for DEAD_AFTER_MS is down, well before the apiserver's
// three missed heartbeats (3 s) say so, so its IPs move in under a second.
//
// Silence is counted in our own probe rounds as well as in time: a peer is
// down only after every one of the last DEAD_AFTER_MS / PROBE_INTERVAL_MS
// rounds went unanswered, so a stall of this agent's own event loop (pongs
// waiting unread in the socket) never makes a peer look dead.
//
// A peer never heard from counts as alive (an agent without the prober, or
// one still starting): only the apiserver's Ready condition judges it.
// This node is isolated when its own pings cannot leave (ENETUNREACH: its
// LAN link is down) or, with two or more peers, when every peer it heard
// before has gone silent at once: then it is the one cut off, and it drops
// its LB addresses rather than keep answering ARP for them when it returns.

import { createSocket, type Socket } from 'node:dgram';

export const PROBE_PORT = 7946;
export const PROBE_INTERVAL_MS = 100;
export const DEAD_AFTER_MS = 600;

export interface PeerProberOptions {
  nodeName: string;
  /** Address to answer on (this node's IP). */
  address: string;
  port?: number;
  intervalMs?: number;
  deadAfterMs?: number;
  now?: () => number;
  /** Called when a peer goes down or comes back, or isolation changes. */
  onChange?(): void;
  log?(line: string): void;
}

interface Peer {
  ip: string;
  lastHeard?: number;
  /** Probe rounds sent since it last answered. */
  unanswered: number;
}

export class PeerProber {
  private readonly socket: Socket;
  private readonly peers = new Map<string, Peer>();
  private timer?: NodeJS.Timeout;
  private unreachableAt?: number;
  private lastView = '';
  private readonly now: () => number;
  private readonly port: number;
  private readonly deadAfter: number;
  private readonly deadRounds: number;

  private constructor(private readonly options: PeerProberOptions) {
    this.now = options.now ?? Date.now;
    this.port = options.port ?? PROBE_PORT;
    this.deadAfter = options.deadAfterMs ?? DEAD_AFTER_MS;
    this.deadRounds = Math.max(1, Math.floor(this.deadAfter / (options.intervalMs ?? PROBE_INTERVAL_MS)));
    this.socket = createSocket('udp4');
  }

  static async start(options: PeerProberOptions): Promise<PeerProber> {
    const prober = new PeerProber(options);
    await prober.listen();
    return prober;
  }

  /** The peers to probe: node name → node IP (this node is left out). */
  setPeers(peers: ReadonlyMap<string, string>): void {
    for (const name of [...this.peers.keys()]) if (!peers.has(name)) this.peers.delete(name);
    for (const [name, ip] of peers) {
      if (name === this.options.nodeName) continue;
      const known = this.peers.get(name);
      if (!known || known.ip !== ip) this.peers.set(name, { ip, unanswered: 0 });
    }
  }

  /** Peers that have answered at least once (only those can be declared down). */
  heard(): Set<string> {
    return new Set([...this.peers].filter(([, peer]) => peer.lastHeard !== undefined).map(([name]) => name));
  }

  /** Peers that answered before and have been silent for DEAD_AFTER_MS. */
  down(): Set<string> {
    const now = this.now();
    const out = new Set<string>();
    for (const [name, peer] of this.peers) if (this.silent(peer, now)) out.add(name);
    return out;
  }

  /** Whether this node is the one cut off (see the file comment). */
  isolated(): boolean {
    const now = this.now();
    if (this.unreachableAt !== undefined && now - this.unreachableAt < this.deadAfter) return true;
    const heard = [...this.peers.values()].filter((p) => p.lastHeard !== undefined);
    return heard.length >= 2 && heard.every((p) => this.silent(p, now));
  }

  private silent(peer: Peer, now: number): boolean {
    return peer.lastHeard !== undefined && now - peer.lastHeard >= this.deadAfter && peer.unanswered >= this.deadRounds;
  }

  close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    this.socket.on('message', (msg, rinfo) => this.receive(msg.toString(), rinfo.address, rinfo.port));
    this.socket.on('error', (err) => this.options.log?.(`lb probe: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(this.port, this.options.address, () => {
        this.socket.off('error', reject);
        resolve();
      });
    });
    this.timer = setInterval(() => this.round(), this.options.intervalMs ?? PROBE_INTERVAL_MS);
    this.timer.unref();
  }

  private receive(text: string, from: string, port: number): void {
    const [verb, name] = text.split(' ');
    if (verb === 'ping') {
      this.socket.send(`pong ${this.options.nodeName}`, port, from, () => {});
    } else if (verb === 'pong') {
      const peer = this.peers.get(name);
      if (peer && peer.ip === from) {
        peer.lastHeard = this.now();
        peer.unanswered = 0;
      }
      this.unreachableAt = undefined;
      this.check();
    }
  }

  private round(): void {
    for (const peer of this.peers.values()) {
      peer.unanswered += 1;
      this.socket.send(`ping ${this.options.nodeName}`, this.port, peer.ip, (err) => {
        const code = (err as NodeJS.ErrnoException | null)?.code;
        if (code === 'ENETUNREACH' || code === 'EHOSTUNREACH' || code === 'EADDRNOTAVAIL') this.unreachableAt = this.now();
      });
    }
    this.check();
  }

  /** Calls onChange when the verdict moved. */
  private check(): void {
    const view = `${[...this.down()].sort().join(',')}|${this.isolated()}`;
    if (view === this.lastView) return;
    const before = this.lastView;
    this.lastView = view;
    if (before !== '' || view !== '|false') this.options.log?.(`lb peers: down [${[...this.down()].sort().join(', ')}]${this.isolated() ? ', this node is isolated' : ''}`);
    this.options.onChange?.();
  }
}
