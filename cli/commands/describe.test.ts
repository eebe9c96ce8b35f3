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
  assert.equal(h.server.requests, ['GET /api/v1/namespaces/demo/services/web', 'GET /api/v1/namespaces/demo/endpoints/web']);
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
