// The host check says in one line why ipvs mode cannot run, before anything is built.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeExec } from '../../../api/exec/fake.ts';
import { proxyModeProblem } from '../registry.ts';
import { ipvsHostProblem } from './host.ts';

const noModule = () => new FakeExec().on('test -e /proc/net/ip_vs', { code: 1 });

test('no ip_vs and no modprobe: one line naming both', async () => {
  const exec = noModule().on('modprobe ip_vs', { code: 127, stderr: 'spawn modprobe ENOENT' });
  assert.is(await ipvsHostProblem(exec), 'proxy mode "ipvs" needs the ip_vs kernel module (modprobe ip_vs: modprobe not found)');
});

test('module missing from the kernel: modprobe says why, first line only', async () => {
  const exec = noModule().on('modprobe ip_vs', { code: 1, stderr: 'modprobe: FATAL: Module ip_vs not found in directory /lib/modules/6.18.44\nmore\n' });
  assert.is(await ipvsHostProblem(exec), 'proxy mode "ipvs" needs the ip_vs kernel module (modprobe ip_vs: modprobe: FATAL: Module ip_vs not found in directory /lib/modules/6.18.44)');
  assert.not.ok(exec.commands().some((c) => c.startsWith('ip link')), 'nothing created');
});

test('module loads on demand: fine; ipvsadm missing: named with its package', async () => {
  let loaded = false;
  const exec = new FakeExec()
    .on('test -e /proc/net/ip_vs', () => ({ code: loaded ? 0 : 1 }))
    .on('modprobe ip_vs', () => ((loaded = true), { code: 0 }))
    .on('ipvsadm', { code: 127 });
  assert.is(await ipvsHostProblem(exec), 'proxy mode "ipvs" needs ipvsadm (Debian package ipvsadm): install it, e.g. with scripts/deps.sh');
});

test('no dummy links: said, and the probe link never stays', async () => {
  const exec = new FakeExec().on('ip link add minik-ipvscheck type dummy', { code: 2, stderr: 'Error: Unknown device type.\n' });
  assert.is(await ipvsHostProblem(exec), 'proxy mode "ipvs" needs dummy network interfaces (ip link add ... type dummy: Error: Unknown device type.)');
});

test('everything there: no problem, and the probe link is removed again', async () => {
  const exec = new FakeExec();
  assert.is(await ipvsHostProblem(exec), undefined);
  assert.ok(exec.commands().includes('ip link del minik-ipvscheck'));
});

test('the registry asks for dummy links too, after the module and the commands, before anything is built', async () => {
  const exec = new FakeExec().on('ip link add minik-ipvscheck type dummy', { code: 2, stderr: 'Error: Unknown device type.\n' });
  assert.is(await proxyModeProblem('ipvs', exec), 'proxy mode "ipvs" needs dummy network interfaces (ip link add ... type dummy: Error: Unknown device type.)');
  assert.is(await proxyModeProblem('ipvs', new FakeExec()), undefined);
});

test.run();
