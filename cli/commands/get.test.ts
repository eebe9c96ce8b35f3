import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { harness, node, service } from './testing.ts';

const objects = () => [
  service('web', 'default', { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', nodePort: 31234 }], clusterIP: '10.96.0.12' }),
  service('dns', 'kube-system', { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }),
  { ...service('tagged', 'default', { clusterIP: '10.96.0.13', ports: [{ port: 8080 }] }), metadata: { name: 'tagged', namespace: 'default', labels: { tier: 'db' } } },
  node('node1', '192.168.77.11', true, '10.244.0.0/24'),
];

test('get svc prints the namespace table', async () => {
  const h = harness(objects());
  const r = await h.run('get', 'svc');
  assert.is(r.code, 0);
  assert.is(
    r.out,
    [
      'NAME     TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE',
      'tagged   ClusterIP   10.96.0.13   <none>        8080/TCP       5m',
      'web      NodePort    10.96.0.12   <none>        80:31234/TCP   5m',
      '',
    ].join('\n'),
  );
  assert.equal(h.server.requests, ['GET /api/v1/namespaces/default/services']);
});

test('-A adds NAMESPACE and lists across namespaces; -n picks one', async () => {
  const h = harness(objects());
  let r = await h.run('get', 'services', '-A');
  assert.match(r.out, /^NAMESPACE\s+NAME\s+TYPE/);
  assert.match(r.out, /kube-system\s+dns\s+ClusterIP\s+10\.96\.0\.10\s+<none>\s+53\/UDP,53\/TCP/);
  r = await h.run('get', 'svc', '-n', 'kube-system', '-o', 'wide');
  assert.match(r.out, 'SELECTOR');
  assert.match(r.out, /dns .*<none>\n$/);
  assert.equal(h.server.requests, ['GET /api/v1/services', 'GET /api/v1/namespaces/kube-system/services']);
});

test('-l is sent as labelSelector; a bad selector is a local error', async () => {
  const h = harness(objects());
  let r = await h.run('get', 'svc', '-l', 'tier=db');
  assert.match(r.out, 'tagged');
  assert.not.match(r.out, 'web');
  r = await h.run('get', 'svc', '-l', 'tier in (db');
  assert.is(r.code, 1);
  assert.match(r.err, /^error: unable to parse requirement/);
  assert.equal(h.server.requests, ['GET /api/v1/namespaces/default/services?labelSelector=tier%3Ddb']);
});

test('-o json of a list is a Kubernetes List; of one object the object', async () => {
  const h = harness(objects());
  let r = await h.run('get', 'svc', '-o', 'json');
  const list = JSON.parse(r.out);
  assert.is(list.apiVersion, 'v1');
  assert.is(list.kind, 'ServiceList');
  assert.equal(list.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['tagged', 'web']);
  r = await h.run('get', 'svc', 'web', '-o', 'json');
  const one = JSON.parse(r.out);
  assert.is(one.kind, 'Service');
  assert.is(one.spec.ports[0].nodePort, 31234);
  r = await h.run('get', 'svc', 'web', '-o', 'yaml');
  assert.is(parse(r.out).metadata.name, 'web');
  r = await h.run('get', 'nodes', '-o', 'yaml');
  assert.is(parse(r.out).kind, 'NodeList');
  r = await h.run('get', 'svc', '-o', 'name');
  assert.is(r.out, 'service/tagged\nservice/web\n');
});

test('get nodes / one node / namespaces', async () => {
  const h = harness([...objects(), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' }, status: { phase: 'Active' } }]);
  let r = await h.run('get', 'nodes', '-o', 'wide');
  assert.match(r.out, /node1\s+Ready\s+<none>\s+5m\s+v0\.1\.0\s+192\.168\.77\.11\s+10\.244\.0\.0\/24/);
  r = await h.run('get', 'node', 'node1');
  assert.match(r.out, /^NAME\s+STATUS/);
  r = await h.run('get', 'ns');
  assert.match(r.out, /demo\s+Active\s+5m/);
  assert.ok(h.server.requests.includes('GET /api/v1/nodes/node1'));
});

test('nothing found: a note on stderr, exit 0', async () => {
  const h = harness();
  let r = await h.run('get', 'pods', '-n', 'demo');
  assert.equal([r.code, r.out, r.err], [0, '', 'No resources found in demo namespace.\n']);
  r = await h.run('get', 'ingress', '-A');
  assert.is(r.err, 'No resources found\n');
  r = await h.run('get', 'pods', '-o', 'json');
  assert.equal(JSON.parse(r.out).items, []);
});

test.run();
