// A minik lab for a benchmark: built with the real CLI (`minik up`), used
// through the CLI and REST (HTTPS, trusting the lab's CA), always torn down
// with `minik down`. The config goes to a temporary MINIK_CONFIG (and the
// kubeconfig to a temporary KUBECONFIG) so the person's ~/.minik/config and
// ~/.kube/config are never touched.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { fetchFor } from '../../api/tls-fetch.ts';

const run = promisify(execFile);
const MINIK_BIN = join(import.meta.dirname, '..', '..', 'bin', 'minik.js');

export interface BenchLabOptions {
  name: string;
  lan: string;
  nodes: number;
  /** `minik up --proxy-mode`; default: minik's default */
  proxyMode?: string;
}

export interface BenchLab {
  name: string;
  server: string;
  token: string;
  /** PEM of the lab's CA */
  ca?: string;
  /** runs `minik ARGS` against this lab; rejects with its stderr on failure */
  minik(...args: string[]): Promise<string>;
  /** POST/GET/... on the apiserver with the lab's token */
  rest(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  down(): Promise<void>;
}

export async function upBenchLab(opts: BenchLabOptions): Promise<BenchLab> {
  const dir = mkdtempSync(join(tmpdir(), `minik-bench-${opts.name}-`));
  const env = { ...process.env, MINIK_CONFIG: join(dir, 'config'), KUBECONFIG: join(dir, 'kubeconfig'), MINIK_SERVER: '', MINIK_TOKEN: '', MINIK_CA_FILE: '' };
  const minik = async (...args: string[]) => {
    try {
      const { stdout } = await run(process.execPath, [MINIK_BIN, ...args], { env, maxBuffer: 64 << 20 });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`minik ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
    }
  };
  let downed = false;
  const down = async () => {
    if (downed) return;
    downed = true;
    try {
      await minik('down', '--name', opts.name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    await minik('up', '--name', opts.name, '--lan', opts.lan, '--nodes', String(opts.nodes), ...(opts.proxyMode ? ['--proxy-mode', opts.proxyMode] : []));
  } catch (err) {
    // a half-built lab is still torn down
    await down().catch(() => {});
    throw err;
  }
  const config = parse(readFileSync(env.MINIK_CONFIG, 'utf8')) as { server: string; token: string; 'certificate-authority-data'?: string };
  const caData = config['certificate-authority-data'];
  const ca = caData ? Buffer.from(caData, 'base64').toString('utf8') : undefined;
  const fetch = fetchFor(ca);
  const rest = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${config.server}${path}`, {
      method,
      headers: { authorization: `Bearer ${config.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  };
  return { name: opts.name, server: config.server, token: config.token, ca, minik, rest, down };
}
