// IpvsProxier: the ipvs mode's sync loop on one node.
//
// Full sync (first sync, every fullResyncIntervalMs, after any failed apply):
// read what the node holds (`ipvsadm -Sn`, the dummy link's addresses),
// compile the whole model, send only the difference as one `ipvsadm -R`
// batch, reconcile the addresses in one `ip -batch`, and recreate the helper
// table in one nft transaction. Partial sync (a few services changed):
// compile only the changed service ports and diff them against what we last
// applied for them, so a change at 30k services costs what the change costs.
// ipvsadm -R is not atomic (it runs line by line); a failure is repaired by
// the full resync that follows it.

import type { Exec } from '../../../api/exec/exec.ts';
import { diffRulesets, fullSyncTransaction, type NftApplier } from '../../nft/index.ts';
import type { ProxyModel, ServicePortModel } from '../model.ts';
import { assembleHelper, compileFragments, compileServicePort, desiredOf, type IpvsFragment, type IpvsNodeInfo } from './compile.ts';
import { applyIpvsCommands, changeDummyAddresses, helperApplier, ownership, prepareNode, readDummyAddresses, readVirtualServers } from './host.ts';
import { diffIpvs } from './restore.ts';

export interface IpvsProxierOptions extends IpvsNodeInfo {
  exec: Exec;
  /** Default: the nft library over `exec`. */
  nft?: NftApplier;
  /** Full resync after this long (0 = never). Default 15 min. */
  fullResyncIntervalMs?: number;
  now?: () => number;
}

export interface IpvsChange {
  before?: ServicePortModel;
  after?: ServicePortModel;
}

export interface IpvsSyncInput {
  model: ProxyModel;
  /** Service ports that differ from the last successful sync. */
  changed: IpvsChange[];
  /** The front end's first sync: rebuild everything. */
  first: boolean;
}

export interface IpvsSyncResult {
  kind: 'full' | 'partial' | 'unchanged';
  reason?: string;
  /** ipvsadm commands + address changes + nft operations. */
  operations: number;
  durationMs: number;
}

/** Counts of users per key (addresses shared by a service's ports, hairpin pairs shared by services). */
class Counts {
  readonly map = new Map<string, number>();
  /** Applies -1 for `removed`, +1 for `added`; returns keys that appear and disappear, without changing anything. */
  preview(removed: string[], added: string[]): { appear: string[]; vanish: string[]; next: Map<string, number> } {
    const delta = new Map<string, number>();
    for (const k of removed) delta.set(k, (delta.get(k) ?? 0) - 1);
    for (const k of added) delta.set(k, (delta.get(k) ?? 0) + 1);
    const appear: string[] = [];
    const vanish: string[] = [];
    const next = new Map<string, number>();
    for (const [k, d] of delta) {
      const before = this.map.get(k) ?? 0;
      const after = before + d;
      next.set(k, after);
      if (before === 0 && after > 0) appear.push(k);
      if (before > 0 && after <= 0) vanish.push(k);
    }
    return { appear, vanish, next };
  }
  commit(next: Map<string, number>): void {
    for (const [k, v] of next) v > 0 ? this.map.set(k, v) : this.map.delete(k);
  }
  reset(keys: string[]): void {
    this.map.clear();
    for (const k of keys) this.map.set(k, (this.map.get(k) ?? 0) + 1);
  }
}

export class IpvsProxier {
  private readonly exec: Exec;
  private readonly nft: NftApplier;
  private readonly node: IpvsNodeInfo;
  private readonly resyncEvery: number;
  private readonly now: () => number;
  private fragments = new Map<string, IpvsFragment>();
  private readonly addresses = new Counts();
  private readonly hairpin = new Counts();
  private appliedAt?: number;
  private clusterCidr?: string;
  private failed = false;

