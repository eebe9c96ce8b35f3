// SIGINT and SIGTERM always end the CLI: a command stuck on a server that
// never answers exits at once with 128+signal, and a watch (which waits for
// the signal itself) ends cleanly with 0.

import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const MINIK = join(import.meta.dirname, '..', 'bin', 'minik.js');

/** A TCP server that accepts connections and never says a word; `connected` resolves at each new connection. */
async function blackHole(): Promise<{ server: Server; url: string; connected: () => Promise<void> }> {
  let waiter: (() => void) | undefined;
  const server = createServer(() => waiter?.());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { server, url: `http://127.0.0.1:${port}`, connected: () => new Promise<void>((r) => (waiter = r)) };
}

/** Starts minik, sends `signal` once `ready` resolves (the CLI is inside its request), and times the exit. */
function runUntilSignal(args: string[], signal: NodeJS.Signals, ready: Promise<void>): Promise<{ code: number | null; ms: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MINIK, ...args], { env: { ...process.env, MINIK_CONFIG: '/nonexistent/minik-config' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let sentAt = 0;
    void ready.then(() => {
      sentAt = Date.now();
      child.kill(signal);
    });
    child.on('exit', (code, sig) => resolve({ code: code ?? (sig ? -1 : null), ms: Date.now() - sentAt, out }));
  });
}

test('a command waiting on a silent server ends at once on SIGTERM and on SIGINT', async () => {
  const hole = await blackHole();
  try {
    const term = await runUntilSignal(['get', 'pods', '--server', hole.url, '--token', 'x'], 'SIGTERM', hole.connected());
    assert.is(term.code, 143, term.out);
    assert.ok(term.ms < 3000, `ended ${term.ms} ms after SIGTERM`);
    const int = await runUntilSignal(['get', 'pods', '--server', hole.url, '--token', 'x'], 'SIGINT', hole.connected());
    assert.is(int.code, 130, int.out);
  } finally {
    hole.server.close();
  }
});

test.run();
