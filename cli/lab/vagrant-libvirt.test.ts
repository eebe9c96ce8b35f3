import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseBackend, KERNEL_STARTED, libvirtScriptArgv, privateLibvirtEnv, privateLibvirtPlan, probeKvm } from './vagrant-libvirt.ts';
import { vagrantInvocation } from './vagrant.ts';
import { vagrantSshArgv } from './vagrant-shell.ts';

const probe = (o: { env?: Record<string, string>; cmds?: string[]; files?: string[] } = {}) => ({
  env: o.env ?? {},
  has: (c: string) => (o.cmds ?? []).includes(c),
  exists: (p: string) => (o.files ?? []).includes(p),
});

test('VirtualBox, then a system libvirt, else minik runs its own; the env var overrides', () => {
  assert.is(chooseBackend(probe({ cmds: ['VBoxManage'], files: ['/run/libvirt/libvirt-sock'] })), 'virtualbox');
  assert.is(chooseBackend(probe({ files: ['/run/libvirt/libvirt-sock'] })), 'libvirt');
  assert.is(chooseBackend(probe()), 'private');
  assert.is(chooseBackend(probe({ env: { MINIK_VAGRANT_BACKEND: 'private' }, cmds: ['VBoxManage'] })), 'private');
  assert.throws(() => chooseBackend(probe({ env: { MINIK_VAGRANT_BACKEND: 'hyperv' } })), /MINIK_VAGRANT_BACKEND=hyperv/);
});

const plan = privateLibvirtPlan({ lab: 'minik', stateDir: '/co/.vagrant/minik', base: '192.168.56', boxHash: 'abc', driver: 'qemu' });

test("the private libvirt's names carry the lab's prefix and fit Linux' 15 characters", () => {
  assert.is(plan.netns, 'minik-libvirt');
  assert.is(plan.hostLink, 'minik-vhost');
  assert.ok(`${plan.hostLink}-p`.length <= 15);
  assert.is(plan.hostCidr, '192.168.56.254/24');
  assert.is(plan.socket, '/co/.vagrant/minik/libvirt/run/libvirt-sock');
  assert.is(plan.box, 'minik/debian-abc');
  assert.equal(privateLibvirtEnv(plan), {
    VAGRANT_DEFAULT_PROVIDER: 'libvirt',
    MINIK_LIBVIRT_SOCKET: plan.socket,
    MINIK_LIBVIRT_DRIVER: 'qemu',
    MINIK_LIBVIRT_BOX: 'minik/debian-abc',
  });
});

test('vagrant runs inside the namespace only when minik runs its own libvirt', () => {
  assert.equal(vagrantInvocation(['vagrant', 'up'], undefined), { argv: ['vagrant', 'up'], env: {} });
  const inside = vagrantInvocation(['vagrant', 'up'], plan);
  assert.equal(inside.argv, ['nsenter', '--net=/run/netns/minik-libvirt', 'vagrant', 'up']);
  assert.is(inside.env.MINIK_LIBVIRT_DRIVER, 'qemu');
  const ssh = vagrantSshArgv({ dir: '/co', nodes: 2, libvirt: plan }, 'node2', ['ip', 'addr']);
  assert.equal(ssh.slice(0, 3), ['nsenter', '--net=/run/netns/minik-libvirt', 'env']);
  assert.ok(ssh.includes(`MINIK_LIBVIRT_SOCKET=${plan.socket}`));
  assert.equal(vagrantSshArgv({ dir: '/co', nodes: 2 }, 'node2', []).slice(0, 1), ['env']);
});

test('the libvirt script gets the namespace, state, network and link', () => {
  assert.equal(libvirtScriptArgv('/co', 'link', plan).slice(2), ['link', 'minik-libvirt', '/co/.vagrant/minik/libvirt', 'minik-lan', 'minik-vhost', '192.168.56.254/24']);
  assert.equal(libvirtScriptArgv('/co', 'stop', plan).slice(2), ['stop', 'minik-libvirt', '/co/.vagrant/minik/libvirt', 'minik-vhost']);
});

test('KVM works only when a guest gets past kernel entry; no /dev/kvm means no', async () => {
  assert.ok(KERNEL_STARTED.test('[    0.000000] Linux version 6.1.0-50-amd64'));
  assert.not.ok(KERNEL_STARTED.test('SYSLINUX 6.04 EDD\nLoading /vmlinuz... ok\n'));
  assert.equal(await probeKvm('/nowhere.qcow2', 1000, () => false), { works: false, why: 'no /dev/kvm' });
});

test.run();
