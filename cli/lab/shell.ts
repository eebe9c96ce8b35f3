// How `minik exec`, `ssh`, `logs` and `rules` reach into a lab, whatever runs
// it: LabShell is the one interface cli/commands/lab-access.ts talks to, so
// the commands never branch on the provider. This file holds the interface,
// the netns implementation (namespaces on this machine, `ip netns exec`) and
// POSIX shell quoting; the Vagrant implementation is in vagrant-shell.ts.

import { podLogPath, podNetnsName, type LabLayout } from '../../api/layout.ts';
import type { LabProvider } from '../../api/layout.ts';

export interface PodRef {
  node: string;
  namespace: string;
  name: string;
}

/** Every method runs with this terminal's stdin/stdout/stderr and resolves with the command's exit status. */
export interface LabShell {
  readonly provider: LabProvider;
  /** argv on a node (a login shell when argv is empty); `root` when the command needs it (nft, ip netns). */
  onNode(node: string, argv: string[], opts?: { root?: boolean }): Promise<number>;
  /** argv on the outside client (a shell when argv is empty). */
  onClient(argv: string[]): Promise<number>;
  /** argv inside a pod's network namespace, on the pod's node. */
  inPod(pod: PodRef, argv: string[]): Promise<number>;
  /** Prints what the pod's process wrote (kept by its node's agent), the last `tail` lines if given. */
  podLog(pod: PodRef, tail?: number): Promise<number>;
}

/** Runs argv with the terminal's stdio (Io.spawnInherited). */
export type SpawnInherited = (argv: string[]) => Promise<number>;

export interface LocalIo {
  spawn: SpawnInherited;
  readFile(path: string): Promise<string>;
  out(text: string): void;
  /** the shell `ssh NODE` without a command starts */
  loginShell: string;
}

/** The last `n` lines of `text` (0 means none), keeping the trailing newline. */
export function tailLines(text: string, n: number): string {
  if (n === 0) return '';
  const lines = text.replace(/\n$/, '').split('\n');
  return `${lines.slice(-n).join('\n')}\n`;
}

/** The netns provider: the lab's nodes and client are network namespaces on this machine, and minik runs as root. */
export function netnsShell(lab: LabLayout, io: LocalIo): LabShell {
  const inNetns = (netns: string, argv: string[]) => io.spawn(['ip', 'netns', 'exec', netns, ...(argv.length ? argv : [io.loginShell])]);
  return {
    provider: 'netns',
    onNode: (node, argv) => inNetns(lab.nodeNetns(node), argv),
    onClient: (argv) => inNetns(lab.clientNetns, argv),
    inPod: (pod, argv) => inNetns(podNetnsName(lab.nodeNetns(pod.node), pod.namespace, pod.name), argv),
    async podLog(pod, tail) {
      const path = podLogPath(lab.nodeStateDir(pod.node), pod.namespace, pod.name);
      let text: string;
      try {
        text = await io.readFile(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no output recorded for pod "${pod.name}" yet (${path})`);
        throw err;
      }
      io.out(tail === undefined ? text : tailLines(text, tail));
      return 0;
    },
  };
}

// Characters a POSIX shell never treats specially inside a word.
const SAFE_WORD = /^[A-Za-z0-9_\/.:=@%+,-]+$/;

/** One argv element as a POSIX shell word: as is when harmless, else in single quotes (' as '\''). */
export function shellQuote(arg: string): string {
  if (SAFE_WORD.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** argv as one command line a remote shell splits back into exactly the same argv. */
export const shellJoin = (argv: string[]) => argv.map(shellQuote).join(' ');
