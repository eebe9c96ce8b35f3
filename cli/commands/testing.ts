// Test harness (not a test file): runs `minik ...` as a function against the
// in-memory fake apiserver, capturing stdout, stderr and the exit code.

import { createFakeApiserver, type FakeApiserver, type FakeApiserverOptions } from '../../api/fake-apiserver.ts';
import type { KubeObject } from '../../api/types.ts';
import { runCli } from './run-cli.ts';
import type { CommandModule, Io } from './types.ts';

export const TEST_NOW = new Date('2026-11-25T13:00:00Z');
export const TEST_TOKEN = 'test-token';

export interface RunResult {
  code: number;
  out: string;
  err: string;
}

export interface Harness {
  server: FakeApiserver;
  io: Io;
  files: Record<string, string>;
  stdin: { text: string };
  run(...argv: string[]): Promise<RunResult>;
}

export function harness(objects: KubeObject[] = [], env: Record<string, string> = {}, fake: Partial<FakeApiserverOptions> = {}): Harness {
  const server = createFakeApiserver({ token: TEST_TOKEN, now: () => new Date(TEST_NOW.getTime() - 300_000), objects, ...fake });
  const files: Record<string, string> = {};
  const stdin = { text: '' };
  let out: string[] = [];
  let err: string[] = [];
  const io: Io = {
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    readStdin: async () => stdin.text,
    readFile: async (path) => {
      if (path in files) return files[path];
      if (Object.keys(files).some((f) => f.startsWith(`${path.replace(/\/+$/, '')}/`))) {
        throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read`), { code: 'EISDIR' });
      }
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    },
    readDir: async (path) => {
      const prefix = `${path.replace(/\/+$/, '')}/`;
      return Object.keys(files).filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length)).filter((n) => !n.includes('/'));
    },
    env: { HOME: '/home/test', MINIK_SERVER: 'http://apiserver.test:6443', MINIK_TOKEN: TEST_TOKEN, ...env },
    now: () => TEST_NOW,
    fetch: server.fetch,
    // Daemons are not run through this harness; a signal never comes.
    untilSignal: () => new Promise(() => {}),
    selfArgv: ['minik'],
  };
  return {
    server,
    io,
    files,
    stdin,
    async run(...argv) {
      out = [];
      err = [];
      const code = await runCli(argv, io);
      return { code, out: out.join(''), err: err.join('') };
    },
  };
}

export const service = (name: string, namespace: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec,
  ...extra,
});

export const node = (name: string, ip: string, ready: boolean, podCIDR = ''): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: { podCIDR },
  status: {
    addresses: [{ type: 'InternalIP', address: ip }],
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    nodeInfo: { kubeProxyVersion: 'v0.1.0' },
  },
});

/**
 * Runs `minik ARGV` with the given commands and no apiserver: files come from
 * `files` (anything else is ENOENT), output is captured. For commands that
 * only read local files (lab, kubeconfig).
 */
export async function runWithFiles(
  argv: string[],
  commands: CommandModule[],
  options: { files?: Record<string, string>; env?: Record<string, string>; selfArgv?: string[] } = {},
): Promise<RunResult> {
  const files = options.files ?? {};
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    readStdin: async () => '',
    readFile: async (path) => {
      if (path in files) return files[path];
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    },
    env: { HOME: '/home/test', ...options.env },
    now: () => new Date(),
    untilSignal: () => new Promise(() => {}),
    selfArgv: options.selfArgv ?? ['minik'],
  };
  const code = await runCli(argv, io, commands);
  return { code, out: out.join(''), err: err.join('') };
}
