// The benchmark's side of bench/support/mode-host.ts: starts one mode inside
// a namespace and sends it commands, one at a time.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const HOST = join(import.meta.dirname, 'mode-host.ts');

export interface ModeDriver {
  /** Why the mode cannot run here (the registry's one line), or undefined. */
  unavailable?: string;
  /** Sends one command; resolves with the milliseconds the sync took. */
  send(command: string): Promise<number>;
  close(): Promise<void>;
}

export async function startMode(mode: string, netns: string, nodeIp: string): Promise<ModeDriver> {
  const child: ChildProcess = spawn('nsenter', [`--net=/run/netns/${netns}`, process.execPath, '--import', 'tsx', HOST, mode, nodeIp], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let wake: () => void = () => {};
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    wake();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => (lines.push('error mode host exited'), wake(), r())));
  const next = async () => {
    while (!lines.length) await new Promise<void>((r) => (wake = r));
    return lines.shift()!;
  };
  const first = await next();
  const close = async () => {
    child.stdin!.end();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 60_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  if (first.startsWith('unavailable ')) {
    await close();
    return { unavailable: first.slice('unavailable '.length), send: async () => NaN, close: async () => {} };
  }
  if (first !== 'ready') throw new Error(`mode host for ${mode}: ${first}`);
  return {
    async send(command) {
      child.stdin!.write(command + '\n');
      const answer = await next();
      if (!answer.startsWith('ok ')) throw new Error(`${mode} ${command.split(' ')[0]}: ${answer.replace(/^error /, '')}`);
      return Number(answer.split(' ')[1]);
    },
    close,
  };
}
