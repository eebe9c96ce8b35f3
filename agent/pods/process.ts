// Starting, watching and stopping pod processes. Each process gets its own
// process group (so the whole tree can be killed) and writes straight into
// its log file (so it outlives the agent: an agent restart adopts it through
// its pid file instead of killing it). The fake twin lets the runtime's
// restart and readiness logic be tested without processes.

import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

export interface PodProcess {
  pid: number;
  /** kernel start time of the process (/proc/PID/stat field 22): guards against pid reuse */
  startTime: string;
  /** settles once when the process is gone */
  exited: Promise<ExitInfo>;
}

export interface LaunchSpec {
  argv: string[];
  env: Record<string, string>;
  logPath: string;
  cwd?: string;
}

export interface ProcessLauncher {
  start(spec: LaunchSpec): Promise<PodProcess>;
  /** The recorded process if it is still the same, running process; else undefined. */
  adopt(record: { pid: number; startTime: string }): PodProcess | undefined;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves when the group is gone. */
  stop(pid: number, graceMs?: number): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Field 22 of /proc/PID/stat, or undefined if the pid is gone or a zombie. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may hold spaces and parens: split after its closing paren.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (rest[0] === 'Z' || rest[0] === 'X') return undefined;
  return rest[19];
}

/**
 * Whether any process of the group is still running. Zombies do not count:
 * an orphaned grandchild stays a zombie until init reaps it, which in some
 * containers takes a while, and it holds no sockets any more.
 */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return true;
  }
  return pids.some((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(rest[2]) === pgid && rest[0] !== 'Z' && rest[0] !== 'X';
    } catch {
      return false;
    }
  });
}

export class RealProcessLauncher implements ProcessLauncher {
  constructor(private readonly pollMs = 250) {}

  async start(spec: LaunchSpec): Promise<PodProcess> {
    mkdirSync(dirname(spec.logPath), { recursive: true });
    const log = openSync(spec.logPath, 'a');
    try {
      const child = spawn(spec.argv[0], spec.argv.slice(1), {
        env: spec.env,
        cwd: spec.cwd,
        detached: true,
        stdio: ['ignore', log, log],
      });
      const exited = new Promise<ExitInfo>((resolve) => {
        child.once('error', () => resolve({ code: 127, signal: null }));
        child.once('exit', (code, signal) => resolve({ code, signal }));
      });
      // An argv[0] that does not exist fails asynchronously without a pid.
      if (child.pid === undefined) {
        await exited;
        throw new Error(`cannot start ${spec.argv[0]}`);
      }
      child.unref();
      return { pid: child.pid, startTime: processStartTime(child.pid) ?? '', exited };
    } finally {
      closeSync(log);
    }
  }

  adopt(record: { pid: number; startTime: string }): PodProcess | undefined {
    const now = processStartTime(record.pid);
    if (now === undefined || now !== record.startTime) return undefined;
    // Not our child: no exit event, so watch /proc until it is gone.
    const exited = new Promise<ExitInfo>((resolve) => {
      const timer = setInterval(() => {
        if (processStartTime(record.pid) !== record.startTime) {
          clearInterval(timer);
          resolve({ code: null, signal: null });
        }
      }, this.pollMs);
      timer.unref();
    });
    return { pid: record.pid, startTime: record.startTime, exited };
  }

  async stop(pid: number, graceMs = 3000): Promise<void> {
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-pid, signal);
      } catch {
        // already gone
      }
    };
    if (!groupAlive(pid)) return;
    signalGroup('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
    if (!groupAlive(pid)) return;
    signalGroup('SIGKILL');
    for (let i = 0; i < 100 && groupAlive(pid); i++) await sleep(20);
  }
}

/** In-memory twin: processes are records; a test ends one with `exit(pid, code)`. */
export class FakeProcessLauncher implements ProcessLauncher {
  readonly started: LaunchSpec[] = [];
  readonly running = new Map<number, { spec: LaunchSpec; startTime: string; resolve: (e: ExitInfo) => void; exited: Promise<ExitInfo> }>();
  private nextPid = 1000;

  async start(spec: LaunchSpec): Promise<PodProcess> {
    const pid = this.nextPid++;
    let resolve!: (e: ExitInfo) => void;
    const exited = new Promise<ExitInfo>((r) => (resolve = r));
    const startTime = String(pid * 7);
    this.started.push(spec);
    this.running.set(pid, { spec, startTime, resolve, exited });
    return { pid, startTime, exited };
  }

  adopt(record: { pid: number; startTime: string }): PodProcess | undefined {
    const p = this.running.get(record.pid);
    if (!p || p.startTime !== record.startTime) return undefined;
    return { pid: record.pid, startTime: p.startTime, exited: p.exited };
  }

  async stop(pid: number): Promise<void> {
    this.exit(pid, null, 'SIGTERM');
  }

  exit(pid: number, code: number | null, signal: string | null = null): void {
    const p = this.running.get(pid);
    if (!p) return;
    this.running.delete(pid);
    p.resolve({ code, signal });
  }
}
