// PodRuntime: makes this node run the pods it is given. `ensure` is
// idempotent and adopts what survived an agent restart (namespace, veth, IP
// lease, process via its pid file), so pods keep their addresses and flows.
// It restarts exited processes with backoff and reports readiness changes.

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER, podLogPath, podStateDir } from '../../api/layout.ts';
import type { Pod } from '../../api/types.ts';
import type { EchoPort } from '../echo/server.ts';
import { gatewayIp, prefixLengthOf } from '../../api/ip.ts';
import { type Exec, realExec } from '../../api/exec/exec.ts';
import { FileLeaseStore, Ipam, type LeaseStore } from './ipam.ts';
import { createPodNetwork, deletePodNetwork, listNetns, type PodNetworkSpec, podNetworkIntact, writeResolvConf } from './pod-network.ts';
import { type PodProcess, type ProcessLauncher, RealProcessLauncher } from './process.ts';
import { type Prober, tcpProber } from './readiness.ts';
import { hostVethName, type PodProcessSpec, podNetnsName, podProcessSpec, resolvConf, restartDelayMs, shouldRestart } from './spec.ts';
import { type PodRuntimeStatus, podKey } from './status.ts';

export interface PodRuntimeOptions {
  nodeName: string;
  podCIDR: string;
  /** the agent's --state-dir; pods live under `<stateDir>/pods/` */
  stateDir: string;
  /** pod namespaces are `<netnsPrefix>_<ns>_<pod>` */
  netnsPrefix: string;
  /** argv that runs the built-in echo server on these ports (the integrator knows the binary) */
  echoCommand: (ports: EchoPort[]) => string[];
  bridge?: string;
  /** runs `ip` in the node namespace; the real one when the agent runs there */
  exec?: Exec;
  launcher?: ProcessLauncher;
  prober?: Prober;
  leaseStore?: LeaseStore;
  etcNetnsDir?: string;
  dnsServer?: string;
  clusterDomain?: string;
  readinessIntervalMs?: number;
  restartBackoff?: { initialMs: number; maxMs: number; resetAfterMs: number };
  /** environment every pod process starts from (never the agent's whole env: it may hold the token) */
  baseEnv?: Record<string, string>;
}

type Listener = (status: PodRuntimeStatus) => void;

interface PidRecord {
  pid: number;
  startTime: string;
  argv: string[];
  restartCount: number;
  startedAt: string;
}

interface PodEntry {
  key: string;
  uid?: string;
  spec?: PodProcessSpec;
  net?: PodNetworkSpec;
  status: PodRuntimeStatus;
  process?: PodProcess;
  stopped: boolean;
  consecutiveFailures: number;
  lastStartMs: number;
  restartTimer?: NodeJS.Timeout;
  probeTimer?: NodeJS.Timeout;
  lastEmitted?: string;
}

const PID_FILE = 'pid.json';

export class PodRuntime {
  private readonly entries = new Map<string, PodEntry>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<Listener>();
  private readonly ipam: Ipam;
  private readonly exec: Exec;
  private readonly launcher: ProcessLauncher;
  private readonly prober: Prober;
  private readonly bridge: string;
  private readonly gateway: string;
  private readonly prefixLength: number;
  private readonly etcNetnsDir: string;
  private readonly backoff: { initialMs: number; maxMs: number; resetAfterMs: number };

  constructor(private readonly options: PodRuntimeOptions) {
    this.exec = options.exec ?? realExec;
    this.launcher = options.launcher ?? new RealProcessLauncher();
    this.prober = options.prober ?? tcpProber();
    this.bridge = options.bridge ?? CLUSTER.podBridge;
    this.gateway = gatewayIp(options.podCIDR);
    this.prefixLength = prefixLengthOf(options.podCIDR);
    this.etcNetnsDir = options.etcNetnsDir ?? '/etc/netns';
    this.backoff = options.restartBackoff ?? { initialMs: 1000, maxMs: 30_000, resetAfterMs: 10_000 };
    this.ipam = new Ipam(options.podCIDR, options.leaseStore ?? new FileLeaseStore(options.stateDir));
  }

