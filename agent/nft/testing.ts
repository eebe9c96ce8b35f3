// Test helpers of this library (no import outside this folder, so the
// package runs its own tests): how a test that cannot run here says so, and
// the error code a promise ended with.
import { execFileSync } from 'node:child_process';
import { NftError } from './errors.ts';

type Suite = { skip: (name: string, fn: () => void) => void };

/** Prints `SKIP: name: reason` (test runners count it) and registers the test as skipped. */
export function skipTest(suite: Suite, name: string, reason: string): void {
  console.log(`SKIP: ${name}: ${reason}`);
  suite.skip(name, () => {});
}

/** Why tests against the real nft (in a throwaway network namespace) cannot run here, or undefined. */
export function realNftUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  for (const cmd of ['ip', 'nft', 'nsenter']) {
    try {
      execFileSync(cmd, ['-V'], { stdio: 'ignore' });
    } catch {
      return `needs the '${cmd}' command (iproute2, nftables, util-linux)`;
    }
  }
  return undefined;
}

/** 'ok', or the NftError code the promise was rejected with. */
export async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (!(err instanceof NftError)) throw err;
    return err.code;
  }
}
