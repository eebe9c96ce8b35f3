// The proxier against a fake node (fake.ts): what it reads, what it sends to
// ipvsadm -R, ip -batch and nft, and that the node ends up as compiled.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeNft } from '../../nft/index.ts';
import { buildProxyModel, type ProxyModel } from '../model.ts';
import { endpoints, service } from '../nftables/scenarios.ts';
import { compile } from './compile.ts';
import { fakeIpvsHost } from './fake.ts';
import { cleanupIpvs } from './host.ts';
import { IpvsProxier, type IpvsChange } from './proxier.ts';
import { renderRestore } from './restore.ts';

const NODE_IP = '192.168.77.11';

function model(webEndpoints: string[], extra: { withDb?: boolean } = {}): ProxyModel {
  const services = [
    service('default', 'web', { type: 'NodePort', clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'alt', port: 81, nodePort: 30081 }] }),
  ];
  const eps = [endpoints('default', 'web', webEndpoints, [['http', 8080], ['alt', 8081]])];
  if (extra.withDb) {
    services.push(service('default', 'db', { clusterIP: '10.96.0.30', ports: [{ port: 5432 }] }));
    eps.push(endpoints('default', 'db', ['10.244.1.9@node2'], [[undefined, 5432]]));
  }
  return buildProxyModel({ services, endpoints: eps, node: 'node1' });
}

/** What the front end's change tracker would hand over. */
function changes(prev: ProxyModel | undefined, next: ProxyModel): IpvsChange[] {
  const before = new Map((prev?.servicePorts ?? []).map((sp) => [sp.key, sp]));
  const out: IpvsChange[] = [];
  for (const after of next.servicePorts) {
    const b = before.get(after.key);
    before.delete(after.key);
    if (!b || JSON.stringify(b) !== JSON.stringify(after)) out.push({ before: b, after });
  }
  for (const b of before.values()) out.push({ before: b });
  return out;
}

function setup() {
  const host = fakeIpvsHost();
  const nft = new FakeNft();
  const proxier = new IpvsProxier({ exec: host.exec, nft, nodeIps: [NODE_IP] });
  let last: ProxyModel | undefined;
  const sync = (m: ProxyModel) => {
    const r = proxier.sync({ model: m, changed: changes(last, m), first: last === undefined });
    return r.then((x) => ((last = m), x));
  };
  return { host, nft, proxier, sync };
}

const restoreInputs = (host: ReturnType<typeof fakeIpvsHost>) => host.exec.calls.filter((c) => c.argv.join(' ') === 'ipvsadm -R').map((c) => c.input!);

test('first sync: dummy link, sysctls, every virtual server, the addresses and the helper table', async () => {
  const { host, nft, sync } = setup();
  const m = model(['10.244.0.5@node1', '10.244.1.5@node2']);
  const r = await sync(m);
  assert.is(r.kind, 'full');
  assert.is(r.reason, 'start');
  assert.ok(host.link);
  const cmds = host.exec.commands();
  assert.ok(cmds.some((c) => c.startsWith('sysctl -q -w net.ipv4.vs.conntrack=1')), 'sysctls set');
  assert.ok(cmds.includes('ipvsadm -Sn'), 'read the kernel first');
  assert.is(host.save(), renderRestore(compile(m, { nodeIps: [NODE_IP] }).virtualServers));
  assert.equal([...host.addresses], ['10.96.0.20']);
  const table = await nft.listTable('ip', 'minik-ipvs');
  assert.ok(table, 'helper table exists');
  assert.equal(table!.sets.find((s) => s.name === 'node-ports')!.elements.map((e) => e.key).sort(), ['tcp . 30080', 'tcp . 30081']);
});

test('one endpoint changes: only its real servers move, nothing is read back', async () => {
  const { host, sync } = setup();
  await sync(model(['10.244.0.5@node1', '10.244.1.5@node2']));
  host.exec.calls.length = 0;
  const r = await sync(model(['10.244.0.5@node1', '10.244.2.5@node3']));
  assert.is(r.kind, 'partial');
  assert.not.ok(host.exec.commands().includes('ipvsadm -Sn'));
  const [input] = restoreInputs(host);
  const lines = input.trim().split('\n');
  // 2 ports × (ClusterIP + NodePort) virtual servers, each: one -d and one -a
  assert.is(lines.length, 8);
  assert.ok(lines.every((l) => /^-[da] /.test(l)), lines.join('\n'));
  assert.ok(lines.includes('-d -t 10.96.0.20:80 -r 10.244.1.5:8080'));
  assert.ok(lines.includes('-a -t 192.168.77.11:30081 -r 10.244.2.5:8081 -m -w 1'));
  assert.not.ok(host.exec.commands().includes('ip -batch -'), 'addresses unchanged: no ip call');
});

