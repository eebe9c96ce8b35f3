import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Endpoints, Node, Service } from '../../api/types.ts';
import {
  EXCLUDE_FROM_LB_LABEL,
  announcements,
  announcerFor,
  candidatesByIp,
  desiredAddresses,
  eligibleNodes,
  loadBalancerIps,
} from './election.ts';

const node = (name: string, ready = true, labels?: Record<string, string>): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels },
  spec: {},
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'Unknown' }] },
});

const lbService = (name: string, ips: string[], policy?: 'Local' | 'Cluster', type: Service['spec']['type'] = 'LoadBalancer'): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { type, clusterIP: '10.96.0.20', ports: [{ port: 80 }], externalTrafficPolicy: policy },
  status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
});

const endpointsOn = (name: string, nodes: string[]): Endpoints => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name, namespace: 'default' },
  subsets: [
    {
      addresses: nodes.map((n, i) => ({ ip: `10.244.${i}.5`, nodeName: n })),
      notReadyAddresses: [{ ip: '10.244.9.9', nodeName: 'node9' }],
      ports: [{ port: 8080 }],
    },
  ],
});

const ipsOf = (n: number) => Array.from({ length: n }, (_, i) => `192.168.83.${200 + i}`);

test('announcerFor: deterministic, independent of the candidates\' order, undefined without candidates', () => {
  const a = announcerFor('192.168.83.200', ['node1', 'node2', 'node3']);
  assert.ok(a && ['node1', 'node2', 'node3'].includes(a));
  assert.is(announcerFor('192.168.83.200', ['node3', 'node1', 'node2']), a);
  assert.is(announcerFor('192.168.83.200', ['node2', 'node3', 'node1']), a);
  assert.is(announcerFor('192.168.83.200', []), undefined);
  assert.is(announcerFor('192.168.83.200', ['only']), 'only');
});

test('announcerFor: a node leaving moves only the IPs it held; one joining takes only IPs it wins', () => {
  const three = ['node1', 'node2', 'node3'];
  const before = new Map(ipsOf(51).map((ip) => [ip, announcerFor(ip, three)!]));
  const gone = 'node2';
  let moved = 0;
  for (const [ip, owner] of before) {
    const after = announcerFor(ip, three.filter((n) => n !== gone));
    if (owner === gone) {
      moved++;
      assert.ok(after !== gone);
    } else assert.is(after, owner, `${ip} stays on ${owner}`);
  }
  assert.ok(moved > 0, 'node2 held some of 51 IPs');

  const four = [...three, 'node4'];
  for (const [ip, owner] of before) {
    const after = announcerFor(ip, four);
    assert.ok(after === owner || after === 'node4', `${ip}: ${owner} -> ${after}`);
  }
});

