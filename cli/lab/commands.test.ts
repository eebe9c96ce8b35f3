import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWithFiles } from '../commands/testing.ts';
import { netnsUnavailable, skipTest } from '../../e2e/support/skip.ts';
import { makeDownCommand, makeUpCommand } from './commands.ts';

const labsRoot = mkdtempSync(join(tmpdir(), 'minik-lab-commands-'));
test.after(() => rmSync(labsRoot, { recursive: true, force: true }));

const commands = [makeUpCommand({ labsRoot, minikArgv: () => ['/nonexistent/minik'] }), makeDownCommand({ labsRoot })];

function minik(argv: string[], files: Record<string, string> = {}, env: Record<string, string> = {}) {
  return runWithFiles(argv, commands, { files, env, selfArgv: ['/nonexistent/minik'] });
}

test('up --help lists the design flags', async () => {
  const { code, out } = await minik(['up', '--help']);
  assert.is(code, 0);
  for (const flag of ['--nodes', '--proxy-mode', '--provider', '--name', '--lan']) assert.match(out, flag);
});

test('bad flags are refused with one line before anything happens', async () => {
  const cases: [string[], string][] = [
    [['up', '--nodes', 'two'], 'invalid --nodes "two"'],
    [['up', '--name', 'Bad-Name'], 'invalid lab name "Bad-Name"'],
    [['up', '--lan', '10.0.0.0/8'], 'invalid --lan "10.0.0.0/8"'],
    [['up', '--proxy-mode', 'bogus'], 'invalid --proxy-mode "bogus"'],
    [['up', '--provider', 'kvm'], 'unknown --provider "kvm"'],
    [['up', '--provider', 'vagrant', '--api-port', '7000'], '--api-port is for the netns provider'],
    [['down', '--name', 'a-b'], 'invalid lab name "a-b"'],
  ];
  for (const [argv, message] of cases) {
    const { code, err } = await minik(argv);
    assert.is(code, 1, argv.join(' '));
    assert.match(err, message, argv.join(' '));
    assert.is(err.trim().split('\n').length, 1, `one line: ${err}`);
  }
});

const why = netnsUnavailable();
if (why) skipTest(test, 'down of a lab that is not there', why);
else
  test('down without --name takes the lab from the config and succeeds when nothing is there', async () => {
    const { code, out, err } = await minik(['down'], { '/cfg': 'server: http://127.0.0.1:1\nlab: mkl2\n' }, { MINIK_CONFIG: '/cfg' });
    assert.is(err, '');
    assert.is(code, 0);
    assert.match(out, 'No daemons of lab mkl2 were running');
    assert.match(out, 'No network of lab mkl2 was there');
  });

test.run();
