// UserspaceProxier: keeps one portal (proxy listener in this process) per
// service port address group, and the `ip minik-userspace` table that
// redirects service addresses to them. For `minik rules` and `minik trace`
// it writes its listener table and its decisions to the agent's state dir.

import { appendFileSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Exec } from '../../../api/exec/exec.ts';
import type { ModeSyncInput, ModeSyncResult } from '../types.ts';
import { openPortal, type Decision, type Portal } from './portal.ts';
import { portalsOf, renderTable, replaceTableBatch, type PortalSpec } from './plan.ts';

export const LISTENERS_FILE = 'userspace-listeners.json';
export const DECISIONS_FILE = 'userspace-decisions.log';
const DECISIONS_MAX_BYTES = 1024 * 1024;

export interface ListenerRow {
  portal: string;
  label: string;
  protocol: string;
  listener: number;
  addresses: string[];
  endpoints: string[];
  affinitySeconds?: number;
}

export interface UserspaceProxierOptions {
  exec: Exec;
  /** Where the listener table and decision log go ('' = nowhere). */
  stateDir: string;
  log(line: string): void;
  host?: string;
  udpIdleMs?: number;
}

export class UserspaceProxier {
  private readonly portals = new Map<string, { spec: PortalSpec; portal: Portal }>();

  constructor(private readonly o: UserspaceProxierOptions) {
    if (o.stateDir) mkdirSync(o.stateDir, { recursive: true });
  }

  async sync(input: ModeSyncInput): Promise<ModeSyncResult> {
    const started = performance.now();
    const wanted = new Map(input.model.servicePorts.flatMap(portalsOf).map((p) => [p.id, p]));
    let touched = 0;
    for (const [id, { spec, portal }] of this.portals) {
      const next = wanted.get(id);
      if (next && next.protocol === spec.protocol) continue;
      await portal.close();
      this.portals.delete(id);
      touched++;
    }
    for (const [id, spec] of wanted) {
      const have = this.portals.get(id);
      if (have) {
        if (have.spec === spec || JSON.stringify(have.spec) === JSON.stringify(spec)) continue;
        const gone = have.spec.endpoints.filter((e) => !spec.endpoints.some((n) => n.ip === e.ip && n.port === e.port));
        have.portal.update(spec);
        have.portal.dropEndpoints(gone);
        have.spec = spec;
      } else {
        const portal = await openPortal(spec, { host: this.o.host, udpIdleMs: this.o.udpIdleMs, onDecision: (d) => this.record(d), onError: (e) => this.o.log(`userspace: ${spec.label}: ${e.message}`) });
        this.portals.set(id, { spec, portal });
      }
      touched++;
    }
    if (touched === 0 && !input.first) return { kind: 'unchanged', operations: 0, durationMs: performance.now() - started };
    const ports = new Map([...this.portals].map(([id, p]) => [id, p.portal.port]));
    const table = renderTable([...wanted.values()], ports);
    await this.o.exec.run(['nft', '-f', '-'], { input: replaceTableBatch(table) });
    this.writeListeners();
    return { kind: input.first ? 'full' : 'partial', reason: input.first ? 'start' : undefined, operations: touched, durationMs: performance.now() - started };
  }

  listeners(): ListenerRow[] {
    return [...this.portals.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, { spec, portal }]) => ({
        portal: id,
        label: spec.label,
        protocol: spec.protocol,
        listener: portal.port,
        addresses: spec.addresses,
        endpoints: spec.endpoints.map((e) => `${e.ip}:${e.port}`),
        affinitySeconds: spec.affinityTimeoutSeconds,
      }));
  }

  async close(): Promise<void> {
    for (const { portal } of this.portals.values()) await portal.close();
    this.portals.clear();
  }

  private writeListeners(): void {
    if (!this.o.stateDir) return;
    const path = join(this.o.stateDir, LISTENERS_FILE);
    writeFileSync(`${path}.tmp`, JSON.stringify(this.listeners(), null, 1) + '\n');
    renameSync(`${path}.tmp`, path);
  }

  private record(d: Decision): void {
    if (!this.o.stateDir) return;
    const path = join(this.o.stateDir, DECISIONS_FILE);
    try {
      if ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) > DECISIONS_MAX_BYTES) renameSync(path, `${path}.1`);
      appendFileSync(path, JSON.stringify(d) + '\n');
    } catch (err) {
      this.o.log(`userspace: decision log: ${(err as Error).message}`);
    }
  }
}

/** The listener table as `minik rules` prints it. */
export function formatListeners(rows: ListenerRow[]): string {
  const lines = [['SERVICE', 'PROTO', 'ADDRESSES', 'LISTENER', 'ENDPOINTS (round robin)']];
  for (const r of rows) {
    const eps = r.endpoints.length ? r.endpoints.join(' ') : '<none: refused>';
    lines.push([r.label, r.protocol, r.addresses.join(' '), `:${r.listener}`, eps + (r.affinitySeconds !== undefined ? ` (ClientIP affinity ${r.affinitySeconds}s)` : '')]);
  }
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  return lines.map((l) => l.map((c, i) => (i === l.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}