test('announcerFor: 51 IPs spread over 3 nodes (each gets some)', () => {
  const counts = new Map<string, number>();
  for (const ip of ipsOf(51)) {
    const n = announcerFor(ip, ['node1', 'node2', 'node3'])!;
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  assert.equal([...counts.keys()].sort(), ['node1', 'node2', 'node3']);
  for (const [, c] of counts) assert.ok(c >= 5, `each node holds several IPs: ${[...counts]}`);
});

test('eligibleNodes: Ready nodes only, minus those excluded from load balancers', () => {
  const nodes = [node('node1'), node('node2', false), node('node3', true, { [EXCLUDE_FROM_LB_LABEL]: '' }), node('node4')];
  assert.equal(eligibleNodes(nodes), ['node1', 'node4']);
});

test('loadBalancerIps: only LoadBalancer Services with an assigned IPv4', () => {
  assert.equal(loadBalancerIps(lbService('a', ['192.168.83.200'])), ['192.168.83.200']);
  assert.equal(loadBalancerIps(lbService('b', [])), []);
  assert.equal(loadBalancerIps(lbService('c', ['192.168.83.201'], undefined, 'NodePort')), []);
  const hostname = lbService('d', []);
  hostname.status = { loadBalancer: { ingress: [{ hostname: 'lb.example' }] } };
  assert.equal(loadBalancerIps(hostname), []);
});

test('desiredAddresses: every LB IP is held by exactly one Ready node', () => {
  const nodes = [node('node1'), node('node2'), node('node3'), node('node4', false)];
  const services = ipsOf(20).map((ip, i) => lbService(`svc${i}`, [ip]));
  const held = ['node1', 'node2', 'node3', 'node4'].map((n) => desiredAddresses(services, [], nodes, n));
  assert.equal(held[3], [], 'a NotReady node holds nothing');
  const all = held.flat().sort();
  assert.equal(all, ipsOf(20).sort(), 'each IP exactly once');
});

test('desiredAddresses: when the announcer turns NotReady, another node takes its IPs', () => {
  const services = [lbService('web', ['192.168.83.200'])];
  const nodes = [node('node1'), node('node2'), node('node3')];
  const owner = announcements(services, [], nodes).get('192.168.83.200')!;
  assert.equal(desiredAddresses(services, [], nodes, owner), ['192.168.83.200']);
  const after = nodes.map((n) => (n.metadata.name === owner ? node(owner, false) : n));
  assert.equal(desiredAddresses(services, [], after, owner), []);
  const next = announcements(services, [], after).get('192.168.83.200');
  assert.ok(next && next !== owner);
  assert.equal(desiredAddresses(services, [], after, next), ['192.168.83.200']);
});

test('externalTrafficPolicy Local: only Ready nodes with a ready endpoint are candidates', () => {
  const nodes = [node('node1'), node('node2'), node('node3', false)];
  const services = [lbService('web', ['192.168.83.200'], 'Local')];
  const eps = [endpointsOn('web', ['node2', 'node3'])];
  assert.equal(candidatesByIp(services, eps, nodes).get('192.168.83.200'), ['node2'], 'node3 is NotReady, node1 has no endpoint, node9 only a not-ready one');
  for (const ip of ipsOf(30)) {
    assert.equal(desiredAddresses([lbService('web', [ip], 'Local')], eps, nodes, 'node2'), [ip]);
    assert.equal(desiredAddresses([lbService('web', [ip], 'Local')], eps, nodes, 'node1'), []);
  }
});

test('externalTrafficPolicy Local without a usable endpoint: any Ready node announces (and its proxier rejects)', () => {
  const nodes = [node('node1'), node('node2')];
  const services = [lbService('web', ['192.168.83.200'], 'Local')];
  assert.equal(candidatesByIp(services, [], nodes).get('192.168.83.200'), ['node1', 'node2']);
  assert.equal(candidatesByIp(services, [endpointsOn('web', ['node7'])], nodes).get('192.168.83.200'), ['node1', 'node2']);
});

test('policy Cluster ignores where the endpoints are', () => {
  const nodes = [node('node1'), node('node2'), node('node3')];
  const services = [lbService('web', ['192.168.83.200'])];
  assert.equal(candidatesByIp(services, [endpointsOn('web', ['node2'])], nodes).get('192.168.83.200'), ['node1', 'node2', 'node3']);
});

test('desiredAddresses: nothing without Ready nodes or LoadBalancer Services; sorted numerically', () => {
  assert.equal(desiredAddresses([lbService('web', ['192.168.83.200'])], [], [node('node1', false)], 'node1'), []);
  assert.equal(desiredAddresses([lbService('web', ['192.168.83.200'], undefined, 'ClusterIP')], [], [node('node1')], 'node1'), []);
  const services = [lbService('a', ['192.168.83.210']), lbService('b', ['192.168.83.9']), lbService('c', ['192.168.83.100'])];
  assert.equal(desiredAddresses(services, [], [node('solo')], 'solo'), ['192.168.83.9', '192.168.83.100', '192.168.83.210']);
});

test.run();
