// The only file that touches `process`: argv in, stdout/stderr out, the exit
// code. Everything else is runCli, which tests call directly.

import { runCli } from './commands/run-cli.ts';
import type { Io } from './commands/types.ts';
import { selfArgv } from './self.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// Daemons await untilSignal and shut down cleanly; every other command must
// still end at once on SIGINT/SIGTERM, whatever libraries installed handlers
// of their own (a handler, once installed, replaces Node's default exit).
let waitingForSignal = 0;
function untilSignal(): Promise<string> {
  waitingForSignal++;
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      waitingForSignal--;
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (waitingForSignal > 0) return;
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

// Builtins load on first use: `minik --version` should cost little more than `node -e 0`.
const builtin = <T>(name: string) => process.getBuiltinModule(name) as T;
const fs = () => builtin<typeof import('node:fs/promises')>('node:fs/promises');

function spawnInherited(argv: string[]): Promise<number> {
  const { spawn } = builtin<typeof import('node:child_process')>('node:child_process');
  const os = builtin<typeof import('node:os')>('node:os');
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
  });
}

const io: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  readStdin,
  readFile: (path) => fs().readFile(path, 'utf8'),
  readDir: (path) => fs().readdir(path),
  env: process.env,
  now: () => new Date(),
  untilSignal,
  selfArgv: selfArgv(),
  terminal: () => ({ isTTY: process.stdout.isTTY === true, columns: process.stdout.columns }),
  spawnInherited,
};

process.exitCode = await runCli(process.argv.slice(2), io);
