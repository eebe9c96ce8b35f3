// The one door to external commands (ip, nsenter, sysctl...). Everything that
// plans a lab is pure; only this interface touches the machine, and
// exec.fake.ts is its in-memory twin for unit tests.

import { execFile } from 'node:child_process';
import { LabError } from './errors.ts';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Exec {
  /** Runs argv (no shell). Never throws for a non-zero exit: the caller decides. */
  run(argv: string[], opts?: { input?: string }): Promise<ExecResult>;
}

export const realExec: Exec = {
  run(argv, opts) {
    return new Promise((resolve) => {
      const child = execFile(argv[0], argv.slice(1), { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
        // A missing binary surfaces as ENOENT with no exit code: report it like a shell would (127).
        const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
        resolve({ code, stdout: stdout ?? '', stderr: stderr || (err && code === 127 ? String(err.message) : '') });
      });
      if (opts?.input !== undefined) child.stdin?.end(opts.input);
    });
  },
};

/** Runs argv and returns stdout, or throws LAB_EXEC_FAILED naming the command and its stderr. */
export async function runOrThrow(exec: Exec, argv: string[], input?: string): Promise<string> {
  const result = await exec.run(argv, input === undefined ? undefined : { input });
  if (result.code !== 0) throw execFailed(argv, result);
  return result.stdout;
}

export function execFailed(argv: string[], result: ExecResult): LabError {
  const why = result.stderr.trim() || `exit status ${result.code}`;
  return new LabError('LAB_EXEC_FAILED', `${argv.join(' ')}: ${why}`);
}

/** Parses `ip -j ...` output; ip prints nothing at all (not `[]`) when a list is empty. */
export function parseIpJson<T>(stdout: string): T[] {
  const text = stdout.trim();
  return text === '' ? [] : (JSON.parse(text) as T[]);
}
