import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApiserver } from '../testing.ts';

test('/api and /apis list the served groups; /version parses as a Kubernetes version', async () => {
  const { request } = await testApiserver();
  const api = (await request('GET', '/api')).body;
  assert.is(api.kind, 'APIVersions');
  assert.equal(api.versions, ['v1']);
  const apis = (await request('GET', '/apis')).body;
  assert.is(apis.kind, 'APIGroupList');
  assert.equal(apis.groups.map((g: any) => g.name), ['networking.k8s.io']);
  assert.equal(apis.groups[0].preferredVersion, { groupVersion: 'networking.k8s.io/v1', version: 'v1' });
  const group = (await request('GET', '/apis/networking.k8s.io')).body;
  assert.is(group.kind, 'APIGroup');
  assert.is((await request('GET', '/apis/apps')).status, 404);
  assert.is((await request('GET', '/apis/apps/v1')).status, 404);
  const version = (await request('GET', '/version')).body;
  assert.match(version.gitVersion, /^v1\.\d+\.\d+\+minik\./);
  assert.is(`v${version.major}.${version.minor}`, version.gitVersion.split('.').slice(0, 2).join('.'));
});

test('/api/v1 lists every core resource with kind, scope, verbs, short names and subresources', async () => {
  const { request } = await testApiserver();
  const list = (await request('GET', '/api/v1')).body;
  assert.is(list.kind, 'APIResourceList');
  assert.is(list.groupVersion, 'v1');
  const byName = new Map(list.resources.map((r: any) => [r.name, r]));
  const svc: any = byName.get('services');
  assert.equal({ kind: svc.kind, namespaced: svc.namespaced, shortNames: svc.shortNames, singular: svc.singularName }, {
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    singular: 'service',
  });
  assert.equal([...svc.verbs].sort(), ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
  assert.ok(svc.categories.includes('all'));
  const short = (name: string) => (byName.get(name) as any)?.shortNames;
  assert.equal(short('endpoints'), ['ep']);
  assert.equal(short('pods'), ['po']);
  assert.equal(short('nodes'), ['no']);
  assert.equal(short('namespaces'), ['ns']);
  assert.is((byName.get('nodes') as any).namespaced, false);
  assert.equal((byName.get('services/status') as any).verbs, ['get', 'patch', 'update']);
  assert.equal((byName.get('pods/status') as any).kind, 'Pod');
  assert.equal((byName.get('pods/log') as any).verbs, ['get']);
  const ing = (await request('GET', '/apis/networking.k8s.io/v1')).body;
  assert.equal(ing.resources.find((r: any) => r.name === 'ingresses').shortNames, ['ing']);
});

test('discovery needs the token like everything else', async () => {
  const { request } = await testApiserver();
  assert.is((await request('GET', '/api', undefined, null)).status, 401);
  assert.is((await request('GET', '/openapi/v3', undefined, null)).status, 401);
});

test.run();
