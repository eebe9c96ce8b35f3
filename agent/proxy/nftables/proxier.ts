// NftablesProxier: compile → diff against what we last wrote → one atomic
// transaction. Full resync at start, when the live table drifted (someone
// deleted or recreated it: a cheap `nft -j list chains` comparison), after a
// failed partial apply, and periodically as a safety net for edits the cheap
// check cannot see (a flushed chain). Reading the whole table back would cost
// seconds at 30k services with nft 1.0.6, so we never do it on the hot path.

import { NftError, Transaction, diffRulesets, fullSyncTransaction, renderRuleset, type NftApplier, type Ruleset } from '../../nft/index.ts';
import type { ProxyModel } from '../model.ts';
import { compile } from './compile.ts';
import { CHAIN, TABLE } from './names.ts';

export interface NftablesProxierOptions {
  table?: string;
  /** How often sync() first compares the live chains with ours (0 = every sync). Default 10 s. */
  driftCheckIntervalMs?: number;
  /** Full resync after this long even without visible drift (0 = never). Default 15 min. */
  fullResyncIntervalMs?: number;
  now?: () => number;
}

export type SyncReason = 'start' | 'drift' | 'periodic' | 'retry-after-error';

export interface StaleUdpEndpoint {
  /** The service address the conntrack entries were made for (clusterIP or LB IP). */
  serviceIp: string;
  servicePort: number;
  endpointIp: string;
  endpointPort: number;
}

export interface SyncResult {
  mode: 'full' | 'partial' | 'unchanged';
  reason?: SyncReason;
  /** Operations in the transaction that was applied. */
  operations: number;
  durationMs: number;
  /** UDP endpoints that went away: their conntrack entries should be flushed (UDP has no FIN). */
  staleUdpEndpoints: StaleUdpEndpoint[];
}

interface Applied {
  ruleset: Ruleset;
  model: ProxyModel;
  chainNames: string;
  anchorHandle: number;
  at: number;
}

export class NftablesProxier {
  private readonly applier: NftApplier;
  private readonly table: string;
  private readonly driftEvery: number;
  private readonly resyncEvery: number;
  private readonly now: () => number;
  private applied?: Applied;
  private lastDriftCheck = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(applier: NftApplier, opts: NftablesProxierOptions = {}) {
    this.applier = applier;
    this.table = opts.table ?? TABLE;
    this.driftEvery = opts.driftCheckIntervalMs ?? 10_000;
    this.resyncEvery = opts.fullResyncIntervalMs ?? 15 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Brings the table to what the model asks for. Calls are serialized. */
  sync(model: ProxyModel): Promise<SyncResult> {
    const run = this.queue.then(() => this.syncNow(model));
    this.queue = run.catch(() => {});
    return run;
  }

  /** The table as minik last programmed it (what `minik rules` prints); '' before the first sync. */
  rules(): string {
    return this.applied ? renderRuleset(this.applied.ruleset) : '';
  }

  /** nft's own listing of the live table (slow for huge tables), or undefined when absent. */
  liveRules(): Promise<string | undefined> {
    return this.applier.listTableText('ip', this.table);
  }

  /** True when the live table no longer looks like the one we wrote. */
  async drifted(): Promise<boolean> {
    if (!this.applied) return true;
    const chains = (await this.applier.listChains('ip')).filter((c) => c.table === this.table);
    const anchor = chains.find((c) => c.name === CHAIN.natPrerouting);
    return !anchor || anchor.handle !== this.applied.anchorHandle || namesOf(chains) !== this.applied.chainNames;
  }

  /** Removes the table (agent shutdown with --cleanup). */
  async cleanup(): Promise<void> {
    await this.applier.apply(new Transaction('ip', this.table).destroyTable());
    this.applied = undefined;
  }

  private async syncNow(model: ProxyModel): Promise<SyncResult> {
    const started = performance.now();
    const next = compile(model, { table: this.table });
    const stale = this.applied ? staleUdp(this.applied.model, model) : [];
    const reason = await this.fullSyncReason();
    if (reason) return this.full(next, model, reason, stale, started);

    const tx = diffRulesets(this.applied!.ruleset, next);
    if (tx.isEmpty) {
      this.applied!.model = model;
      return { mode: 'unchanged', operations: 0, durationMs: performance.now() - started, staleUdpEndpoints: stale };
    }
    try {
      await this.applier.apply(tx);
    } catch (err) {
      // The live table is not what we think (or nft refused a diff): rebuild it whole, atomically.
      if (!(err instanceof NftError)) throw err;
      return this.full(next, model, 'retry-after-error', stale, started);
    }
    const chainsChanged = tx.ops.some((op) => op.object === 'chain' && (op.verb === 'add' || op.verb === 'delete'));
    this.applied = { ...this.applied!, ruleset: next, model, chainNames: chainsChanged ? chainNamesOf(next) : this.applied!.chainNames };
    return { mode: 'partial', operations: tx.ops.length, durationMs: performance.now() - started, staleUdpEndpoints: stale };
  }

  private async fullSyncReason(): Promise<SyncReason | undefined> {
    if (!this.applied) return 'start';
    const now = this.now();
    if (this.resyncEvery > 0 && now - this.applied.at >= this.resyncEvery) return 'periodic';
    if (now - this.lastDriftCheck >= this.driftEvery) {
      this.lastDriftCheck = now;
      if (await this.drifted()) return 'drift';
    }
    return undefined;
  }

  private async full(next: Ruleset, model: ProxyModel, reason: SyncReason, stale: StaleUdpEndpoint[], started: number): Promise<SyncResult> {
    this.applied = undefined;
    const tx = fullSyncTransaction(next);
    await this.applier.apply(tx);
    const chains = (await this.applier.listChains('ip')).filter((c) => c.table === this.table);
    const anchor = chains.find((c) => c.name === CHAIN.natPrerouting);
    this.applied = { ruleset: next, model, chainNames: namesOf(chains), anchorHandle: anchor?.handle ?? -1, at: this.now() };
    this.lastDriftCheck = this.now();
    return { mode: 'full', reason, operations: tx.ops.length, durationMs: performance.now() - started, staleUdpEndpoints: stale };
  }
}

const namesOf = (chains: { name: string }[]) => chains.map((c) => c.name).sort().join(' ');
const chainNamesOf = (rs: Ruleset) => namesOf(rs.chains);

/** UDP endpoints present before and gone now, per service address. */
export function staleUdp(prev: ProxyModel, next: ProxyModel): StaleUdpEndpoint[] {
  const now = new Set<string>();
  for (const sp of next.servicePorts) {
    if (sp.protocol !== 'udp') continue;
    for (const ip of [sp.clusterIP, ...sp.loadBalancerIPs]) for (const ep of sp.endpoints) now.add(`${ip}:${sp.port}>${ep.ip}:${ep.port}`);
  }
  const out: StaleUdpEndpoint[] = [];
  for (const sp of prev.servicePorts) {
    if (sp.protocol !== 'udp') continue;
    for (const ip of [sp.clusterIP, ...sp.loadBalancerIPs]) {
      for (const ep of sp.endpoints) {
        if (!now.has(`${ip}:${sp.port}>${ep.ip}:${ep.port}`)) out.push({ serviceIp: ip, servicePort: sp.port, endpointIp: ep.ip, endpointPort: ep.port });
      }
    }
  }
  return out;
}