  /** Called on every change of a pod's status (phase, ready, restarts, IP), and once with `removed`. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  ensure(pod: Pod): Promise<PodRuntimeStatus> {
    const key = podKey(pod.metadata.namespace ?? 'default', pod.metadata.name);
    return this.serialized(key, () => this.ensureLocked(pod));
  }

  remove(namespace: string, name: string): Promise<void> {
    return this.serialized(podKey(namespace, name), () => this.removeLocked(namespace, name));
  }

  list(): PodRuntimeStatus[] {
    return [...this.entries.values()].map((e) => ({ ...e.status }));
  }

  get(namespace: string, name: string): PodRuntimeStatus | undefined {
    const e = this.entries.get(podKey(namespace, name));
    return e && { ...e.status };
  }

  /**
   * Pods this node has traces of (state dirs, namespaces with our prefix),
   * ensured or not: after a restart the agent removes those it no longer wants.
   */
  async listRecorded(): Promise<{ namespace: string; name: string }[]> {
    const found = new Map<string, { namespace: string; name: string }>();
    const add = (joined: string) => {
      const sep = joined.indexOf('_');
      if (sep > 0) found.set(joined, { namespace: joined.slice(0, sep), name: joined.slice(sep + 1) });
    };
    try {
      for (const dir of readdirSync(join(this.options.stateDir, 'pods'))) add(dir);
    } catch {
      // no pods yet
    }
    const prefix = `${this.options.netnsPrefix}_`;
    for (const ns of await listNetns(this.exec)) if (ns.startsWith(prefix)) add(ns.slice(prefix.length));
    return [...found.values()];
  }

  /** Stops timers and watching; pod processes keep running (an agent restart adopts them). */
  shutdown(): void {
    for (const e of this.entries.values()) this.stopTimers(e, true);
    this.entries.clear();
  }

  /** Removes every pod this node knows of, ensured or only recorded (lab teardown). */
  async removeAll(): Promise<void> {
    const keys = new Map<string, { namespace: string; name: string }>();
    for (const s of this.list()) keys.set(podKey(s.namespace, s.name), s);
    for (const r of await this.listRecorded()) keys.set(podKey(r.namespace, r.name), r);
    for (const k of keys.values()) await this.remove(k.namespace, k.name);
  }

  private async ensureLocked(pod: Pod): Promise<PodRuntimeStatus> {
    const namespace = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name;
    const key = podKey(namespace, name);
    const existing = this.entries.get(key);
    if (existing && existing.uid === pod.metadata.uid) return { ...existing.status };
    // Same name, new uid: a different pod; the old one goes first.
    if (existing) await this.removeLocked(namespace, name);

    const netns = podNetnsName(this.options.netnsPrefix, namespace, name);
    const entry: PodEntry = {
      key,
      uid: pod.metadata.uid,
      status: { namespace, name, uid: pod.metadata.uid, netns, phase: 'Pending', ready: false, restartCount: 0 },
      stopped: false,
      consecutiveFailures: 0,
      lastStartMs: 0,
    };
    const ctx = { nodeName: this.options.nodeName, echoCommand: this.options.echoCommand, baseEnv: this.baseEnv() };
    const check = podProcessSpec(pod, { ...ctx, podIP: '' });
    if (!check.ok) {
      entry.stopped = true;
      Object.assign(entry.status, { phase: 'Failed', reason: check.reason, message: check.message });
      this.entries.set(key, entry);
      this.emit(entry);
      return { ...entry.status };
    }

    const podIP = this.ipam.allocate({ namespace, name });
    const built = podProcessSpec(pod, { ...ctx, podIP });
    if (!built.ok) throw new Error(built.message);
    entry.spec = built.spec;
    entry.status.podIP = podIP;
    entry.net = {
      netns,
      hostVeth: hostVethName(namespace, name),
      bridge: this.bridge,
      ip: podIP,
      prefixLength: this.prefixLength,
      gateway: this.gateway,
      resolvConf: resolvConf(namespace, this.options.dnsServer ?? CLUSTER.dnsServiceIp, this.options.clusterDomain ?? CLUSTER.domain),
    };
    const deps = { exec: this.exec, etcNetnsDir: this.etcNetnsDir };
    const record = this.readPidRecord(namespace, name);
    const argv = this.launchArgv(entry);
    let adopted: PodProcess | undefined;
    try {
      if (await podNetworkIntact(deps, entry.net)) {
        writeResolvConf(deps, entry.net);
        const sameCommand = record && JSON.stringify(record.argv) === JSON.stringify(argv);
        if (record && sameCommand) adopted = this.launcher.adopt(record);
        else if (record) await this.stopRecorded(record);
      } else {
        // A process inside a broken or missing namespace cannot be kept.
        if (record) await this.stopRecorded(record);
        await createPodNetwork(deps, entry.net);
      }
    } catch (err) {
      // Nothing half-made stays behind; the next ensure tries again.
      await deletePodNetwork(deps, entry.net).catch(() => {});
      this.ipam.release({ namespace, name });
      throw err;
    }

    this.entries.set(key, entry);
    if (adopted && record) {
      entry.status.restartCount = record.restartCount;
      this.attach(entry, adopted, record.startedAt);
    } else {
      await this.startProcess(entry);
    }
    this.scheduleProbe(entry, 0);
    return { ...entry.status };
  }

