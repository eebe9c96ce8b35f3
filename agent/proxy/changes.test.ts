import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChangeTracker, diffModels, staleUdpFlows } from './changes.ts';
import { buildProxyModel, createProxyModelBuilder, type ProxyModel } from './model.ts';
import { endpoints, service } from './nftables/scenarios.ts';

function model(n: number, epsOf: (i: number) => string[] = () => ['10.244.1.1@node2', '10.244.2.1@node3'], extra: Record<string, unknown> = {}): ProxyModel {
  const services = Array.from({ length: n }, (_, i) =>
    service('default', `s${i}`, { clusterIP: `10.96.1.${i + 1}`, ...extra, ports: [{ name: 'tcp-80', port: 80 }, { name: 'udp-53', port: 53, protocol: 'UDP' }] }),
  );
  const eps = services.map((_, i) => endpoints('default', `s${i}`, epsOf(i), [['tcp-80', 8080], ['udp-53', 5353, 'UDP']]));
  return buildProxyModel({ services, endpoints: eps, node: 'node1' });
}

test('first sync: everything is new, nothing is stale', () => {
  const t = new ChangeTracker();
  const c = t.next(model(3));
  assert.ok(c.first);
  assert.is(c.changed.length, 6);
  assert.equal(c.staleUdp, []);
});

test('an endpoint replaced in one UDP service: only that service changes, its old endpoint is stale (ClusterIP)', () => {
  const t = new ChangeTracker();
  t.commit(model(50));
  const c = t.next(model(50, (i) => (i === 7 ? ['10.244.1.1@node2', '10.244.2.9@node3'] : ['10.244.1.1@node2', '10.244.2.1@node3'])));
  assert.not.ok(c.first);
  assert.equal(c.changed.map((x) => x.after!.key), ['default/s7:53/udp', 'default/s7:80/tcp']);
  assert.equal(c.staleUdp, [{ kind: 'address', serviceIp: '10.96.1.8', servicePort: 53, endpointIp: '10.244.2.1', endpointPort: 5353 }]);
});

test('not committed: the same change (and stale flows) comes back, so a failed sync loses nothing', () => {
  const t = new ChangeTracker();
  t.commit(model(2));
  const next = model(2, () => ['10.244.1.1@node2']);
  assert.is(t.next(next).staleUdp.length, 2);
  assert.is(t.next(next).staleUdp.length, 2);
  t.commit(next);
  assert.equal(t.next(next).changed, []);
});

test('NodePort and LoadBalancer flows of a UDP service are stale too', () => {
  const before = model(1, undefined, { type: 'LoadBalancer' });
  before.servicePorts.forEach((sp) => {
    sp.nodePort = sp.protocol === 'udp' ? 30053 : 30080;
    sp.loadBalancerIPs = ['192.168.77.200'];
  });
  const after = structuredClone(before);
  for (const sp of after.servicePorts) sp.endpoints = sp.endpoints.filter((e) => e.ip !== '10.244.2.1');
  const stale = staleUdpFlows(diffModels(before, after));
  assert.equal(stale, [
    { kind: 'address', serviceIp: '10.96.1.1', servicePort: 53, endpointIp: '10.244.2.1', endpointPort: 5353 },
    { kind: 'address', serviceIp: '192.168.77.200', servicePort: 53, endpointIp: '10.244.2.1', endpointPort: 5353 },
    { kind: 'nodePort', nodePort: 30053, endpointIp: '10.244.2.1', endpointPort: 5353 },
  ]);
});

test('a deleted UDP service: all its flows are stale; a TCP change never is', () => {
  const stale = staleUdpFlows(diffModels(model(1), { ...model(1), servicePorts: [] }));
  assert.is(stale.length, 2);
  assert.ok(stale.every((s) => s.kind === 'address' && s.servicePort === 53));
});

test('the cached model builder returns the same objects: unchanged services compare by identity', () => {
  const build = createProxyModelBuilder();
  const services = [service('default', 'a', { clusterIP: '10.96.0.20', ports: [{ port: 80 }] })];
  const eps = [endpoints('default', 'a', ['10.244.1.1@node1'], [[undefined, 80]])];
  const m1 = build({ services, endpoints: eps, node: 'node1' });
  const m2 = build({ services, endpoints: eps, node: 'node1' });
  assert.is(m1.servicePorts[0], m2.servicePorts[0]);
  assert.equal(diffModels(m1, m2), []);
});

test.run();
