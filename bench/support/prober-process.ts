// The benchmark's side of a service prober: starts service-prober.ts inside
// a network namespace (nsenter, so no private mount namespace is made),
// sends it targets, and resolves when it reports the first answer.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseProberAnswer, probeLine, STOP_LINE, type ProberAnswer } from './prober-protocol.ts';

const PROBER = join(import.meta.dirname, 'service-prober.ts');

export interface ProberProcess {
  netns: string | undefined;
  pid: number;
  /** starts probing ip:port; resolves with the first answer, or undefined after timeoutMs */
  probe(id: string, ip: string, port: number, timeoutMs: number): Promise<ProberAnswer | undefined>;
  /** everything the prober wrote that was not an answer (errors, stderr) */
  messages(): string[];
  kill(): Promise<void>;
}

/** `netns` undefined: in this process' own namespace (the loopback test). */
export async function startProber(netns: string | undefined, args: string[] = []): Promise<ProberProcess> {
  const node = [process.execPath, '--import', 'tsx', PROBER, ...args];
  const argv = netns ? ['nsenter', `--net=/run/netns/${netns}`, ...node] : node;
  const child: ChildProcess = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const messages: string[] = [];
  const waiting = new Map<string, (a: ProberAnswer) => void>();
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line === 'ready') return onReady();
    const answer = parseProberAnswer(line);
    if (answer && waiting.has(answer.id)) waiting.get(answer.id)!(answer);
    else messages.push(line);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => messages.push(line));
  await Promise.race([
    ready,
    exited.then(() => {
      throw new Error(`prober in ${netns} exited before it was ready: ${messages.join('\n')}`);
    }),
  ]);
  return {
    netns,
    pid: child.pid!,
    messages: () => messages,
    probe(id, ip, port, timeoutMs) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          child.stdin!.write(STOP_LINE);
          resolve(undefined);
        }, timeoutMs);
        waiting.set(id, (answer) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(answer);
        });
        child.stdin!.write(probeLine(id, ip, port));
      });
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
