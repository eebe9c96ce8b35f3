import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { skipTest } from '../../e2e/support/skip.ts';
import { colorAllowed, plainProgress, spinnerAllowed } from './progress.ts';

const ESC = '\u001b';

test('a spinner only on a terminal that reports its width, with colour allowed', () => {
  const tty = { isTTY: true, columns: 80, env: {} };
  assert.ok(spinnerAllowed(tty));
  assert.not.ok(spinnerAllowed({ ...tty, columns: 0 }), 'script(1) reports 0 columns');
  assert.not.ok(spinnerAllowed({ ...tty, columns: undefined }));
  assert.not.ok(spinnerAllowed({ ...tty, isTTY: false }), 'a pipe');
  assert.not.ok(spinnerAllowed({ ...tty, env: { NO_COLOR: '1' } }));
  assert.not.ok(spinnerAllowed({ ...tty, noColor: true }), '--no-color');
  assert.not.ok(colorAllowed({ ...tty, isTTY: false }));
  assert.not.ok(colorAllowed({ ...tty, env: { TERM: 'dumb' } }));
  assert.ok(colorAllowed({ ...tty, env: { NO_COLOR: '' } }), 'an empty NO_COLOR means unset');
});

test('plain progress writes one line per step and no escape sequences', async () => {
  const out: string[] = [];
  const p = plainProgress((t) => void out.push(t));
  assert.is(await p.step('Starting', async () => 7, (n) => `Started ${n}`), 7);
  p.info('note');
  p.warn('careful');
  await p.step('Breaking', async () => Promise.reject(new Error('x'))).catch(() => {});
  assert.equal(out, ['✓ Started 7\n', 'i note\n', '! careful\n', '✗ Breaking: failed\n']);
  assert.not.match(out.join(''), ESC);
});

const hasScript = (() => {
  try {
    execFileSync('script', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

if (!hasScript || process.getuid?.() !== 0) {
  skipTest(test, 'minik down under script(1) with 0 columns', 'needs root and script(1) (util-linux)');
} else {
  // The hang of issue 11: ora divided by the column count and looped forever. A lab that does not exist: nothing is changed.
  test('minik down under script(1) with 0 columns ends, and writes no escape sequences', () => {
    const minik = fileURLToPath(new URL('../../bin/minik.js', import.meta.url));
    const r = spawnSync('script', ['-qec', `stty cols 0; node ${minik} down --name mkprogt`, '/dev/null'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, MINIK_CONFIG: '/nonexistent/minik-config' },
    });
    assert.is(r.error, undefined, 'finished before the timeout');
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, 'No network of lab mkprogt was there');
    assert.not.match(r.stdout, ESC);
  });
}

test.run();
