// The lab's long-running processes (apiserver, one agent per node): started
// detached in their own process group, optionally inside a node's network
// namespace, with a pid file and a log per daemon under the lab directory.
//
// Inside a namespace we use `nsenter --net=/run/netns/NS -- argv`, never
// `ip netns exec`: the latter gives the process a private mount namespace, and
// a namespace the agent then creates for a pod could not be entered from the
// host (design, "Kernel facts"). nsenter execs the daemon in place, so the
// pid we record is the daemon's own.

import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LabLayout } from '../../api/layout.ts';
import { LabError } from './errors.ts';
import type { Exec } from '../../api/exec/exec.ts';

export interface DaemonSpec {
  /** file-name-safe: `apiserver`, `agent-node1` */
  name: string;
  argv: string[];
  /** network namespace to run in; undefined = the host namespace */
  netns?: string;
  cwd?: string;
}

export interface DaemonStatus {
  name: string;
  pid?: number;
  running: boolean;
}

/** What `up`/`down` need from the daemon runner; `pidFileDaemons` is the real one. */
export interface DaemonControl {
  status(name: string): DaemonStatus;
  start(spec: DaemonSpec): Promise<DaemonStatus>;
  /** Stops one daemon; returns whether it was running. */
  stop(name: string): Promise<boolean>;
  /** Stops every daemon with a pid file; returns the names of those that were running. */
  stopAll(): Promise<string[]>;
  /** Names of daemons that have a pid file. */
  list(): string[];
  logPath(name: string): string;
}

/** Written next to the pid file: how to recognise our process under that pid. */
interface LaunchRecord {
  pid: number;
  argv: string[];
  /** field 22 of /proc/PID/stat: unique for a pid's lifetime */
  startTicks?: string;
}

export const pidFilePath = (layout: LabLayout, name: string) => join(layout.runDir, `${name}.pid`);
export const logFilePath = (layout: LabLayout, name: string) => join(layout.logsDir, `${name}.log`);
const recordPath = (pidFile: string) => pidFile.replace(/\.pid$/, '.launch.json');

/** The argv actually executed: the daemon itself, or nsenter wrapping it. */
export function launchArgv(spec: DaemonSpec): string[] {
  return spec.netns ? ['nsenter', `--net=/run/netns/${spec.netns}`, '--', ...spec.argv] : [...spec.argv];
}

/**
 * The daemons read every flag also from `MINIK_<FLAG>`; a person's shell
 * (MINIK_SERVER, MINIK_TOKEN for the CLI) must not leak into them.
 */
export function daemonEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('MINIK_')));
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** State letter and start time from /proc/PID/stat (the comm field may contain spaces). */
function procStat(pid: number): { state: string; startTicks: string } | undefined {
  const stat = readProc(pid, 'stat');
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], startTicks: fields[19] };
}

const cmdlineOf = (pid: number) => readProc(pid, 'cmdline')?.split('\0').slice(0, -1);
const sameArgv = (a: string[] | undefined, b: string[]) => !!a && a.length === b.length && a.every((x, i) => x === b[i]);

function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function readRecord(pidFile: string): LaunchRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordPath(pidFile), 'utf8')) as LaunchRecord;
  } catch {
    return undefined;
  }
}

/**
 * Is the process of this pid file alive and still ours? A pid can be recycled,
 * so it must also be the same process: its /proc cmdline is the argv we
 * launched (nsenter's, or the daemon's once nsenter has exec'd it), or its
 * start time is the one recorded at launch (which survives a daemon renaming
 * itself through process.title). A zombie is not running.
 */
export function isRunning(pidFile: string): boolean {
  const pid = readPid(pidFile);
  return pid !== undefined && isOurProcess(pid, readRecord(pidFile));
}

function isOurProcess(pid: number, record: LaunchRecord | undefined): boolean {
  const stat = procStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  if (record === undefined) return true; // a pid file we did not write: all we can check is that it lives
  if (record.pid !== pid) return false; // a stale record of an earlier launch
  if (record.startTicks !== undefined && record.startTicks === stat.startTicks) return true;
  const cmdline = cmdlineOf(pid);
  const afterNsenter = record.argv[0] === 'nsenter' ? record.argv.slice(record.argv.indexOf('--') + 1) : record.argv;
  return sameArgv(cmdline, record.argv) || sameArgv(cmdline, afterNsenter);
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** Starts `spec` detached (own process group, survives the CLI), logging to logs/<name>.log. */
export async function startDaemon(layout: LabLayout, spec: DaemonSpec): Promise<DaemonStatus> {
  mkdirSync(layout.runDir, { recursive: true });
  mkdirSync(layout.logsDir, { recursive: true });
  const argv = launchArgv(spec);
  const log = openSync(logFilePath(layout, spec.name), 'a');
  let pid: number;
  try {
    writeSync(log, `--- ${new Date().toISOString()} starting ${spec.name}: ${argv.join(' ')}\n`);
    const child = spawn(argv[0], argv.slice(1), {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: spec.cwd,
      env: daemonEnv(),
    });
    pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!));
      child.once('error', (err) => reject(new LabError('LAB_DAEMON_FAILED', `cannot start ${spec.name} (${argv[0]}): ${err.message}`)));
    });
    child.unref();
  } finally {
    closeSync(log);
  }
  const pidFile = pidFilePath(layout, spec.name);
  const record: LaunchRecord = { pid, argv, startTicks: procStat(pid)?.startTicks };
  writeAtomically(recordPath(pidFile), JSON.stringify(record) + '\n');
  writeAtomically(pidFile, `${pid}\n`);
  return { name: spec.name, pid, running: true };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Signals a daemon's whole process group (it started detached, so pgid = pid), or one process. */