  private async removeLocked(namespace: string, name: string): Promise<void> {
    const key = podKey(namespace, name);
    const entry = this.entries.get(key);
    if (entry) {
      this.stopTimers(entry, true);
      if (entry.process) await this.launcher.stop(entry.process.pid);
    }
    const record = this.readPidRecord(namespace, name);
    if (record) await this.stopRecorded(record);
    const netns = podNetnsName(this.options.netnsPrefix, namespace, name);
    await this.killStragglers(netns);
    await deletePodNetwork({ exec: this.exec, etcNetnsDir: this.etcNetnsDir }, { netns, hostVeth: hostVethName(namespace, name) });
    this.ipam.release({ namespace, name });
    rmSync(podStateDir(this.options.stateDir, namespace, name), { recursive: true, force: true });
    this.entries.delete(key);
    if (entry) {
      entry.status = { ...entry.status, ready: false, removed: true, pid: undefined };
      this.emit(entry);
    }
  }

  private launchArgv(entry: PodEntry): string[] {
    return ['ip', 'netns', 'exec', entry.status.netns, ...entry.spec!.argv];
  }

  private async startProcess(entry: PodEntry): Promise<void> {
    const { namespace, name } = entry.status;
    const argv = this.launchArgv(entry);
    let proc: PodProcess;
    try {
      proc = await this.launcher.start({
        argv,
        env: entry.spec!.env,
        logPath: podLogPath(this.options.stateDir, namespace, name),
        cwd: podStateDir(this.options.stateDir, namespace, name),
      });
    } catch (err) {
      entry.status.message = `cannot start: ${(err as Error).message}`;
      this.onExit(entry, undefined, { code: 127, signal: null });
      return;
    }
    const startedAt = new Date().toISOString();
    this.writePidRecord(namespace, name, { pid: proc.pid, startTime: proc.startTime, argv, restartCount: entry.status.restartCount, startedAt });
    this.attach(entry, proc, startedAt);
  }

  private attach(entry: PodEntry, proc: PodProcess, startedAt: string): void {
    entry.process = proc;
    entry.lastStartMs = Date.now();
    Object.assign(entry.status, { phase: 'Running', pid: proc.pid, startTime: startedAt, reason: undefined, message: undefined });
    this.emit(entry);
    void proc.exited.then((info) => this.onExit(entry, proc, info));
  }