  constructor(opts: IpvsProxierOptions) {
    this.exec = opts.exec;
    this.nft = opts.nft ?? helperApplier(opts.exec);
    this.node = { nodeIps: opts.nodeIps, scheduler: opts.scheduler };
    this.resyncEvery = opts.fullResyncIntervalMs ?? 15 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  async sync(input: IpvsSyncInput): Promise<IpvsSyncResult> {
    const started = performance.now();
    const reason = this.fullSyncReason(input);
    if (reason) return this.full(input.model, reason, started);
    try {
      const operations = await this.partial(input);
      return { kind: operations ? 'partial' : 'unchanged', operations, durationMs: performance.now() - started };
    } catch (err) {
      this.failed = true;
      return this.full(input.model, 'retry-after-error', started);
    }
  }

  private fullSyncReason(input: IpvsSyncInput): string | undefined {
    if (input.first || this.appliedAt === undefined) return 'start';
    if (this.failed) return 'retry-after-error';
    if (input.model.clusterCidr !== this.clusterCidr) return 'cluster-cidr';
    if (this.resyncEvery > 0 && this.now() - this.appliedAt >= this.resyncEvery) return 'periodic';
    return undefined;
  }

  private async full(model: ProxyModel, reason: string, started: number): Promise<IpvsSyncResult> {
    this.appliedAt = undefined;
    await prepareNode(this.exec);
    const fragments = compileFragments(model, this.node);
    const desired = desiredOf(model, this.node, fragments);
    const [current, bound] = await Promise.all([readVirtualServers(this.exec), readDummyAddresses(this.exec)]);
    const want = new Set(desired.addresses);
    const diff = diffIpvs(current, desired.virtualServers, ownership([...bound, ...desired.addresses], this.node.nodeIps));
    const tx = fullSyncTransaction(desired.helper);
    // Reject/drop elements first, so a service never answers half-built; then IPVS; then the addresses that make it reachable.
    await this.nft.apply(tx);
    await applyIpvsCommands(this.exec, diff.commands);
    const add = desired.addresses.filter((a) => !bound.includes(a));
    const remove = bound.filter((a) => !want.has(a));
    await changeDummyAddresses(this.exec, add, remove);
    this.fragments = new Map(fragments.map((f) => [f.key, f]));
    this.addresses.reset(fragments.flatMap((f) => f.addresses));
    this.hairpin.reset(fragments.flatMap((f) => f.hairpin));
    this.appliedAt = this.now();
    this.clusterCidr = model.clusterCidr;
    this.failed = false;
    return { kind: 'full', reason, operations: diff.commands.length + add.length + remove.length + tx.ops.length, durationMs: performance.now() - started };
  }

  /** Applies only the changed service ports; returns the number of operations (0 = nothing to do). */
  private async partial({ model, changed }: IpvsSyncInput): Promise<number> {
    const oldFrags: IpvsFragment[] = [];
    const newFrags: IpvsFragment[] = [];
    const keys: string[] = [];
    for (const c of changed) {
      const key = (c.after ?? c.before)!.key;
      keys.push(key);
      const was = this.fragments.get(key);
      if (was) oldFrags.push(was);
      if (c.after) newFrags.push(compileServicePort(c.after, this.node));
    }
    const vs = diffIpvs(oldFrags.flatMap((f) => f.virtualServers), newFrags.flatMap((f) => f.virtualServers));
    const addr = this.addresses.preview(oldFrags.flatMap((f) => f.addresses), newFrags.flatMap((f) => f.addresses));
    const hp = this.hairpin.preview(oldFrags.flatMap((f) => f.hairpin), newFrags.flatMap((f) => f.hairpin));
    const tx = diffRulesets(assembleHelper(model, this.node, oldFrags, hp.vanish), assembleHelper(model, this.node, newFrags, hp.appear));
    await this.nft.apply(tx);
    await applyIpvsCommands(this.exec, vs.commands);
    await changeDummyAddresses(this.exec, addr.appear, addr.vanish);
    for (const key of keys) this.fragments.delete(key);
    for (const f of newFrags) this.fragments.set(f.key, f);
    this.addresses.commit(addr.next);
    this.hairpin.commit(hp.next);
    return vs.commands.length + addr.appear.length + addr.vanish.length + tx.ops.length;
  }
}
