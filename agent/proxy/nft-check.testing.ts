// Test helper (not a test file): registers one test per golden nft file that
// real `nft --check` must accept, in a throwaway network namespace of its own.
// Where namespaces cannot be made, one SKIP says why.

import { execFileSync } from 'node:child_process';
import type { Test } from 'uvu';
import { netnsUnavailable, skipTest } from '../../e2e/support/skip.ts';

export function nftCheckGoldenFiles(test: Test, what: string, nsPrefix: string, files: { label: string; path: string }[]): void {
  const why = netnsUnavailable();
  if (why) {
    skipTest(test, `nft --check of ${what}`, why);
    return;
  }
  const ns = `${nsPrefix}-${process.pid}`;
  test.before(() => {
    execFileSync('ip', ['netns', 'add', ns]);
  });
  test.after(() => {
    execFileSync('ip', ['netns', 'del', ns]);
  });
  for (const f of files) {
    test(`nft --check accepts ${f.label}`, () => {
      execFileSync('nsenter', [`--net=/run/netns/${ns}`, 'nft', '--check', '-f', f.path], { stdio: ['ignore', 'pipe', 'pipe'] });
    });
  }
}
