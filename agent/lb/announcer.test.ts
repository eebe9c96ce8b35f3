import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeExec } from '../../api/exec/fake.ts';
import { Announcer, AnnouncerError, OWNED_LABEL_FALLBACK, interfaceHolding, ownedLabel, planAddresses } from './announcer.ts';

interface Addr {
  local: string;
  prefixlen: number;
  label: string;
}

/** A FakeExec that keeps one interface's addresses like the kernel would, so `ip -j addr` reflects earlier adds and deletes. */
function fakeNode(iface = 'eth0', initial: Addr[] = [{ local: '192.168.83.11', prefixlen: 24, label: iface }]) {
  const addrs: Addr[] = [...initial];
  const exec = new FakeExec();
  const links = () => [
    { ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8, label: 'lo' }] },
    { ifname: iface, addr_info: addrs.map((a) => ({ family: 'inet', ...a })) },
  ];
  exec.on(`ip -j addr show dev ${iface}`, () => ({ stdout: JSON.stringify([links()[1]]) }));
  exec.on('ip -j addr show dev', () => ({ code: 1, stderr: 'Device does not exist.' }));
  exec.on('ip -j addr show', () => ({ stdout: JSON.stringify(links()) }));
  exec.on('ip addr add', (argv) => {
    const [ip, len] = argv[3].split('/');
    const label = argv[argv.indexOf('label') + 1] ?? iface;
    if (addrs.some((a) => a.local === ip)) return { code: 2, stderr: 'RTNETLINK answers: File exists' };
    addrs.push({ local: ip, prefixlen: Number(len), label });
    return {};
  });
  exec.on('ip addr del', (argv) => {
    const [ip] = argv[3].split('/');
    const i = addrs.findIndex((a) => a.local === ip);
    if (i < 0) return { code: 2, stderr: 'RTNETLINK answers: Cannot assign requested address' };
    addrs.splice(i, 1);
    return {};
  });
  return { exec, addrs, ips: () => addrs.map((a) => a.local) };
}

const mutations = (exec: FakeExec) => exec.commands().filter((c) => !c.startsWith('ip -j'));

test('ownedLabel: <iface>:mlb within 15 characters, a fixed fallback beyond', () => {
  assert.is(ownedLabel('eth0'), 'eth0:mlb');
  assert.is(ownedLabel('enp0s8'), 'enp0s8:mlb');
  assert.is(ownedLabel('verylongname0'), OWNED_LABEL_FALLBACK);
  assert.ok(OWNED_LABEL_FALLBACK.length <= 15);
});

test('interfaceHolding: the link carrying the node IP', () => {
  const links = [
    { ifname: 'eth0', addr_info: [{ family: 'inet' as const, local: '10.0.2.15', prefixlen: 24 }] },
    { ifname: 'eth1', addr_info: [{ family: 'inet' as const, local: '192.168.56.11', prefixlen: 24 }] },
  ];
  assert.is(interfaceHolding(links, '192.168.56.11'), 'eth1');
  assert.is(interfaceHolding(links, '192.168.56.99'), undefined);
});

test('planAddresses: adds what is missing, removes only /32s with our label', () => {
  const current = [
    { family: 'inet' as const, local: '192.168.83.11', prefixlen: 24, label: 'eth0' },
    { family: 'inet' as const, local: '192.168.83.201', prefixlen: 32, label: 'eth0:mlb' },
    { family: 'inet' as const, local: '192.168.83.202', prefixlen: 32, label: 'eth0' },
    { family: 'inet' as const, local: '192.168.83.203', prefixlen: 32, label: 'eth0:mlb' },
  ];
  const plan = planAddresses(current, ['192.168.83.200', '192.168.83.203', '192.168.83.202'], 'eth0:mlb');
  assert.equal(plan.add, ['192.168.83.200'], '.202 is present (not ours): not added again');
  assert.equal(plan.remove, ['192.168.83.201']);
  assert.equal(planAddresses(current, [], 'eth0:mlb').remove, ['192.168.83.201', '192.168.83.203'], 'never .11 or the unlabelled .202');
});

