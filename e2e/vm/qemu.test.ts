// The QEMU command lines of the VM tier (pure; no VM is started here).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dataDiskArgv, macAddress, overlayArgv, qemuArgv, shellQuote, sshArgv, type GuestSpec } from './qemu.ts';

const guest: GuestSpec = {
  name: 'node2',
  index: 1,
  overlay: '/t/node2.qcow2',
  dataDisk: '/t/data.img',
  sshPort: 40022,
  segmentPort: 31234,
  labTag: 0xab,
  memoryMb: 1024,
  consoleLog: '/t/node2.console.log',
};

const after = (argv: string[], flag: string) => argv.filter((_, i) => argv[i - 1] === flag);

test('a guest runs under TCG with -cpu max, no default devices, and its console in a file', () => {
  const argv = qemuArgv(guest);
  assert.is(argv[0], 'qemu-system-x86_64');
  assert.equal(after(argv, '-accel'), ['tcg']);
  assert.equal(after(argv, '-cpu'), ['max']);
  assert.ok(argv.includes('-nodefaults'));
  assert.equal(after(argv, '-serial'), ['file:/t/node2.console.log']);
  assert.equal(after(qemuArgv({ ...guest, accel: 'kvm' }), '-cpu'), ['host']);
});

test('ssh is forwarded on 127.0.0.1 only and the NAT lets the guest reach nothing', () => {
  const [nat, lan] = after(qemuArgv(guest), '-netdev');
  assert.match(nat, /^user,/);
  assert.match(nat, /restrict=on/);
  assert.match(nat, /hostfwd=tcp:127\.0\.0\.1:40022-:22/);
  assert.not.match(nat, /hostfwd=tcp::|hostfwd=tcp:0\.0\.0\.0/);
  // The node network: multicast on loopback, the lab's own port.
  assert.is(lan, 'socket,id=lan,mcast=230.0.0.1:31234,localaddr=127.0.0.1');
});

test('the overlay is the root disk, the data disk is read-only', () => {
  const [root, data] = after(qemuArgv(guest), '-drive');
  assert.match(root, /^file=\/t\/node2\.qcow2,if=virtio,format=qcow2/);
  assert.match(data, /^file=\/t\/data\.img,if=virtio,format=raw,readonly=on$/);
  assert.equal(overlayArgv('/c/disk.qcow2', '/t/o.qcow2'), ['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', '/c/disk.qcow2', '/t/o.qcow2']);
  assert.equal(dataDiskArgv('/t/d', '/t/d.img', 150).slice(-3), ['/t/d', '/t/d.img', '150M']);
});

test('MAC addresses differ per NIC, lab and guest', () => {
  assert.is(macAddress(1, 0xab, 1), '52:54:00:01:ab:02');
  const macs = new Set([macAddress(0, 1, 0), macAddress(1, 1, 0), macAddress(0, 2, 0), macAddress(0, 1, 1)]);
  assert.is(macs.size, 4);
  const devices = after(qemuArgv(guest), '-device');
  assert.match(devices[0], /mac=52:54:00:00:ab:02$/);
  assert.match(devices[1], /mac=52:54:00:01:ab:02$/);
});

test('ssh uses the key, one control connection, and never trusts or records host keys', () => {
  const argv = sshArgv({ key: '/k', port: 40022, controlPath: '/t/ssh-node2' });
  assert.equal(after(argv, '-i'), ['/k']);
  assert.equal(after(argv, '-p'), ['40022']);
  const o = after(argv, '-o');
  for (const want of ['BatchMode=yes', 'UserKnownHostsFile=/dev/null', 'ControlPath=/t/ssh-node2', 'ControlMaster=auto']) assert.ok(o.includes(want), want);
  assert.is(argv.at(-1), 'vagrant@127.0.0.1');
});

test('shellQuote keeps plain words and quotes the rest', () => {
  assert.is(shellQuote('MINIK_ROLE=server'), 'MINIK_ROLE=server');
  assert.is(shellQuote("it's a b"), `'it'\\''s a b'`);
});

test.run();
