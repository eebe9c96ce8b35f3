// A real lab for end-to-end tests: `minik up` with the test's own name and
// LAN (never the person's `minik` lab), its own config file, and helpers to
// run minik and commands inside the lab's namespaces.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { labLayout, podNetnsName } from '../../api/layout.ts';
import { MINIK_ARGV } from './minik-process.ts';

const execFileP = promisify(execFile);

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(argv: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  try {
    const { stdout, stderr } = await execFileP(argv[0], argv.slice(1), {
      env: { ...process.env, ...options.env },
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

export interface Lab {
  name: string;
  lan: string;
  configPath: string;
  /** Runs `minik ARGS` against this lab; throws with its stderr when it fails unless `allowFailure`. */
  minik(args: string[], options?: { allowFailure?: boolean; timeoutMs?: number }): Promise<RunResult>;
  /** Runs argv inside one of the lab's network namespaces (`node1`, `client`, or a pod via podNetns). */
  inNetns(netns: string, argv: string[], timeoutMs?: number): Promise<RunResult>;
  nodeNetns(node: string): string;
  podNetns(node: string, namespace: string, pod: string): string;
  /** The lab's apiserver as the config `minik up` wrote names it: URL, token, CA (PEM). */
  server(): { url: string; token: string; ca?: string };
  /** The kubeconfig `minik up` merged its context into (a temporary file, never ~/.kube/config). */
  kubeconfigPath: string;
  down(): Promise<void>;
}

export function makeLab(name: string, lan: string): Lab {
  const dir = mkdtempSync(join(tmpdir(), `minik-e2e-${name}-`));
  const configPath = join(dir, 'config');
  const kubeconfigPath = join(dir, 'kubeconfig');
  const layout = labLayout(name);
  const env = { MINIK_CONFIG: configPath, MINIK_SERVER: '', MINIK_TOKEN: '', MINIK_CA_FILE: '', KUBECONFIG: kubeconfigPath };
  const lab: Lab = {
    name,
    lan,
    configPath,
    kubeconfigPath,
    async minik(args, options = {}) {
      const result = await run([...MINIK_ARGV, ...args], { env, timeoutMs: options.timeoutMs ?? 120_000 });
      if (result.code !== 0 && !options.allowFailure) {
        throw new Error(`minik ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
      }
      return result;
    },
    inNetns: (netns, argv, timeoutMs) => run(['ip', 'netns', 'exec', netns, ...argv], { timeoutMs }),
    nodeNetns: (node) => layout.nodeNetns(node),
    podNetns: (node, namespace, pod) => podNetnsName(layout.nodeNetns(node), namespace, pod),
    server() {
      const config = parse(readFileSync(configPath, 'utf8'));
      const caData = config['certificate-authority-data'];
      return { url: config.server, token: config.token, ...(caData ? { ca: Buffer.from(caData, 'base64').toString('utf8') } : {}) };
    },
    async down() {
      await lab.minik(['down', '--name', name], { allowFailure: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return lab;
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** What a namespace-wide leak check looks at: namespaces, host links, host nft tables of this lab. */
export async function labLeftovers(name: string): Promise<string[]> {
  const left: string[] = [];
  const netns = (await run(['ip', 'netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(`${name}-`));
  if (netns.length) left.push(`namespaces: ${netns.join(' ')}`);
  const links = (await run(['ip', '-o', 'link', 'show'])).stdout.split('\n').filter((l) => l.includes(`${name}-`));
  if (links.length) left.push(`links: ${links.join(' | ')}`);
  const tables = (await run(['nft', 'list', 'tables'])).stdout.split('\n').filter((l) => l.includes('minik'));
  if (tables.length) left.push(`host nft tables: ${tables.join(' ')}`);
  const procs = (await run(['pgrep', '-af', `/labs/${name}/`])).stdout.trim();
  if (procs) left.push(`processes: ${procs}`);
  return left;
}
