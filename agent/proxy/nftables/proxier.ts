// NftablesProxier: compile → diff against what we last wrote → one atomic
// transaction. Full resync at start, when the live table drifted (someone
// deleted or recreated it: a cheap `nft -j list chains` comparison), after a
// failed partial apply, and periodically as a safety net for edits the cheap
// check cannot see (a flushed chain). Reading the whole table back would cost
// seconds at 30k services with nft 1.0.6, so we never do it on the hot path.

import { NftError, Transaction, diffRulesets, fullSyncTransaction, renderRuleset, type NftApplier } from '../../nft/index.ts';
import type { ProxyModel } from '../model.ts';
import { IncrementalCompiler } from './incremental.ts';
import { CHAIN } from '../nft-chains.ts';
import { TABLE } from './names.ts';

export interface NftablesProxierOptions {
  table?: string;
  /** How often sync() first compares the live chains with ours (0 = every sync). Default 10 s. */
  driftCheckIntervalMs?: number;
  /** Full resync after this long even without visible drift (0 = never). Default 15 min. */
  fullResyncIntervalMs?: number;
  now?: () => number;
}

export type SyncReason = 'start' | 'drift' | 'periodic' | 'retry-after-error';

export interface SyncResult {
  mode: 'full' | 'partial' | 'unchanged';
  reason?: SyncReason;
  /** Operations in the transaction that was applied. */
  operations: number;
  durationMs: number;
}

interface Applied {
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
  private readonly compiler: IncrementalCompiler;
  private lastDriftCheck = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(applier: NftApplier, opts: NftablesProxierOptions = {}) {
    this.applier = applier;
    this.table = opts.table ?? TABLE;
    this.driftEvery = opts.driftCheckIntervalMs ?? 10_000;
    this.resyncEvery = opts.fullResyncIntervalMs ?? 15 * 60_000;
    this.now = opts.now ?? Date.now;
    this.compiler = new IncrementalCompiler(this.table);
  }

  /** Brings the table to what the model asks for. Calls are serialized. */
  sync(model: ProxyModel): Promise<SyncResult> {
    const run = this.queue.then(() => this.syncNow(model));
    this.queue = run.catch(() => {});
    return run;
  }

  /** The table as minik last programmed it (what `minik rules` prints); '' before the first sync. */
  rules(): string {
    return this.applied ? renderRuleset(this.compiler.ruleset()) : '';
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
    const reason = await this.fullSyncReason(model);
    if (reason) return this.full(model, reason, started);

    const change = this.compiler.update(model);
    const tx = diffRulesets(change.prev, change.next);
    if (tx.isEmpty) return { mode: 'unchanged', operations: 0, durationMs: performance.now() - started };
    try {
      await this.applier.apply(tx);
    } catch (err) {
      // The live table is not what we think (or nft refused a diff): rebuild it whole, atomically.
      if (!(err instanceof NftError)) throw err;
      return this.full(model, 'retry-after-error', started);
    }
    if (tx.ops.some((op) => op.object === 'chain' && (op.verb === 'add' || op.verb === 'delete'))) {
      this.applied!.chainNames = namesOf(this.compiler.chainNames().map((name) => ({ name })));
    }
    return { mode: 'partial', operations: tx.ops.length, durationMs: performance.now() - started };
  }

  private async fullSyncReason(model: ProxyModel): Promise<SyncReason | undefined> {
    if (!this.applied || this.compiler.needsReset(model)) return 'start';
    const now = this.now();
    if (this.resyncEvery > 0 && now - this.applied.at >= this.resyncEvery) return 'periodic';
    if (now - this.lastDriftCheck >= this.driftEvery) {
      this.lastDriftCheck = now;
      if (await this.drifted()) return 'drift';
    }
    return undefined;
  }

  private async full(model: ProxyModel, reason: SyncReason, started: number): Promise<SyncResult> {
    this.applied = undefined;
    const tx = fullSyncTransaction(this.compiler.reset(model));
    await this.applier.apply(tx);
    const chains = (await this.applier.listChains('ip')).filter((c) => c.table === this.table);
    const anchor = chains.find((c) => c.name === CHAIN.natPrerouting);
    this.applied = { chainNames: namesOf(chains), anchorHandle: anchor?.handle ?? -1, at: this.now() };
    this.lastDriftCheck = this.now();
    return { mode: 'full', reason, operations: tx.ops.length, durationMs: performance.now() - started };
  }
}

const namesOf = (chains: { name: string }[]) => chains.map((c) => c.name).sort().join(' ');
