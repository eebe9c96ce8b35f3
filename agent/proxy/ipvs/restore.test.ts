import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffIpvs, renderRestore } from './restore.ts';
import type { VirtualServer } from './types.ts';

const rs = (address: string, port = 8080) => ({ address, port, weight: 1, forwarding: 'masq' as const });
const vs = (address: string, port: number, reals: string[], extra: Partial<VirtualServer> = {}): VirtualServer => ({
  protocol: 'tcp',
  address,
  port,
  scheduler: 'rr',
  realServers: reals.map((r) => rs(r)),
  ...extra,
});

test('render: the rule form ipvsadm -R reads', () => {
  assert.is(
    renderRestore([vs('10.96.0.20', 80, ['10.244.0.5']), { ...vs('10.96.0.30', 53, []), protocol: 'udp', persistence: 600, scheduler: 'sh' }]),
    '-A -t 10.96.0.20:80 -s rr\n-a -t 10.96.0.20:80 -r 10.244.0.5:8080 -m -w 1\n-A -u 10.96.0.30:53 -s sh -p 600\n',
  );
  assert.is(renderRestore([]), '');
});

test('diff: nothing changed → no commands', () => {
  const a = [vs('10.96.0.20', 80, ['10.244.0.5', '10.244.1.5'])];
  assert.equal(diffIpvs(a, structuredClone(a)).commands, []);
});

test('diff: one endpoint replaced → one -d and one -a, the service untouched', () => {
  const d = diffIpvs([vs('10.96.0.20', 80, ['10.244.0.5', '10.244.1.5'])], [vs('10.96.0.20', 80, ['10.244.0.5', '10.244.2.5'])]);
  assert.equal(d.commands, ['-d -t 10.96.0.20:80 -r 10.244.1.5:8080', '-a -t 10.96.0.20:80 -r 10.244.2.5:8080 -m -w 1']);
  assert.is(d.realServerChanges, 2);
  assert.is(d.addedServices + d.deletedServices + d.editedServices, 0);
});

test('diff: scheduler or persistence change → -E; weight change → -e', () => {
  const before = [vs('10.96.0.20', 80, ['10.244.0.5'])];
  const after = [{ ...vs('10.96.0.20', 80, []), persistence: 10800, realServers: [{ ...rs('10.244.0.5'), weight: 2 }] }];
  assert.equal(diffIpvs(before, after).commands, ['-E -t 10.96.0.20:80 -s rr -p 10800', '-e -t 10.96.0.20:80 -r 10.244.0.5:8080 -m -w 2']);
});

test('diff: removed services are deleted only when minik owns them; deletes come first', () => {
  const current = [vs('10.96.0.20', 80, ['10.244.0.5']), vs('172.17.0.1', 80, ['172.17.0.2'])];
  const desired = [vs('10.96.0.21', 80, ['10.244.0.6'])];
  const d = diffIpvs(current, desired, (v) => v.address.startsWith('10.96.'));
  assert.equal(d.commands, ['-D -t 10.96.0.20:80', '-A -t 10.96.0.21:80 -s rr', '-a -t 10.96.0.21:80 -r 10.244.0.6:8080 -m -w 1']);
  assert.is(d.deletedServices, 1);
  assert.is(d.addedServices, 1);
});

test('diff: same address and port, other protocol → different virtual servers', () => {
  const d = diffIpvs([vs('10.96.0.20', 53, [])], [{ ...vs('10.96.0.20', 53, []), protocol: 'udp' }]);
  assert.equal(d.commands, ['-D -t 10.96.0.20:53', '-A -u 10.96.0.20:53 -s rr']);
});

test.run();
