// Holds this node's share of LoadBalancer IPs on its node-network interface:
// each as a /32 (the kernel then answers ARP for it), announced with
// gratuitous ARP so neighbours update their caches at once on failover.
//
// Ownership is marked in the kernel, not in a file: every address we add
// carries the label `<iface>:mlb` (`ip addr add IP/32 dev eth0 label
// eth0:mlb`). The mark lives exactly as long as the address, survives an
// agent crash or kill -9 (the next agent adopts or removes what the last one
// left), and can never disagree with reality the way a state file written
// after the `ip addr add` can. iproute2 6.1 has no address `proto` marker.
// Addresses without our label are never removed, even if they are LB IPs.
//
// Why the node answers ARP only for addresses it holds: with the default
// arp_ignore=0 Linux answers for any local address, and an LB IP is local
// only on its announcer. Traffic to LB-IP:port on the announcer is DNATed by
// the proxier's service-ips map (checked before the NodePort rule, which
// matches any local address), so it is not mistaken for a NodePort.

import type { Exec } from '../../api/exec/exec.ts';
import { type IpAddrInfo, type IpLink, ipJson } from '../../api/exec/ip-json.ts';
import { compareIps } from '../../api/ip.ts';

export const OWNED_LABEL_SUFFIX = ':mlb';
/** Used when `<iface>:mlb` exceeds Linux' 15-character label limit. */
export const OWNED_LABEL_FALLBACK = 'minik-lb';
const IFNAMSIZ_MAX = 15;

export const ownedLabel = (iface: string) =>
  (iface + OWNED_LABEL_SUFFIX).length <= IFNAMSIZ_MAX ? iface + OWNED_LABEL_SUFFIX : OWNED_LABEL_FALLBACK;

interface LabelledAddr extends IpAddrInfo {
  label?: string;
}

interface LabelledLink extends IpLink {
  addr_info?: LabelledAddr[];
}

export class AnnouncerError extends Error {
  constructor(
    readonly code: 'LB_NO_INTERFACE',
    message: string,
  ) {
    super(message);
    this.name = 'AnnouncerError';
  }
}

export interface AnnouncerOptions {
  /** This node's address on the node network: the interface holding it carries the LB IPs. */
  nodeIp: string;
  exec: Exec;
  log?(line: string): void;
  /** Skip interface discovery (tests, or a future --lb-interface flag). */
  iface?: string;
}

export interface SyncResult {
  added: string[];
  removed: string[];
}

/** The interface whose IPv4 addresses include `ip`, from `ip -j addr` output. */
export function interfaceHolding(links: IpLink[], ip: string): string | undefined {
  return links.find((l) => (l.addr_info ?? []).some((a) => a.family === 'inet' && a.local === ip))?.ifname;
}

/** What to change, given the addresses on the interface now. Pure. */
export function planAddresses(current: LabelledAddr[], desired: readonly string[], label: string): { add: string[]; remove: string[] } {
  const inet = current.filter((a) => a.family === 'inet');
  const owned = new Set(inet.filter((a) => a.label === label && a.prefixlen === 32).map((a) => a.local));
  const present = new Set(inet.map((a) => a.local));
  const want = new Set(desired);
  return {
    // Already there without our label (someone else's, or the node's own IP): leave it alone.
    add: [...want].filter((ip) => !present.has(ip)).sort(compareIps),
    remove: [...owned].filter((ip) => !want.has(ip)).sort(compareIps),
  };
}

export class Announcer {
  private iface?: string;
  /** What the kernel held after our last sync; undefined until the first one read it. */
  private held?: Set<string>;
  private lastDesired = '';
  private readonly pendingArp = new Set<Promise<void>>();
  private arpMissingLogged = false;

  constructor(private readonly options: AnnouncerOptions) {
    this.iface = options.iface;
  }

  /** The node-network interface (found once; `ip -j addr` is read again if it vanished). */
  async interface(): Promise<string> {
    if (this.iface) return this.iface;
    const links = await ipJson<IpLink>(this.options.exec, ['addr', 'show']);
    const found = interfaceHolding(links, this.options.nodeIp);
    if (!found) throw new AnnouncerError('LB_NO_INTERFACE', `no interface holds the node IP ${this.options.nodeIp}; cannot announce LoadBalancer IPs`);
    this.iface = found;
    return found;
  }

