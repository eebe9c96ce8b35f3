// Running short commands (`ip`, `sysctl`, `nsenter`) behind one small
// interface, so node and pod networking can be unit-tested with a fake that
// records calls, and run for real inside a chosen network namespace.

import { execFile } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** exit status; 0 on success */
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

const MAX_OUTPUT = 64 * 1024 * 1024;

/** Runs commands on this machine, in the caller's own namespaces. */
export const realExec: Exec = {
  run(argv, options = {}) {
    return new Promise((resolve, reject) => {
      const child = execFile(argv[0], argv.slice(1), { maxBuffer: MAX_OUTPUT, encoding: 'utf8' }, (err, stdout, stderr) => {
        const spawnFailed = err && typeof (err as NodeJS.ErrnoException).code === 'string';
        const code = err ? (spawnFailed ? 127 : (child.exitCode ?? 1)) : 0;
        const result = { stdout, stderr: spawnFailed && !stderr ? err.message : stderr, code };
        if (code !== 0 && !options.allowFailure) reject(new ExecError(argv, code, result.stderr));
        else resolve(result);
      });
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

export interface RecordedCall {
  argv: string[];
  input?: string;
}

type Responder = (argv: string[]) => Partial<ExecResult> | undefined;

/**
 * In-memory twin for unit tests: records every call and answers from
 * responders (first match wins); unmatched commands succeed with no output.
 */
export class FakeExec implements Exec {
  readonly calls: RecordedCall[] = [];
  private readonly responders: Responder[] = [];

  /** Answer commands whose argv starts with `prefix` (joined by spaces). */
  on(prefix: string, result: Partial<ExecResult> | ((argv: string[]) => Partial<ExecResult>)): this {
    this.responders.push((argv) => {
      if (!argv.join(' ').startsWith(prefix)) return undefined;
      return typeof result === 'function' ? result(argv) : result;
    });
    return this;
  }

  /** Every call as one string per command, for easy assertions. */
  commands(): string[] {
    return this.calls.map((c) => c.argv.join(' '));
  }

  async run(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push({ argv, input: options.input });
    let answer: Partial<ExecResult> | undefined;
    for (const responder of this.responders) {
      answer = responder(argv);
      if (answer) break;
    }
    const result: ExecResult = { stdout: answer?.stdout ?? '', stderr: answer?.stderr ?? '', code: answer?.code ?? 0 };
    if (result.code !== 0 && !options.allowFailure) throw new ExecError(argv, result.code, result.stderr);
    return result;
  }
}
