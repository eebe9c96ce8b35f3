import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertRoot, ensureCommands, missingCommands } from './preflight.ts';
import { FakeExec } from '../../api/exec/fake.ts';
import { RecordingProgress } from './progress.ts';
import { isLabError } from './errors.ts';

/** A fake machine where `installed` commands exist and apt-get install adds packages' commands. */
function machine(installed: string[], apt: boolean) {
  const exec = new FakeExec({ modelIp: true });
  const have = new Set(installed);
  const pkgCommands: Record<string, string> = { nftables: 'nft', iproute2: 'ip' };
  exec.respond = (argv) => {
    if (argv[0] === 'sh') {
      const cmd = argv[2].replace('command -v ', '');
      const present = cmd === 'apt-get' ? apt : have.has(cmd);
      return { code: present ? 0 : 1, stdout: '', stderr: '' };
    }
    if (argv.includes('install')) for (const pkg of argv.slice(argv.indexOf('--no-install-recommends') + 1)) have.add(pkgCommands[pkg]);
    return { code: 0, stdout: '', stderr: '' };
  };
  return exec;
}

test('assertRoot refuses a non-root user with one clear line', () => {
  assertRoot(0, 'minik up');
  try {
    assertRoot(1000, 'minik up');
    assert.unreachable();
  } catch (err) {
    assert.ok(isLabError(err, 'LAB_NOT_ROOT'));
    assert.match((err as Error).message, 'minik up needs root');
  }
});

test('missingCommands lists what is not on PATH', async () => {
  assert.equal(await missingCommands(machine(['ip'], false), ['ip', 'nft']), ['nft']);
});

test('nothing is installed when everything is there', async () => {
  const exec = machine(['ip', 'nft', 'nsenter', 'sysctl'], true);
  await ensureCommands(exec, new RecordingProgress());
  assert.not.ok(exec.lines().some((l) => l.includes('apt-get install')));
});

test('missing commands are installed with apt when possible', async () => {
  const exec = machine(['nsenter', 'sysctl'], true);
  const progress = new RecordingProgress();
  await ensureCommands(exec, progress);
  assert.ok(exec.lines().includes('env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iproute2 nftables'));
  assert.equal(progress.lines, ['ok: Installing iproute2 nftables']);
});

test('without apt, missing commands are refused naming their packages', async () => {
  try {
    await ensureCommands(machine(['ip', 'nsenter', 'sysctl'], false), new RecordingProgress());
    assert.unreachable();
  } catch (err) {
    assert.ok(isLabError(err, 'LAB_MISSING_COMMANDS'));
    assert.match((err as Error).message, 'nft (nftables)');
  }
});

test.run();
