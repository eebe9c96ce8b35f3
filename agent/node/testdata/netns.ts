// Test fixture: throwaway network namespaces under a test's own prefix, and
// the sweep that removes them (also leftovers of an earlier crashed run).
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';

export function run(argv: string[]): string {
  return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function tryRun(argv: string[]): { ok: boolean; out: string } {
  try {
    return { ok: true, out: run(argv) };
  } catch (err) {
    return { ok: false, out: String((err as { stderr?: string }).stderr ?? err) };
  }
}

export function listNetnsNames(): string[] {
  const out = run(['ip', '-j', 'netns', 'list']).trim();
  return out ? (JSON.parse(out) as { name: string }[]).map((n) => n.name) : [];
}

export function addNetns(name: string): void {
  run(['ip', 'netns', 'add', name]);
  run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
}

/** Kills whatever still runs in namespaces starting with `prefix`, deletes them and their /etc/netns dirs. */
export function sweepNetns(prefix: string): void {
  if (!prefix.startsWith('mkpod-')) throw new Error(`refusing to sweep "${prefix}": not a test prefix`);
  for (const name of listNetnsNames().filter((n) => n.startsWith(prefix))) {
    const pids = tryRun(['ip', 'netns', 'pids', name]).out.split(/\s+/).filter((p) => /^\d+$/.test(p));
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {}
    }
    tryRun(['ip', 'netns', 'del', name]);
  }
  try {
    for (const dir of readdirSync('/etc/netns')) if (dir.startsWith(prefix)) rmSync(`/etc/netns/${dir}`, { recursive: true, force: true });
  } catch {}
}

export const hostForwarding = () => run(['sysctl', '-n', 'net.ipv4.ip_forward']).trim();
