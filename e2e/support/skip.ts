// How a test that cannot run on this machine says so: it prints `SKIP: why`
// (the test runner counts and shows it) and registers as skipped with uvu.
import { execFileSync } from 'node:child_process';

type Suite = { skip: (name: string, fn: () => void) => void };

export function skipTest(suite: Suite, name: string, reason: string): void {
  console.log(`SKIP: ${name}: ${reason}`);
  suite.skip(name, () => {});
}

/** Why network-namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  for (const cmd of ['ip', 'nft']) {
    try {
      execFileSync(cmd, ['-V'], { stdio: 'ignore' });
    } catch {
      return `needs the '${cmd}' command (run scripts/deps.sh as root)`;
    }
  }
  return undefined;
}
