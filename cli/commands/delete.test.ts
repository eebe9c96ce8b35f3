import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { harness, service } from './testing.ts';

const objs = () => [
  service('web', 'default', { ports: [{ port: 80 }] }),
  service('api', 'demo', { ports: [{ port: 80 }] }),
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'site', namespace: 'default' }, spec: {} },
];

test('delete KIND NAME prints kubectl\'s line', async () => {
  const h = harness(objs());
  let r = await h.run('delete', 'svc', 'web');
  assert.equal([r.code, r.out], [0, 'service "web" deleted\n']);
  r = await h.run('delete', 'ingress', 'site');
  assert.is(r.out, 'ingress.networking.k8s.io "site" deleted\n');
  r = await h.run('delete', 'ns', 'demo');
  assert.is(r.out, 'namespace "demo" deleted\n');
  assert.equal(h.server.requests, [
    'DELETE /api/v1/namespaces/default/services/web',
    'DELETE /apis/networking.k8s.io/v1/namespaces/default/ingresses/site',
    'DELETE /api/v1/namespaces/demo',
  ]);
});

test('several names; a missing one is an error line, the others are deleted; exit 1', async () => {
  const h = harness(objs());
  const r = await h.run('delete', 'svc', 'nope', 'api', '-n', 'demo');
  assert.is(r.code, 1);
  assert.is(r.out, 'service "api" deleted\n');
  assert.is(r.err, 'Error from server (NotFound): services "nope" not found\n');
  const quiet = await h.run('delete', 'svc', 'nope', '--ignore-not-found');
  assert.equal([quiet.code, quiet.err], [0, '']);
});

test('delete -f deletes what the manifests name', async () => {
  const h = harness(objs());
  h.files['m.yaml'] = 'apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: demo}\nspec: {}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n';
  const r = await h.run('delete', '-f', 'm.yaml');
  assert.equal([r.code, r.out], [0, 'service "api" deleted\nservice "web" deleted\n']);
  assert.is(h.server.objects.size, 2);
});

test('usage errors: no name, names with -f', async () => {
  const h = harness(objs());
  let r = await h.run('delete', 'svc');
  assert.equal([r.code, r.err], [1, 'error: resource(s) were provided, but no name was specified\n']);
  h.files['m.yaml'] = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n';
  r = await h.run('delete', 'svc', 'x', '-f', 'm.yaml');
  assert.is(r.code, 1);
  assert.equal(h.server.requests, []);
});

test.run();