function signal(pid: number, sig: NodeJS.Signals, group = true): void {
  try {
    process.kill(group ? -pid : pid, sig);
  } catch {
    if (!group) return; // already gone
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

async function waitGone(pid: number, record: LaunchRecord | undefined, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isOurProcess(pid, record)) return true;
    await sleep(25);
  }
  return !isOurProcess(pid, record);
}

/**
 * Stops the daemon of `pidFile`: SIGTERM to its process group, SIGKILL after
 * `graceMs`, then waits until it is gone. Removes the pid file either way.
 * Returns whether a running daemon was stopped.
 */
export async function stop(pidFile: string, opts: { graceMs?: number } = {}): Promise<boolean> {
  const pid = readPid(pidFile);
  const record = readRecord(pidFile);
  let wasRunning = false;
  if (pid !== undefined && isOurProcess(pid, record)) {
    wasRunning = true;
    signal(pid, 'SIGTERM');
    if (!(await waitGone(pid, record, opts.graceMs ?? 5000))) {
      signal(pid, 'SIGKILL');
      if (!(await waitGone(pid, record, 5000))) {
        throw new LabError('LAB_DAEMON_FAILED', `process ${pid} (${pidFile}) did not exit after SIGKILL`);
      }
    }
  }
  rmSync(pidFile, { force: true });
  rmSync(recordPath(pidFile), { force: true });
  return wasRunning;
}

/** Stops every daemon of the lab that has a pid file, all at once. */
export async function stopAll(layout: LabLayout, opts: { graceMs?: number } = {}): Promise<string[]> {
  const names = listDaemons(layout);
  const stopped = await Promise.all(names.map((n) => stop(pidFilePath(layout, n), opts)));
  return names.filter((_, i) => stopped[i]);
}

export function listDaemons(layout: LabLayout): string[] {
  try {
    return readdirSync(layout.runDir)
      .filter((f) => f.endsWith('.pid'))
      .map((f) => f.slice(0, -'.pid'.length))
      .sort();
  } catch {
    return [];
  }
}

export function pidFileDaemons(layout: LabLayout, opts: { graceMs?: number } = {}): DaemonControl {
  return {
    status(name) {
      const pidFile = pidFilePath(layout, name);
      return { name, pid: readPid(pidFile), running: isRunning(pidFile) };
    },
    start: (spec) => startDaemon(layout, spec),
    stop: (name) => stop(pidFilePath(layout, name), opts),
    stopAll: () => stopAll(layout, opts),
    list: () => listDaemons(layout),
    logPath: (name) => logFilePath(layout, name),
  };
}

/**
 * Kills whatever still runs inside the given namespaces (pods an agent
 * started, a daemon whose pid file was lost): a process keeps its namespace
 * alive in the kernel after `ip netns del`. SIGTERM, then SIGKILL.
 */
export async function killNetnsProcesses(namespaces: string[], exec: Exec, graceMs = 2000): Promise<number> {
  const pidsIn = async () => {
    const lists = await Promise.all(namespaces.map((ns) => exec.run(['ip', 'netns', 'pids', ns], { allowFailure: true })));
    return lists.flatMap((r) => (r.code === 0 ? r.stdout.split(/\s+/).filter(Boolean).map(Number) : []));
  };
  const pids = await pidsIn();
  if (pids.length === 0) return 0;
  // Only the processes themselves: a group may reach outside the lab.
  for (const pid of pids) signal(pid, 'SIGTERM', false);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && alive(pids).length > 0) await sleep(50);
  for (const pid of alive(pids)) signal(pid, 'SIGKILL', false);
  return pids.length;
}

function alive(pids: number[]): number[] {
  return pids.filter((pid) => {
    const stat = procStat(pid);
    return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
  });
}

/** The last lines of a daemon's log, for an error message that says why it died. */
export function logTail(path: string, lines = 5): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
