// The README, typed: every command of its walkthrough (README.md, between the
// walkthrough markers), in order, on a fresh lab, each output checked against
// the one pasted in the README (e2e/support/readme-walkthrough.ts says how).
// It starts where a new user starts, with `npm start`, and runs every later
// command in a fresh shell whose PATH has no node_modules: `minik` must come
// from the launcher npm start wrote. The lab is its own (mkwalk on
// 192.168.83.0/24, config and launcher in a scratch directory); it is taken
// down and the launcher removed in `after`, also when a step fails.
// Run under the shared lock: flock /tmp/minik-netns.lock node --import tsx e2e/walkthrough.test.ts

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { forLab, isReadOnly, matchesExpected, parseWalkthrough } from './support/readme-walkthrough.ts';
import { netnsUnavailable, skipTest } from './support/skip.ts';

const ROOT = join(import.meta.dirname, '..');
const LAB = { name: 'mkwalk', lanPrefix: '192.168.83.' };
const scratch = join(tmpdir(), 'minik-e2e-walkthrough');
const env = {
  HOME: process.env.HOME ?? '/root',
  // A new shell's PATH: the launcher's directory first, no node_modules/.bin.
  PATH: `${join(scratch, 'bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${process.execPath.replace(/\/node$/, '')}`,
  MINIK_BIN_DIR: join(scratch, 'bin'),
  MINIK_CONFIG: join(scratch, 'config'),
  // minik up merges a kubectl context; it goes to the scratch directory, not the machine's ~/.kube/config.
  KUBECONFIG: join(scratch, 'kubeconfig'),
  NO_COLOR: '1',
  LANG: 'C.UTF-8',
};
const RETRY_MS = 45_000;

function sh(command: string, timeoutMs = 180_000): { output: string; code: number | null; ms: number } {
  const began = Date.now();
  const r = spawnSync('bash', ['-c', `${command} 2>&1`], { cwd: ROOT, env, encoding: 'utf8', timeout: timeoutMs });
  return { output: r.stdout ?? '', code: r.status, ms: Date.now() - began };
}

function teardown(): void {
  sh(`node ${join(ROOT, 'bin/minik.js')} down --name ${LAB.name}`);
  sh(`node ${join(ROOT, 'bin/minik.js')} uninstall`);
  rmSync(scratch, { recursive: true, force: true });
}

const unavailable = netnsUnavailable();
if (unavailable) {
  skipTest(test, 'README walkthrough', unavailable);
} else {
  test.before(() => {
    teardown();
    mkdirSync(scratch, { recursive: true });
  });
  test.after(teardown);

  test('every README walkthrough command, typed in order, answers as the README shows', async () => {
    const steps = parseWalkthrough(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    const timings: string[] = [];
    for (const step of steps) {
      // `npm start` takes the test lab's name and LAN as the README says flags pass (`npm start -- --name ...`).
      const command = step.command === 'npm start' ? `npm start --silent -- --name ${LAB.name} --lan ${LAB.lanPrefix}0/24` : forLab(step.command, LAB);
      const expected = forLab(step.expected.join('\n'), LAB).split('\n');
      const deadline = Date.now() + (isReadOnly(step.command) ? RETRY_MS : 0);
      let run = sh(command);
      while (!matchesExpected(expected, run.output) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        run = sh(command);
      }
      timings.push(`${(run.ms / 1000).toFixed(1).padStart(5)} s  $ ${command}`);
      // The real transcript, for pasting into the README when its wording changes.
      console.log(`$ ${command}\n${run.output.trimEnd()}`);
      assert.ok(
        matchesExpected(expected, run.output),
        `$ ${command}\n--- README expects:\n${expected.join('\n')}\n--- got (exit ${run.code}):\n${run.output}`,
      );
    }
    console.log(`walkthrough timings (last attempt of each step):\n${timings.join('\n')}`);
  });
}

test.run();
