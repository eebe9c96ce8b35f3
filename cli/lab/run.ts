// The lab's way of failing a command: one LabError (LAB_EXEC_FAILED) naming
// the command and its stderr. Commands themselves run through the shared
// Exec (api/exec), the same one the agent uses.

import type { Exec, ExecResult } from '../../api/exec/exec.ts';
import { LabError } from './errors.ts';

/** Runs argv and returns stdout, or throws LAB_EXEC_FAILED naming the command and its stderr. */
export async function runOrThrow(exec: Exec, argv: string[], input?: string): Promise<string> {
  const result = await exec.run(argv, { input, allowFailure: true });
  if (result.code !== 0) throw execFailed(argv, result);
  return result.stdout;
}

export function execFailed(argv: string[], result: ExecResult): LabError {
  const why = result.stderr.trim() || `exit status ${result.code}`;
  return new LabError('LAB_EXEC_FAILED', `${argv.join(' ')}: ${why}`);
}
