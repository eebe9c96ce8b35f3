// In-memory twin of `DaemonControl`: records the specs it was asked to start
// and lets a test "kill" a daemon to see what `up` restarts.

import type { DaemonControl, DaemonSpec, DaemonStatus } from './daemons.ts';

export class FakeDaemons implements DaemonControl {
  readonly started: DaemonSpec[] = [];
  private readonly procs = new Map<string, { pid: number; running: boolean }>();
  private nextPid = 1000;
  /** Called after each start: lets a test make a daemon die at once. */
  onStart?: (spec: DaemonSpec) => void;

  status(name: string): DaemonStatus {
    const proc = this.procs.get(name);
    return { name, pid: proc?.pid, running: proc?.running ?? false };
  }

  async start(spec: DaemonSpec): Promise<DaemonStatus> {
    this.started.push(spec);
    this.procs.set(spec.name, { pid: this.nextPid++, running: true });
    this.onStart?.(spec);
    return this.status(spec.name);
  }

  async stop(name: string): Promise<boolean> {
    const running = this.procs.get(name)?.running ?? false;
    this.procs.delete(name);
    return running;
  }

  async stopAll(): Promise<string[]> {
    const running = [...this.procs].filter(([, p]) => p.running).map(([n]) => n).sort();
    this.procs.clear();
    return running;
  }

  list(): string[] {
    return [...this.procs.keys()].sort();
  }

  logPath(name: string): string {
    return `/fake/logs/${name}.log`;
  }

  /** Simulates `kill -9`: the pid file stays, the process is gone. */
  kill(name: string): void {
    const proc = this.procs.get(name);
    if (proc) proc.running = false;
  }
}
