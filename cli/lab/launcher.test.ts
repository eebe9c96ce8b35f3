import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { installLauncher, LAUNCHER_MARKER, launcherScript, uninstallLauncher } from './launcher.ts';

test('the launcher execs this minik with the arguments it was given, quoted', () => {
  assert.is(launcherScript(['/usr/bin/node', '/src/my checkout/bin/minik.js']), `#!/bin/sh\n${LAUNCHER_MARKER}\nexec /usr/bin/node '/src/my checkout/bin/minik.js' "$@"\n`);
});

test('install writes an executable launcher that runs; uninstall removes it; a foreign minik is never touched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'minik-bin-'));
  try {
    const fake = join(dir, 'fake-minik.sh');
    writeFileSync(fake, '#!/bin/sh\necho "ran with: $*"\n', { mode: 0o755 });
    const { path, replaced } = installLauncher(join(dir, 'bin'), ['/bin/sh', fake]);
    assert.not.ok(replaced);
    assert.is(execFileSync(path, ['get', 'pods', 'a b'], { encoding: 'utf8' }), 'ran with: get pods a b\n');
    assert.ok(installLauncher(join(dir, 'bin'), ['/bin/sh', fake]).replaced, 'running it again refreshes');
    assert.ok(uninstallLauncher(join(dir, 'bin')));
    assert.not.ok(existsSync(path));
    assert.not.ok(uninstallLauncher(join(dir, 'bin')), 'nothing to remove: fine');
    writeFileSync(path, '#!/bin/sh\necho someone else\n');
    assert.throws(() => installLauncher(join(dir, 'bin'), ['/bin/sh', fake]), /was not written by minik/);
    assert.throws(() => uninstallLauncher(join(dir, 'bin')), /left alone/);
    assert.is(readFileSync(path, 'utf8'), '#!/bin/sh\necho someone else\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
