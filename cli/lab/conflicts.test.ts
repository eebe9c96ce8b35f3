import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertLanFree, lanConflicts } from './conflicts.ts';
import { parseLan } from './lan.ts';
import { FakeExec } from '../../api/exec/fake.ts';
import { isLabError } from './errors.ts';

const lan = parseLan('192.168.79.0/24');

test('networks overlapping the lab LAN conflict; the lab link and the default route do not', () => {
  const found = lanConflicts(lan, 'mkl-host', [
    { cidr: 'default', dev: 'eth0', what: 'route' },
    { cidr: '192.0.2.0/24', dev: 'eth0', what: 'route' },
    { cidr: '192.168.79.0/24', dev: 'mkl-host', what: 'route' },
    { cidr: '192.168.0.0/16', dev: 'wg0', what: 'route' },
    { cidr: '192.168.79.77/32', dev: 'tun0', what: 'address' },
    { cidr: '192.168.80.0/24', dev: 'mkl2-host', what: 'route' },
  ]);
  assert.equal(found.map((n) => n.dev), ['wg0', 'tun0']);
});

test('assertLanFree refuses a LAN that another lab already uses', async () => {
  const exec = new FakeExec({ modelIp: true });
  exec.respond = (argv) => {
    const line = argv.join(' ');
    if (line === 'ip -j -4 route show table main') {
      return { code: 0, stdout: JSON.stringify([{ dst: '192.168.79.0/24', dev: 'other-host' }]), stderr: '' };
    }
    if (line === 'ip -j -4 addr show') return { code: 0, stdout: '[]', stderr: '' };
    return undefined;
  };
  try {
    await assertLanFree(lan, 'mkl-host', exec);
    assert.unreachable();
  } catch (err) {
    assert.ok(isLabError(err, 'LAB_INVALID_LAN'));
    assert.match((err as Error).message, '192.168.79.0/24 on other-host');
  }
});

test('assertLanFree accepts a host without overlap', async () => {
  const exec = new FakeExec({ modelIp: true });
  exec.respond = (argv) => (argv[1] === '-j' ? { code: 0, stdout: '', stderr: '' } : undefined);
  await assertLanFree(lan, 'mkl-host', exec);
});

test.run();
