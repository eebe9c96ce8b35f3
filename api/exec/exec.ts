// The one door to external commands (ip, nft, iptables-restore, conntrack,
// nsenter, sysctl...) for every role: the agent programs its node through it,
// `minik up` builds the lab through it. fake.ts is its in-memory twin.
//
// One contract: `run` throws ExecError (code EXEC_FAILED) when the command
// exits non-zero, unless the caller says `allowFailure`, in which case the
// result carries the exit status and the caller decides. A missing binary
// reads as exit status 127, like a shell says it.

import { execFile } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** exit status; 0 on success, 127 when the command could not be started */
  code: number;
}

export interface ExecOptions {
  /** written to the command's stdin */
  input?: string;
  /** return a non-zero result instead of throwing ExecError */
  allowFailure?: boolean;
}

export interface Exec {
  run(argv: string[], options?: ExecOptions): Promise<ExecResult>;
}

/** A command that failed; `code` is stable, `exitCode` and `stderr` say why. */
export class ExecError extends Error {
  readonly code = 'EXEC_FAILED';
  constructor(
    readonly argv: string[],
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(`${argv.join(' ')}: exit ${exitCode}: ${stderr.trim() || '(no output)'}`);
    this.name = 'ExecError';
  }
}

export const isExecError = (err: unknown): err is ExecError => err instanceof ExecError;

const MAX_OUTPUT = 64 * 1024 * 1024;

/** Runs commands on this machine, in the caller's own namespaces. */
export const realExec: Exec = {
  run(argv, options = {}) {
    return new Promise((resolve, reject) => {
      const child = execFile(argv[0], argv.slice(1), { maxBuffer: MAX_OUTPUT, encoding: 'utf8' }, (err, stdout, stderr) => {
        // A missing binary surfaces as ENOENT (a string code) with no exit status.
        const spawnFailed = err && typeof (err as NodeJS.ErrnoException).code === 'string';
        const code = err ? (spawnFailed ? 127 : (child.exitCode ?? 1)) : 0;
        const result = { stdout: stdout ?? '', stderr: spawnFailed && !stderr ? err.message : (stderr ?? ''), code };
        if (code !== 0 && !options.allowFailure) reject(new ExecError(argv, code, result.stderr));
        else resolve(result);
      });
      child.stdin?.on('error', () => {}); // a command that exits without reading stdin is not our error
      if (options.input !== undefined) child.stdin?.end(options.input);
      else child.stdin?.end();
    });
  },
};

/**
 * Runs every command inside the named network namespace (`/run/netns/NAME`)
 * with nsenter: the mount namespace stays the host's, so `ip netns add` run
 * this way creates namespaces everybody can enter (see design: kernel facts).
 */
export function netnsExec(inner: Exec, netns: string): Exec {
  return {
    run: (argv, options) => inner.run(['nsenter', `--net=/run/netns/${netns}`, '--', ...argv], options),
  };
}

/** True when `command` can be started here (`command -v`). */
export async function hasCommand(exec: Exec, command: string): Promise<boolean> {
  const result = await exec.run(['sh', '-c', `command -v ${command}`], { allowFailure: true });
  return result.code === 0;
}
