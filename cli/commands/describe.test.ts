import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KubeObject } from '../../api/types.ts';
import { harness, node, service } from './testing.ts';

const objects: KubeObject[] = [
  node('node1', '192.168.77.11', true, '10.244.0.0/24'),
  service('web', 'demo', { type: 'NodePort', clusterIP: '10.96.0.20', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, nodePort: 31000 }] }),
  { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'demo' }, subsets: [{ addresses: [{ ip: '10.244.0.5' }], ports: [{ name: 'http', port: 8080 }] }] } as KubeObject,
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'demo' }, spec: { nodeName: 'node1', containers: [{ name: 'web', image: 'echo' }] } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'elsewhere', namespace: 'demo' }, spec: { nodeName: 'node2', containers: [{ name: 'c', image: 'echo' }] } },
];

test('describe svc fetches the service and its endpoints', async () => {
  const h = harness(objects);
  const r = await h.run('describe', 'svc', 'web', '-n', 'demo');
  assert.is(r.code, 0);
  assert.match(r.out, /Endpoints:\s+10\.244\.0\.5:8080\n/);
  assert.equal(h.server.requests, [
    'GET /api/v1/namespaces/demo/services/web',
    'GET /api/v1/namespaces/demo/endpoints/web',
    'GET /api/v1/namespaces/demo/events',
  ]);
});

test('describe shows the object\'s recent events; a LoadBalancer names the node announcing its IP', async () => {
  const ev = (name: string, reason: string, message: string, at: string, host?: string, involved = { kind: 'Service', name: 'lb', namespace: 'demo' }) => ({
    apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: involved.namespace ?? 'default' }, involvedObject: involved, reason, message, type: 'Normal',
    source: { component: host ? 'minik-lb-speaker' : 'lb-controller', ...(host ? { host } : {}) }, lastTimestamp: at, count: 1,
  }) as KubeObject;
  const h = harness([
    ...objects,
    service('lb', 'demo', { type: 'LoadBalancer', clusterIP: '10.96.0.30', ports: [{ port: 80, nodePort: 31001 }] }, { status: { loadBalancer: { ingress: [{ ip: '192.168.77.200' }] } } }),
    ev('a', 'IPAllocated', 'Assigned IP ["192.168.77.200"]', '2026-11-25T12:58:00Z'),
    ev('b', 'nodeAssigned', 'announcing 192.168.77.200 from node "node1" with protocol "layer2"', '2026-11-25T12:58:30Z', 'node1'),
    ev('c', 'nodeAssigned', 'announcing 192.168.77.200 from node "node2" with protocol "layer2" (failover from node "node1")', '2026-11-25T12:59:30Z', 'node2'),
    ev('d', 'NodeNotReady', 'Node node1 status is now: NodeNotReady', '2026-11-25T12:59:20Z', undefined, { kind: 'Node', name: 'node1' } as never),
  ]);
  let r = await h.run('describe', 'svc', 'lb', '-n', 'demo');
  assert.match(r.out, /Announced By:\s+node2 \(layer 2: answers ARP for 192\.168\.77\.200\)\n/);
  assert.match(r.out, /Events:\n  Type\s+Reason\s+Age\s+From\s+Message\n/);
  assert.match(r.out, /Normal\s+IPAllocated\s+2m\s+lb-controller\s+Assigned IP \["192\.168\.77\.200"\]\n/);
  assert.ok(r.out.indexOf('IPAllocated') < r.out.indexOf('failover from node "node1"'), 'oldest first');
  assert.not.match(r.out, 'NodeNotReady');
  r = await h.run('describe', 'node', 'node1');
  assert.match(r.out, /Normal\s+NodeNotReady\s+40s\s+lb-controller\s+Node node1 status is now: NodeNotReady/);
  r = await h.run('describe', 'svc', 'web', '-n', 'demo');
  assert.match(r.out, /Events:\s+<none>\n/);
});

test('describe svc without endpoints still works; a missing service is NotFound', async () => {
  const h = harness([service('lonely', 'default', { clusterIP: '10.96.0.9', ports: [{ port: 80 }] })]);
  let r = await h.run('describe', 'service', 'lonely');
  assert.is(r.code, 0);
  assert.match(r.out, /Endpoints:\s+<none>/);
  r = await h.run('describe', 'svc', 'ghost');
  assert.equal([r.code, r.err], [1, 'Error from server (NotFound): services "ghost" not found\n']);
});

test('describe node lists only its pods; describe pod; usage errors', async () => {
  const h = harness(objects);
  let r = await h.run('describe', 'node', 'node1');
  assert.match(r.out, 'Pods (1 in total)');
  assert.match(r.out, 'web-0');
  assert.not.match(r.out, 'elsewhere');
  r = await h.run('describe', 'pod', 'web-0', '-n', 'demo');
  assert.match(r.out, /Node:\s+node1\n/);
  r = await h.run('describe', 'endpoints', 'web', '-n', 'demo');
  assert.equal([r.code, r.err], [1, 'error: describe supports svc, pod, node and ingress, not endpoints\n']);
  r = await h.run('describe', 'svc');
  assert.is(r.code, 1);
});

test.run();
