// IptablesProxier: compile → one `iptables-restore --noflush` batch per sync
// (kube-proxy's iptables mode). A full sync reads the live tables first
// (stale chains to delete, hook rules to add) and rewrites every chain; a
// partial sync rewrites the dispatch chains (KUBE-SERVICES, KUBE-NODEPORTS,
// the filter chains) and only the changed services' own chains. Full resync
// at start, on drift (the hook or KUBE-SERVICES is not what we wrote), after
// a failed batch.

import type { Exec } from '../../../api/exec/exec.ts';
import type { ModeSyncInput, ModeSyncResult } from '../types.ts';
import { allJumps, compileServicePort, renderRestore, type Fragment, type Ranges } from './compile.ts';
import { CHAIN, JUMPS } from './names.ts';
import { missingJumps, parseSave, staleChains } from './save.ts';

export const RESTORE = ['iptables-legacy-restore', '-w', '5', '--noflush'];
export const SAVE = 'iptables-legacy-save';
export const IPTABLES = 'iptables-legacy';

export interface IptablesProxierOptions {
  /** How often a sync first checks the live hook and KUBE-SERVICES (0 = every sync). Default 10 s. */
  driftCheckIntervalMs?: number;
  now?: () => number;
}

export class IptablesProxier {
  private readonly fragments = new Map<string, Fragment>();
  private applied = false;
  private lastDriftCheck = 0;
  private readonly driftEvery: number;
  private readonly now: () => number;

  constructor(
    private readonly exec: Exec,
    private readonly ranges: Ranges,
    opts: IptablesProxierOptions = {},
  ) {
    this.driftEvery = opts.driftCheckIntervalMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  async sync(input: ModeSyncInput): Promise<ModeSyncResult> {
    const started = performance.now();
    if (input.first || !this.applied) return this.full(input, 'start', started);
    if (this.now() - this.lastDriftCheck >= this.driftEvery) {
      this.lastDriftCheck = this.now();
      if (await this.drifted()) return this.full(input, 'drift', started);
    }
    if (input.changed.length === 0) return { kind: 'unchanged', operations: 0, durationMs: performance.now() - started };
    const rewrite = new Set<string>();
    const before = new Set<string>();
    for (const { before: b, after } of input.changed) {
      if (b) {
        for (const c of this.fragments.get(b.key)?.chains ?? []) before.add(c.name);
        this.fragments.delete(b.key);
      }
      if (after) {
        const f = compileServicePort(after, this.ranges);
        this.fragments.set(after.key, f);
        rewrite.add(after.key);
      }
    }
    const now = new Set([...rewrite].flatMap((k) => this.fragments.get(k)!.chains.map((c) => c.name)));
    const deleteChains = [...before].filter((c) => !now.has(c)).sort();
    const text = renderRestore({ fragments: this.sorted(), rewrite, deleteChains, missingJumps: { nat: [], filter: [] } });
    try {
      await this.exec.run(RESTORE, { input: text });
    } catch {
      // The live tables are not what we think: rebuild them whole.
      return this.full(input, 'retry-after-error', started);
    }
    return { kind: 'partial', operations: countRules(text), durationMs: performance.now() - started };
  }

  /** The batch a full sync would write now (reads the live tables). */
  async fullBatch(input: ModeSyncInput): Promise<string> {
    this.fragments.clear();
    for (const sp of input.model.servicePorts) this.fragments.set(sp.key, compileServicePort(sp, this.ranges));
    const fragments = this.sorted();
    const live = parseSave((await this.exec.run([SAVE, '-t', 'nat'])).stdout + (await this.exec.run([SAVE, '-t', 'filter'])).stdout);
    const wanted = new Set(fragments.flatMap((f) => f.chains.map((c) => c.name)));
    return renderRestore({
      fragments,
      deleteChains: staleChains(live.nat, wanted),
      missingJumps: live.nat || live.filter ? { nat: missingJumps('nat', live.nat), filter: missingJumps('filter', live.filter) } : allJumps(),
    });
  }

  private async full(input: ModeSyncInput, reason: string, started: number): Promise<ModeSyncResult> {
    this.applied = false;
    const text = await this.fullBatch(input);
    await this.exec.run(RESTORE, { input: text });
    this.applied = true;
    this.lastDriftCheck = this.now();
    return { kind: 'full', reason, operations: countRules(text), durationMs: performance.now() - started };
  }

  /** True when the hook into KUBE-SERVICES or KUBE-SERVICES itself is not what we wrote. */
  async drifted(): Promise<boolean> {
    const hook = JUMPS.nat[0];
    const check = await this.exec.run([IPTABLES, '-w', '5', '-t', 'nat', '-C', hook.chain, ...splitRule(hook.rule)], { allowFailure: true });
    if (check.code !== 0) return true;
    const listed = await this.exec.run([IPTABLES, '-w', '5', '-t', 'nat', '-S', CHAIN.services], { allowFailure: true });
    if (listed.code !== 0) return true;
    const expected = 2 + [...this.fragments.values()].reduce((n, f) => n + f.natServices.length, 0); // -N line + the NodePorts jump
    return listed.stdout.trim().split('\n').length !== expected;
  }

  private sorted(): Fragment[] {
    return [...this.fragments.keys()].sort().map((k) => this.fragments.get(k)!);
  }
}

const countRules = (text: string) => text.split('\n').filter((l) => /^-[AIDX] /.test(l)).length;

/** A rule text as argv (double-quoted comments stay one word). */
export function splitRule(rule: string): string[] {
  return [...rule.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}
