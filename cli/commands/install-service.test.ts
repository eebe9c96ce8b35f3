import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeExec } from '../../api/exec/fake.ts';
import { MemoryUnitFiles } from '../../agent/systemd/install.ts';
import { installService, installServiceCommand } from './install-service.ts';

async function rejection(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

function io(selfBinary?: string) {
  const lines: string[] = [];
  return { exec: new FakeExec(), files: new MemoryUnitFiles(), stdout: (l: string) => lines.push(l), selfBinary, lines };
}

test('installs the agent unit running this executable with the daemon flags', async () => {
  const deps = io('/usr/local/bin/minik');
  await installService(
    { role: 'agent', daemonArgs: ['--server', 'http://192.168.56.10:6443', '--node-ip', '192.168.56.11'], after: ['minik-apiserver.service'] },
    deps,
  );
  const unit = deps.files.files.get('/etc/systemd/system/minik-agent.service')!;
  assert.match(unit, 'ExecStart=/usr/local/bin/minik agent --server http://192.168.56.10:6443 --node-ip 192.168.56.11\n');
  assert.match(unit, 'After=network-online.target minik-apiserver.service\n');
  assert.equal(deps.exec.commands().at(-1), 'systemctl restart minik-agent.service');
  assert.equal(deps.lines[0], '/etc/systemd/system/minik-agent.service written');
});

test('--print renders and changes nothing', async () => {
  const deps = io('/usr/local/bin/minik');
  await installService({ role: 'apiserver', print: true, env: ['MINIK_SERVICE_CIDR=10.96.0.0/12'], daemonArgs: [] }, deps);
  assert.match(deps.lines[0], /^ExecStart=\/usr\/local\/bin\/minik apiserver$/m);
  assert.match(deps.lines[0], /^Environment="MINIK_SERVICE_CIDR=10\.96\.0\.0\/12"$/m);
  assert.is(deps.files.files.size, 0);
  assert.equal(deps.exec.calls, []);
});

test('--binary wins over the running executable; from source it is required', async () => {
  const deps = io(undefined);
  assert.match((await rejection(() => installService({ role: 'agent', daemonArgs: [] }, deps))).message, /--binary/);
  await installService({ role: 'agent', binary: '/opt/minik', start: false, daemonArgs: [] }, deps);
  assert.match(deps.files.files.get('/etc/systemd/system/minik-agent.service')!, 'ExecStart=/opt/minik agent\n');
});

test('unknown role and malformed --env are errors with the unit code', async () => {
  const deps = io('/m');
  try {
    await installService({ role: 'scheduler', daemonArgs: [] }, deps);
    assert.unreachable();
  } catch (err) {
    assert.is((err as { code: string }).code, 'MINIK_UNIT_INVALID');
    assert.match((err as Error).message, /apiserver or agent/);
  }
  assert.match((await rejection(() => installService({ role: 'agent', env: ['NOEQUALS'], daemonArgs: [] }, deps))).message, /KEY=VALUE/);
});

test('the command module passes flags and the words after -- through (--print: nothing touched)', async () => {
  let out = '';
  const ctx = { io: { out: (t: string) => (out += t) } } as unknown as Parameters<typeof installServiceCommand.run>[0];
  await installServiceCommand.run(ctx, {
    args: ['agent'],
    options: { binary: '/usr/local/bin/minik', print: true, env: ['A=1'], after: 'minik-apiserver.service' },
    passthrough: ['--node-ip', '192.168.56.12'],
  });
  assert.match(out, /^ExecStart=\/usr\/local\/bin\/minik agent --node-ip 192\.168\.56\.12$/m);
  assert.match(out, /^After=network-online\.target minik-apiserver\.service$/m);
  assert.match(out, /^Environment="A=1"$/m);
});

test.run();