  private onExit(entry: PodEntry, proc: PodProcess | undefined, info: { code: number | null; signal: string | null }): void {
    if (entry.stopped || entry.process !== proc) return;
    entry.process = undefined;
    if (Date.now() - entry.lastStartMs > this.backoff.resetAfterMs) entry.consecutiveFailures = 0;
    entry.consecutiveFailures++;
    const how = info.signal ? `signal ${info.signal}` : `code ${info.code ?? 'unknown'}`;
    if (entry.status.ready) entry.status.readyChangedAt = new Date().toISOString();
    Object.assign(entry.status, { ready: false, pid: undefined });
    if (!shouldRestart(entry.spec!.restartPolicy, info.code)) {
      Object.assign(entry.status, { phase: info.code === 0 ? 'Succeeded' : 'Failed', reason: 'Completed', message: `process exited (${how})` });
      this.emit(entry);
      return;
    }
    const delay = restartDelayMs(entry.consecutiveFailures, this.backoff.initialMs, this.backoff.maxMs);
    Object.assign(entry.status, {
      reason: entry.consecutiveFailures > 1 ? 'CrashLoopBackOff' : 'Restarting',
      message: `${entry.status.message ? `${entry.status.message}; ` : ''}process exited (${how}), restarting in ${delay} ms`,
    });
    this.emit(entry);
    entry.restartTimer = setTimeout(() => {
      entry.restartTimer = undefined;
      void this.serialized(entry.key, async () => {
        if (entry.stopped || this.entries.get(entry.key) !== entry) return;
        entry.status.restartCount++;
        entry.status.message = undefined;
        await this.startProcess(entry);
      });
    }, delay);
    entry.restartTimer.unref();
  }

  private scheduleProbe(entry: PodEntry, delayMs: number): void {
    entry.probeTimer = setTimeout(async () => {
      if (entry.stopped) return;
      const port = entry.spec!.readinessPort;
      const ready = entry.process !== undefined && (port === undefined || (await this.prober.tcp(entry.status.podIP!, port)));
      // The process may have exited, or the pod been removed, while we probed.
      if (entry.stopped) return;
      const nowReady = ready && entry.process !== undefined;
      if (nowReady !== entry.status.ready || !entry.status.readyChangedAt) {
        Object.assign(entry.status, { ready: nowReady, readyChangedAt: new Date().toISOString() });
      }
      this.emit(entry);
      this.scheduleProbe(entry, this.options.readinessIntervalMs ?? 200);
    }, delayMs);
    entry.probeTimer.unref();
  }

  private stopTimers(entry: PodEntry, stop: boolean): void {
    if (stop) entry.stopped = true;
    clearTimeout(entry.restartTimer);
    clearTimeout(entry.probeTimer);
  }

  /** Whatever else still runs in the pod's namespace (`minik exec` sessions, daemonized children) goes too. */
  private async killStragglers(netns: string): Promise<void> {
    const result = await this.exec.run(['ip', 'netns', 'pids', netns], { allowFailure: true });
    for (const pid of result.stdout.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  private async stopRecorded(record: PidRecord): Promise<void> {
    if (this.launcher.adopt(record)) await this.launcher.stop(record.pid);
  }

  private emit(entry: PodEntry): void {
    const snapshot = JSON.stringify(entry.status);
    if (snapshot === entry.lastEmitted) return;
    entry.lastEmitted = snapshot;
    for (const listener of this.listeners) listener({ ...entry.status });
  }

  private serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.catch(() => {});
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return next;
  }

  private baseEnv(): Record<string, string> {
    return this.options.baseEnv ?? { PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
  }

  private readPidRecord(namespace: string, name: string): PidRecord | undefined {
    try {
      return JSON.parse(readFileSync(join(podStateDir(this.options.stateDir, namespace, name), PID_FILE), 'utf8')) as PidRecord;
    } catch {
      return undefined;
    }
  }

  private writePidRecord(namespace: string, name: string, record: PidRecord): void {
    const dir = podStateDir(this.options.stateDir, namespace, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${PID_FILE}.tmp`), JSON.stringify(record));
    renameSync(join(dir, `${PID_FILE}.tmp`), join(dir, PID_FILE));
  }
}
