import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeExec } from '../../api/exec/fake.ts';
import { installUnit, MemoryUnitFiles } from './install.ts';

const options = { binary: '/usr/local/bin/minik', args: ['--node-ip', '192.168.56.11'] };

test('first install writes the unit, reloads, enables and (re)starts it', async () => {
  const exec = new FakeExec();
  const files = new MemoryUnitFiles();
  const result = await installUnit('agent', options, { exec, files });
  assert.is(result.path, '/etc/systemd/system/minik-agent.service');
  assert.ok(result.changed);
  assert.is(files.files.get(result.path), result.unit);
  assert.equal(exec.commands(), ['systemctl daemon-reload', 'systemctl enable minik-agent.service', 'systemctl restart minik-agent.service']);
});

test('an unchanged unit is not rewritten and the running daemon is left alone', async () => {
  const exec = new FakeExec();
  const files = new MemoryUnitFiles();
  await installUnit('agent', options, { exec: new FakeExec(), files });
  const again = await installUnit('agent', options, { exec, files });
  assert.not.ok(again.changed);
  assert.equal(exec.commands(), ['systemctl enable --now minik-agent.service']);
});

test('start: false only writes the file, into the given directory', async () => {
  const exec = new FakeExec();
  const files = new MemoryUnitFiles();
  const result = await installUnit('apiserver', options, { exec, files }, { unitDir: '/tmp/units', start: false });
  assert.is(result.path, '/tmp/units/minik-apiserver.service');
  assert.ok(files.files.has('/tmp/units/minik-apiserver.service'));
  assert.equal(exec.calls, []);
});

test('a failing systemctl surfaces as an error', async () => {
  const exec = new FakeExec().on('systemctl restart', { code: 1, stderr: 'Job failed' });
  try {
    await installUnit('agent', options, { exec, files: new MemoryUnitFiles() });
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /Job failed/);
  }
});

test.run();
