import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeExec } from '../../api/exec/fake.ts';
import { PROXY_MODES } from '../../api/layout.ts';
import { cleanupOtherModes, MODES, modeCommands, proxyModeProblem } from './registry.ts';

test('every mode of the design is registered', () => {
  assert.equal(Object.keys(MODES).sort(), [...PROXY_MODES].sort());
});

test('ipvs without ip_vs: one line naming the module and what modprobe said; nothing but probes ran', async () => {
  const exec = new FakeExec()
    .on('test -e /proc/net/ip_vs', { code: 1 })
    .on('modprobe ip_vs', { code: 1, stderr: "modprobe: FATAL: Module ip_vs not found in directory /lib/modules/6.18\n" });
  assert.is(
    await proxyModeProblem('ipvs', exec),
    'proxy mode "ipvs" needs the ip_vs kernel module (modprobe ip_vs: modprobe: FATAL: Module ip_vs not found in directory /lib/modules/6.18)',
  );
  assert.equal(exec.commands(), ['test -e /proc/net/ip_vs', 'modprobe ip_vs']);
});

test('no modprobe at all reads as such', async () => {
  const exec = new FakeExec().on('test -e', { code: 1 }).on('modprobe', { code: 127, stderr: 'spawn modprobe ENOENT' });
  assert.match((await proxyModeProblem('ipvs', exec))!, /\(modprobe ip_vs: modprobe not found\)$/);
});

test('a module that modprobe loads is fine; a missing command names its Debian package', async () => {
  let loaded = false;
  const exec = new FakeExec()
    .on('test -e /proc/net/ip_tables_names', () => ({ code: loaded ? 0 : 1 }))
    .on('modprobe ip_tables', () => ((loaded = true), { code: 0 }))
    .on('sh -c command -v iptables-legacy-restore', { code: 1 });
  assert.is(await proxyModeProblem('iptables', exec), 'proxy mode "iptables" needs iptables-legacy-restore (Debian package iptables): install it, e.g. with scripts/deps.sh');
  assert.ok(loaded);
});

test('nftables needs only nft; unknown modes are refused by name', async () => {
  assert.is(await proxyModeProblem('nftables', new FakeExec()), undefined);
  assert.equal(modeCommands('nftables'), { nft: 'nftables' });
  await proxyModeProblem('kernelspace', new FakeExec()).then(
    () => assert.unreachable(),
    (err) => assert.match(err.message, /unknown proxy mode "kernelspace": must be one of nftables, iptables, ipvs, userspace/),
  );
});

test('cleanup of other modes never touches the kept one', async () => {
  const exec = new FakeExec();
  const cleaned = await cleanupOtherModes('iptables', exec, () => {});
  assert.not.ok(cleaned.includes('iptables'));
  assert.ok(cleaned.includes('nftables'));
  assert.ok(exec.calls.some((c) => c.argv.join(' ') === 'nft -f -' && c.input === 'add table ip minik\ndelete table ip minik\n'));
});

test.run();
