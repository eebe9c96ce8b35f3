import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Node } from '../../api/types.ts';
import { cidrContains } from '../../api/ip.ts';
import { buildProxyModel, createProxyModelBuilder } from './model.ts';
import { endpoints, service } from './nftables/scenarios.ts';

test('one entry per service port with its ready endpoints, sorted, locality from nodeName', () => {
  const m = buildProxyModel({
    node: 'node1',
    services: [service('default', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] })],
    endpoints: [endpoints('default', 'web', ['10.244.1.5@node2', '10.244.0.5@node1'], [['http', 8080], ['dns', 5353, 'UDP']], ['10.244.0.9@node1'])],
  });
  assert.equal(m.servicePorts.map((p) => p.key), ['default/web:53/udp', 'default/web:80/tcp']);
  const http = m.servicePorts[1];
  assert.equal(http.endpoints, [
    { ip: '10.244.0.5', port: 8080, isLocal: true, nodeName: 'node1' },
    { ip: '10.244.1.5', port: 8080, isLocal: false, nodeName: 'node2' },
  ]);
  assert.is(m.servicePorts[0].endpoints[0].port, 5353);
  assert.is(http.portName, 'http');
  assert.is(m.clusterCidr, '10.244.0.0/16');
  assert.is(m.serviceCidr, '10.96.0.0/12');
});

test('skips ExternalName, headless, unallocated and the cluster DNS service', () => {
  const m = buildProxyModel({
    node: 'n',
    services: [
      service('kube-system', 'kube-dns', { clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }] }),
      service('default', 'ext', { type: 'ExternalName', externalName: 'example.com' }),
      service('default', 'headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
      service('default', 'pending', { ports: [{ port: 80 }] }),
      service('default', 'kept', { clusterIP: '10.96.0.30', ports: [{ port: 80 }] }),
    ],
    endpoints: [],
  });
  assert.equal(m.servicePorts.map((p) => p.name), ['kept']);
  assert.equal(m.servicePorts[0].endpoints, []);
});

test('NodePort, LoadBalancer ingress IPs, traffic policies and ClientIP affinity', () => {
  const m = buildProxyModel({
    node: 'n1',
    services: [
      service('d', 'lb', {
        type: 'LoadBalancer',
        clusterIP: '10.96.0.40',
        externalTrafficPolicy: 'Local',
        internalTrafficPolicy: 'Local',
        sessionAffinity: 'ClientIP',
        ports: [{ port: 443, nodePort: 31443 }],
      }, ['192.168.77.200']),
      service('d', 'cip', { clusterIP: '10.96.0.41', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80, nodePort: 30001 }] }),
    ],
    endpoints: [endpoints('d', 'lb', ['10.244.0.2'], [[undefined, 8443]])],
  });
  const [cip, lb] = m.servicePorts;
  assert.is(lb.nodePort, 31443);
  assert.equal(lb.loadBalancerIPs, ['192.168.77.200']);
  assert.ok(lb.externalLocal && lb.internalLocal);
  assert.is(lb.affinityTimeoutSeconds, 10800);
  assert.is(lb.endpoints[0].port, 8443, 'unnamed single port matches');
  assert.is(cip.affinityTimeoutSeconds, 60);
  assert.is(cip.nodePort, undefined, 'a ClusterIP service has no node port even if the spec carries one');
  assert.not.ok(cip.externalLocal);
});

test('without nodeName, an endpoint is local when its IP is in this node\'s podCIDR', () => {
  const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: '10.244.3.0/24' } };
  const m = buildProxyModel({
    node: 'n1',
    nodes: [node],
    services: [service('d', 's', { clusterIP: '10.96.0.50', ports: [{ port: 80 }] })],
    endpoints: [endpoints('d', 's', ['10.244.3.7', '10.244.4.7'], [[undefined, 80]])],
  });
  assert.equal(m.servicePorts[0].endpoints.map((e) => e.isLocal), [true, false]);
});

test('port matching: by name and protocol; a mismatching port gives no endpoints; duplicates collapse', () => {
  const svc = service('d', 's', { clusterIP: '10.96.0.60', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] });
  const eps = endpoints('d', 's', ['10.244.0.1', '10.244.0.1'], [['a', 8080], ['c', 9090]]);
  const m = buildProxyModel({ node: 'n', services: [svc], endpoints: [eps] });
  assert.equal(m.servicePorts.map((p) => p.endpoints.length), [1, 0]);
});

test('the memoizing builder returns the same objects for unchanged Services and Endpoints', () => {
  const build = createProxyModelBuilder();
  const a = service('d', 'a', { clusterIP: '10.96.0.70', ports: [{ port: 80 }] });
  const b = service('d', 'b', { clusterIP: '10.96.0.71', ports: [{ port: 80 }] });
  const epsA = endpoints('d', 'a', ['10.244.0.1@n'], [[undefined, 80]]);
  const first = build({ node: 'n', services: [a, b], endpoints: [epsA] });
  const second = build({ node: 'n', services: [a, b], endpoints: [endpoints('d', 'a', ['10.244.0.2@n'], [[undefined, 80]])] });
  assert.is(second.servicePorts[1], first.servicePorts[1], 'b untouched: same object');
  assert.is.not(second.servicePorts[0], first.servicePorts[0]);
  assert.is(second.servicePorts[0].endpoints[0].ip, '10.244.0.2');
  assert.equal(build({ node: 'n', services: [a, b], endpoints: [epsA] }), buildProxyModel({ node: 'n', services: [a, b], endpoints: [epsA] }));
  assert.equal(build({ node: 'n', services: [b], endpoints: [] }).servicePorts.map((p) => p.name), ['b']);
});

test('cidrContains', () => {
  assert.ok(cidrContains('10.96.0.0/12', '10.111.255.255'));
  assert.not.ok(cidrContains('10.96.0.0/12', '10.112.0.0'));
  assert.ok(cidrContains('0.0.0.0/0', '1.2.3.4'));
});

test.run();