test('a service comes and goes: its address is bound while any of its ports needs it', async () => {
  const { host, nft, sync } = setup();
  await sync(model(['10.244.0.5@node1']));
  await sync(model(['10.244.0.5@node1'], { withDb: true }));
  assert.equal([...host.addresses].sort(), ['10.96.0.20', '10.96.0.30']);
  assert.match(host.save(), /-A -t 10\.96\.0\.30:5432 -s rr/);
  await sync(model(['10.244.0.5@node1']));
  assert.equal([...host.addresses], ['10.96.0.20']);
  assert.not.match(host.save(), /10\.96\.0\.30/);
  const sets = (await nft.listTable('ip', 'minik-ipvs'))!.sets;
  assert.not.ok(sets.find((s) => s.name === 'service-ips')!.elements.some((e) => e.key.startsWith('10.96.0.30')));
  // no endpoints: virtual servers stay (ipvsadm -Ln shows them), the helper rejects
  await sync(model([]));
  assert.match(host.save(), /-A -t 10\.96\.0\.20:80 -s rr\n-A/);
  const noEp = (await nft.listTable('ip', 'minik-ipvs'))!.sets.find((s) => s.name === 'no-endpoint-services')!;
  assert.equal(noEp.elements.map((e) => e.value), ['goto reject-service', 'goto reject-service']);
});

test('start: stale minik virtual servers go, foreign ones stay, stale addresses are unbound', async () => {
  const { host, sync } = setup();
  host.link = true;
  host.addresses.add('10.96.9.9');
  host.services.set('tcp 10.96.9.9:80', { protocol: 'tcp', address: '10.96.9.9', port: 80, scheduler: 'rr', realServers: [] });
  host.services.set('tcp 192.168.77.11:31999', { protocol: 'tcp', address: NODE_IP, port: 31999, scheduler: 'rr', realServers: [] });
  host.services.set('tcp 172.17.0.1:80', { protocol: 'tcp', address: '172.17.0.1', port: 80, scheduler: 'wlc', realServers: [] });
  host.services.set('tcp 192.168.77.11:22', { protocol: 'tcp', address: NODE_IP, port: 22, scheduler: 'wlc', realServers: [] });
  await sync(model(['10.244.0.5@node1']));
  const save = host.save();
  assert.not.match(save, /10\.96\.9\.9/);
  assert.not.match(save, /:31999/);
  assert.match(save, /-A -t 172\.17\.0\.1:80 -s wlc/);
  assert.match(save, /-A -t 192\.168\.77\.11:22 -s wlc/);
  assert.equal([...host.addresses], ['10.96.0.20']);
});

test('a refused ipvsadm line makes the next step a full resync that repairs the node', async () => {
  const { host, sync } = setup();
  await sync(model(['10.244.0.5@node1']));
  // someone deletes our virtual server behind our back; our -a for it then fails
  host.services.delete('tcp 10.96.0.20:80');
  const r = await sync(model(['10.244.0.5@node1', '10.244.1.5@node2']));
  assert.is(r.kind, 'full');
  assert.is(r.reason, 'retry-after-error');
  assert.is(host.save(), renderRestore(compile(model(['10.244.0.5@node1', '10.244.1.5@node2']), { nodeIps: [NODE_IP] }).virtualServers));
});

test('periodic full resync repairs drift nobody reported', async () => {
  const host = fakeIpvsHost();
  let now = 0;
  const proxier = new IpvsProxier({ exec: host.exec, nft: new FakeNft(), nodeIps: [NODE_IP], fullResyncIntervalMs: 1000, now: () => now });
  const m = model(['10.244.0.5@node1']);
  await proxier.sync({ model: m, changed: changes(undefined, m), first: true });
  host.services.clear();
  assert.is((await proxier.sync({ model: m, changed: [], first: false })).kind, 'unchanged');
  now = 1000;
  const r = await proxier.sync({ model: m, changed: [], first: false });
  assert.is(r.reason, 'periodic');
  assert.match(host.save(), /-A -t 10\.96\.0\.20:80/);
});

test('cleanup removes minik virtual servers, the dummy link and the helper table, and leaves foreign ones', async () => {
  const { host, sync } = setup();
  await sync(model(['10.244.0.5@node1']));
  host.services.set('tcp 172.17.0.1:80', { protocol: 'tcp', address: '172.17.0.1', port: 80, scheduler: 'wlc', realServers: [] });
  host.nodeAddresses = [NODE_IP];
  await cleanupIpvs(host.exec);
  assert.is(host.save(), '-A -t 172.17.0.1:80 -s wlc\n');
  assert.not.ok(host.link);
  assert.ok(host.exec.calls.some((c) => c.argv.join(' ') === 'nft -f -' && c.input === 'add table ip minik-ipvs\ndelete table ip minik-ipvs\n'));
  // again: nothing there is fine
  await cleanupIpvs(host.exec);
});

test.run();
