// Drops this node's LB addresses the moment its agent dies, even by kill -9.
// An address outlives the process that added it, so a killed agent's node
// would keep answering ARP for its IPs while a peer takes them over: two
// nodes answering for one IP. The guardian is a shell blocked reading a pipe
// whose only writer is the agent; when the agent dies the kernel closes the
// pipe, `read` returns, and the shell flushes the addresses carrying our
// label. On an orderly shutdown the agent releases its addresses itself and
// kills the guardian first.

import { spawn, type ChildProcess } from 'node:child_process';

export interface Guardian {
  stop(): void;
}

/** The command the guardian runs once its pipe closes. */
export function flushCommand(iface: string, label: string): string[] {
  return ['ip', '-4', 'addr', 'flush', 'dev', iface, 'label', label];
}

export function startGuardian(iface: string, label: string, log?: (line: string) => void): Guardian {
  const script = `read _ignored; exec ${flushCommand(iface, label).join(' ')}`;
  let child: ChildProcess | undefined = spawn('sh', ['-c', script], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  child.on('error', (err) => log?.(`lb guardian: ${err.message}`));
  child.stdin?.on('error', () => {});
  (child.stdin as unknown as { unref?(): void } | null)?.unref?.();
  // Never keep the agent alive for it.
  child.unref();
  return {
    stop() {
      if (!child) return;
      child.kill('SIGKILL');
      child = undefined;
    },
  };
}