  /**
   * Makes the owned LB addresses on the interface exactly `desired`. Cheap
   * when nothing changed (no command runs); `force` re-reads the kernel, to
   * repair drift (call it when Nodes change, which is rare).
   */
  async sync(desired: readonly string[], { force = false } = {}): Promise<SyncResult> {
    const key = [...desired].sort(compareIps).join(',');
    if (!force && this.held && key === this.lastDesired) return { added: [], removed: [] };
    const iface = await this.interface();
    const label = ownedLabel(iface);
    // Failover path: we know what we hold, so change it without reading the
    // kernel first (one process less between deciding and answering ARP).
    if (!force && this.held) return this.apply(iface, label, desired, key);
    const [link] = await ipJson<LabelledLink>(this.options.exec, ['addr', 'show', 'dev', iface]);
    if (!link) {
      this.iface = this.options.iface; // rediscover next time
      throw new AnnouncerError('LB_NO_INTERFACE', `interface ${iface} is gone; cannot announce LoadBalancer IPs`);
    }
    const plan = planAddresses(link.addr_info ?? [], desired, label);
    for (const ip of plan.remove) {
      await this.options.exec.run(['ip', 'addr', 'del', `${ip}/32`, 'dev', iface], { allowFailure: true });
    }
    for (const ip of plan.add) {
      // noprefixroute: a /32 has no prefix route anyway; this keeps it explicit that we add only the local address.
      await this.options.exec.run(['ip', 'addr', 'add', `${ip}/32`, 'dev', iface, 'label', label, 'noprefixroute']);
      this.announce(iface, ip);
    }
    const owned = new Set((link.addr_info ?? []).filter((a) => a.family === 'inet' && a.label === label && a.prefixlen === 32).map((a) => a.local));
    for (const ip of plan.remove) owned.delete(ip);
    for (const ip of plan.add) owned.add(ip);
    this.held = owned;
    this.lastDesired = key;
    if (plan.add.length || plan.remove.length) {
      this.options.log?.(`lb: ${iface} now holds [${[...owned].sort(compareIps).join(', ')}] (added ${plan.add.length}, removed ${plan.remove.length})`);
    }
    return { added: plan.add, removed: plan.remove };
  }

  private async apply(iface: string, label: string, desired: readonly string[], key: string): Promise<SyncResult> {
    const held = this.held!;
    const want = new Set(desired);
    const add = [...want].filter((ip) => !held.has(ip)).sort(compareIps);
    const remove = [...held].filter((ip) => !want.has(ip)).sort(compareIps);
    for (const ip of remove) {
      await this.options.exec.run(['ip', 'addr', 'del', `${ip}/32`, 'dev', iface], { allowFailure: true });
      held.delete(ip);
    }
    for (const ip of add) {
      const res = await this.options.exec.run(['ip', 'addr', 'add', `${ip}/32`, 'dev', iface, 'label', label, 'noprefixroute'], { allowFailure: true });
      if (res.code !== 0) {
        // Someone else's address, or drift: let the full path (which reads the kernel) decide.
        this.held = undefined;
        return this.sync(desired, { force: true });
      }
      held.add(ip);
      this.announce(iface, ip);
    }
    this.lastDesired = key;
    if (add.length || remove.length) {
      this.options.log?.(`lb: ${iface} now holds [${[...held].sort(compareIps).join(', ')}] (added ${add.length}, removed ${remove.length})`);
    }
    return { added: add, removed: remove };
  }

  /** The LB addresses this announcer holds, as of its last sync. */
  holding(): string[] {
    return [...(this.held ?? [])].sort(compareIps);
  }

  /** Removes every address we own (shutdown), including ones a crashed predecessor left. */
  async releaseAll(): Promise<SyncResult> {
    await this.settled();
    return this.sync([], { force: true });
  }

  /** Resolves when the gratuitous ARPs sent so far are done (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pendingArp.size) await Promise.all([...this.pendingArp]);
  }

  /**
   * Gratuitous ARP, both kinds (some neighbours only heed one): a request
   * (-U) and a reply (-A) with sender = target = the IP. In the background:
   * arping waits a second for answers, which a sync must not. Failure only
   * costs speed (neighbours then find the new node when their entry expires).
   */
  private announce(iface: string, ip: string): void {
    for (const mode of ['-U', '-A']) {
      const p = this.options.exec
        .run(['arping', mode, '-c', '1', '-I', iface, ip], { allowFailure: true })
        .then((r) => {
          if (r.code === 127 && !this.arpMissingLogged) {
            this.arpMissingLogged = true;
            this.options.log?.('lb: arping not found (install iputils-arping): failover waits for neighbours\' ARP caches');
          } else if (r.code !== 0 && r.code !== 127) {
            this.options.log?.(`lb: arping ${mode} ${ip} on ${iface}: exit ${r.code}: ${r.stderr.trim()}`);
          }
        })
        .catch((err: Error) => this.options.log?.(`lb: arping ${ip}: ${err.message}`))
        .finally(() => this.pendingArp.delete(p));
      this.pendingArp.add(p);
    }
  }
}
