// Readers of ipvsadm's output. Pure.
//   parseIpvsadmSave: `ipvsadm -Sn` (the rule form) → virtual servers
//   parseConnections: `ipvsadm -Lnc` → connection entries (for `minik trace`)

import type { Forwarding, IpvsProtocol, RealServer, VirtualServer } from './types.ts';

export class IpvsParseError extends Error {
  readonly code = 'IPVS_PARSE';
  constructor(message: string, readonly line: string) {
    super(`${message}: ${line}`);
    this.name = 'IpvsParseError';
  }
}

const PROTOCOLS: Record<string, IpvsProtocol> = { '-t': 'tcp', '--tcp-service': 'tcp', '-u': 'udp', '--udp-service': 'udp', '--sctp-service': 'sctp' };
const FORWARDING: Record<string, Forwarding> = { '-m': 'masq', '--masquerading': 'masq', '-g': 'gate', '--gatewaying': 'gate', '-i': 'ipip', '--ipip': 'ipip' };
/** Options that carry a value we do not model (kept out of the state, but skipped correctly). */
const VALUED = new Set(['-M', '--netmask', '-b', '--sched-flags', '--pe', 'pe', '-x', '--u-threshold', '-y', '--l-threshold', '--tun-type', '--tun-port']);

/** `10.0.0.1:80` or `[fd00::1]:80` → address and port. */
function splitAddress(text: string, line: string): { address: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (!m) throw new IpvsParseError(`bad address "${text}"`, line);
  return { address: m[1], port: Number(m[2]) };
}

/** Virtual servers (with their real servers) from `ipvsadm -Sn`. Firewall-mark services (`-f`) are not minik's and are left out. */
export function parseIpvsadmSave(text: string): VirtualServer[] {
  const services = new Map<string, VirtualServer>();
  const order: VirtualServer[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const t = line.split(/\s+/);
    const command = t[0];
    if (command !== '-A' && command !== '-a') throw new IpvsParseError('expected -A or -a', line);
    if (t[1] === '-f' || t[1] === '--fwmark-service') continue;
    const protocol = PROTOCOLS[t[1]];
    if (!protocol) throw new IpvsParseError(`unknown service type "${t[1]}"`, line);
    const { address, port } = splitAddress(t[2] ?? '', line);
    const key = `${protocol} ${address}:${port}`;
    if (command === '-A') {
      const vs: VirtualServer = { protocol, address, port, scheduler: 'wlc', realServers: [] };
      for (let i = 3; i < t.length; i++) {
        if (t[i] === '-s' || t[i] === '--scheduler') vs.scheduler = t[++i];
        else if (t[i] === '-p' || t[i] === '--persistent') vs.persistence = Number(t[++i]);
        else if (VALUED.has(t[i])) i++;
      }
      services.set(key, vs);
      order.push(vs);
      continue;
    }
    const vs = services.get(key);
    if (!vs) throw new IpvsParseError('real server before its virtual server', line);
    const rs: Partial<RealServer> = { weight: 1, forwarding: 'gate' };
    for (let i = 3; i < t.length; i++) {
      if (t[i] === '-r' || t[i] === '--real-server') Object.assign(rs, splitAddress(t[++i] ?? '', line));
      else if (t[i] === '-w' || t[i] === '--weight') rs.weight = Number(t[++i]);
      else if (FORWARDING[t[i]]) rs.forwarding = FORWARDING[t[i]];
      else if (VALUED.has(t[i])) i++;
    }
    if (rs.address === undefined) throw new IpvsParseError('real server without -r', line);
    vs.realServers.push(rs as RealServer);
  }
  return order;
}

export interface IpvsConnection {
  protocol: string;
  /** `00:57` as printed */
  expire: string;
  state: string;
  source: string;
  virtual: string;
  destination: string;
}

/**
 * Entries of `ipvsadm -Lnc`:
 *   IPVS connection entries
 *   pro expire state       source             virtual            destination
 *   TCP 00:57  ESTABLISHED 10.244.1.5:40012   10.96.0.20:80      10.244.2.5:8080
 * Persistence templates show protocol IP and state NONE; they are entries too.
 */
export function parseConnections(text: string): IpvsConnection[] {
  const out: IpvsConnection[] = [];
  for (const raw of text.split('\n')) {
    const t = raw.trim().split(/\s+/);
    if (t.length < 6 || t[0] === 'pro' || t[0] === 'IPVS') continue;
    if (!/^\d+:\d+$/.test(t[1])) continue;
    out.push({ protocol: t[0], expire: t[1], state: t[2], source: t[3], virtual: t[4], destination: t[5] });
  }
  return out;
}