test('sync: finds the interface by the node IP, adds a labelled /32 and sends both kinds of gratuitous ARP', async () => {
  const node = fakeNode('eth1');
  const announcer = new Announcer({ nodeIp: '192.168.83.11', exec: node.exec });
  const result = await announcer.sync(['192.168.83.200']);
  await announcer.settled();
  assert.equal(result, { added: ['192.168.83.200'], removed: [] });
  assert.equal(mutations(node.exec), [
    'ip addr add 192.168.83.200/32 dev eth1 label eth1:mlb noprefixroute',
    'arping -U -c 1 -I eth1 192.168.83.200',
    'arping -A -c 1 -I eth1 192.168.83.200',
  ]);
  assert.equal(node.ips(), ['192.168.83.11', '192.168.83.200']);
  assert.equal(announcer.holding(), ['192.168.83.200']);
});

test('sync: the same desired set runs no command; a change adds and removes only the difference', async () => {
  const node = fakeNode();
  const announcer = new Announcer({ nodeIp: '192.168.83.11', exec: node.exec });
  await announcer.sync(['192.168.83.200', '192.168.83.201']);
  const before = node.exec.calls.length;
  await announcer.sync(['192.168.83.201', '192.168.83.200']);
  assert.is(node.exec.calls.length, before, 'no command for an unchanged set');

  node.exec.calls.length = 0;
  const result = await announcer.sync(['192.168.83.201', '192.168.83.202']);
  await announcer.settled();
  assert.equal(result, { added: ['192.168.83.202'], removed: ['192.168.83.200'] });
  assert.equal(mutations(node.exec).filter((c) => c.startsWith('ip ')), [
    'ip addr del 192.168.83.200/32 dev eth0',
    'ip addr add 192.168.83.202/32 dev eth0 label eth0:mlb noprefixroute',
  ]);
  assert.equal(node.ips(), ['192.168.83.11', '192.168.83.201', '192.168.83.202']);
});

test('sync: never removes addresses it did not add; adopts its own label left by a killed agent', async () => {
  const node = fakeNode('eth0', [
    { local: '192.168.83.11', prefixlen: 24, label: 'eth0' },
    { local: '192.168.83.220', prefixlen: 32, label: 'eth0' }, // someone else's
    { local: '192.168.83.221', prefixlen: 32, label: 'eth0:mlb' }, // an earlier agent's, still wanted
    { local: '192.168.83.222', prefixlen: 32, label: 'eth0:mlb' }, // an earlier agent's, no longer wanted
  ]);
  const announcer = new Announcer({ nodeIp: '192.168.83.11', exec: node.exec });
  const result = await announcer.sync(['192.168.83.221']);
  assert.equal(result, { added: [], removed: ['192.168.83.222'] });
  assert.equal(node.ips(), ['192.168.83.11', '192.168.83.220', '192.168.83.221']);
  assert.equal(announcer.holding(), ['192.168.83.221']);

  await announcer.releaseAll();
  assert.equal(node.ips(), ['192.168.83.11', '192.168.83.220'], 'release leaves the node IP and the foreign /32');
  assert.equal(announcer.holding(), []);
});

test('sync with force re-reads the kernel and repairs an address removed behind our back', async () => {
  const node = fakeNode();
  const announcer = new Announcer({ nodeIp: '192.168.83.11', exec: node.exec });
  await announcer.sync(['192.168.83.200']);
  node.addrs.splice(node.addrs.findIndex((a) => a.local === '192.168.83.200'), 1);
  assert.equal((await announcer.sync(['192.168.83.200'])).added, [], 'without force the cached view is trusted');
  assert.equal((await announcer.sync(['192.168.83.200'], { force: true })).added, ['192.168.83.200']);
  assert.ok(node.ips().includes('192.168.83.200'));
});

test('no interface holds the node IP: AnnouncerError LB_NO_INTERFACE, nothing changed', async () => {
  const node = fakeNode();
  const announcer = new Announcer({ nodeIp: '192.168.83.99', exec: node.exec });
  try {
    await announcer.sync(['192.168.83.200']);
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, AnnouncerError);
    assert.is((err as AnnouncerError).code, 'LB_NO_INTERFACE');
    assert.match((err as Error).message, '192.168.83.99');
  }
  assert.equal(mutations(node.exec), []);
});

test('arping missing: logged once, the address is still held', async () => {
  const node = fakeNode();
  node.exec.on('arping', { code: 127, stderr: 'spawn arping ENOENT' });
  const lines: string[] = [];
  const announcer = new Announcer({ nodeIp: '192.168.83.11', exec: node.exec, log: (l) => lines.push(l) });
  await announcer.sync(['192.168.83.200', '192.168.83.201']);
  await announcer.settled();
  assert.equal(announcer.holding(), ['192.168.83.200', '192.168.83.201']);
  assert.is(lines.filter((l) => l.includes('arping not found')).length, 1);
});

test.run();
