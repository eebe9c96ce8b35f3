// Starts `minik ...` as a real process from the checkout (bin/minik.js), for
// tests that need a real apiserver or agent. Every process started here is
// killed by killAll(), which each test file calls in an `after` hook.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trustingFetch } from '../../api/tls-fetch.ts';

const ROOT = join(import.meta.dirname, '..', '..');
export const MINIK_BIN = join(ROOT, 'bin', 'minik.js');
/**
 * argv prefix that runs minik: from this checkout, or the single executable
 * named by MINIK_TEST_BINARY (benchmarks use it to measure without tsx).
 */
export const MINIK_ARGV = process.env.MINIK_TEST_BINARY ? [process.env.MINIK_TEST_BINARY] : [process.execPath, MINIK_BIN];

const started = new Set<ChildProcess>();

export interface MinikProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startMinik(args: string[], env: Record<string, string> = {}): MinikProcess {
  const child = spawn(MINIK_ARGV[0], [...MINIK_ARGV.slice(1), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    output += d.toString();
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => {
    started.delete(child);
    for (const w of waiters) w();
  });
  return {
    child,
    output: () => output,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            cleanup();
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(new Error(`minik ${args[0]} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}:\n${output}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export async function killAll(): Promise<void> {
  await Promise.all([...started].map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  })));
}

/**
 * Starts an apiserver on loopback with free ports; resolves with its REST URL
 * (https://), gRPC address, CA (PEM and file) and `fetch`, a fetch that
 * trusts that CA (with keep-alive).
 */
export async function startApiserverProcess(dataDir: string, extraArgs: string[] = []) {
  const proc = startMinik(['apiserver', '--data-dir', dataDir, '--listen', '127.0.0.1:0', ...extraArgs]);
  // A first start also makes the CA and the serving certificate: on a busy shared machine that can take a while.
  const match = await proc.waitFor(/REST on (https:\/\/[\d.]+:\d+)[^;]*; gRPC on ([\d.]+:\d+)/, 60_000);
  const caFile = (await proc.waitFor(/MINIK_CA_FILE=(\S+)/, 60_000))[1];
  const ca = readFileSync(caFile, 'utf8');
  return { proc, url: match[1], grpc: match[2], caFile, ca, fetch: trustingFetch(ca) };
}
