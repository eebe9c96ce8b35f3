import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApiserver } from '../testing.ts';

const refsIn = (value: unknown, out: string[] = []): string[] => {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
};

test('/openapi/v3 points at one document per group-version, each with a hash kubectl can cache by', async () => {
  const { request } = await testApiserver();
  const root = (await request('GET', '/openapi/v3')).body;
  assert.equal(Object.keys(root.paths).sort(), ['api/v1', 'apis/networking.k8s.io/v1']);
  const url = root.paths['api/v1'].serverRelativeURL;
  assert.match(url, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]+$/);
  assert.is((await request('GET', url)).status, 200);
});

test('the v3 document is generated from the decoding schemas: kinds with their GVK, list-map keys, resolvable refs', async () => {
  const { request } = await testApiserver();
  const doc = (await request('GET', '/openapi/v3/api/v1')).body;
  const schemas = doc.components.schemas;
  assert.equal(schemas['io.k8s.api.core.v1.Service']['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Service' }]);
  const ports = schemas['io.k8s.api.core.v1.ServiceSpec'].properties.ports;
  assert.equal(ports['x-kubernetes-list-map-keys'], ['port', 'protocol']);
  assert.is(ports['x-kubernetes-patch-merge-key'], 'port');
  assert.is(ports['x-kubernetes-patch-strategy'], 'merge');
  const containers = schemas['io.k8s.api.core.v1.PodSpec'].properties.containers;
  assert.is(containers['x-kubernetes-patch-merge-key'], 'name');
  for (const ref of refsIn(doc)) assert.ok(schemas[ref.replace('#/components/schemas/', '')], `unresolved ${ref}`);
  assert.not.ok(JSON.stringify(doc).includes('x-minik-'), 'internal keys stay internal');
});

test("PATCH operations name their GVK and accept fieldValidation and the four patch types (kubectl's server-validation check)", async () => {
  const { request } = await testApiserver();
  const doc = (await request('GET', '/openapi/v3/api/v1')).body;
  const item = doc.paths['/api/v1/namespaces/{namespace}/services/{name}'];
  assert.equal(item.patch['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Service' });
  const params = item.patch.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name);
  for (const name of ['fieldValidation', 'fieldManager', 'dryRun', 'force']) assert.ok(params.includes(name), name);
  assert.equal(Object.keys(item.patch.requestBody.content).sort(), [
    'application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json',
  ]);
  const ing = (await request('GET', '/openapi/v3/apis/networking.k8s.io/v1')).body;
  assert.ok(ing.paths['/apis/networking.k8s.io/v1/namespaces/{namespace}/ingresses/{name}'].patch);
});

test('/openapi/v2 is Swagger 2.0 JSON; a client that accepts only protobuf gets 406 and falls back', async () => {
  const { app, request } = await testApiserver();
  const doc = (await request('GET', '/openapi/v2')).body;
  assert.is(doc.swagger, '2.0');
  assert.ok(doc.definitions['io.k8s.api.networking.v1.Ingress']);
  for (const ref of refsIn(doc)) assert.ok(doc.definitions[ref.replace('#/definitions/', '')], `unresolved ${ref}`);
  const pb = await app.request('/openapi/v2', { headers: { authorization: 'Bearer test-token', accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
  assert.is(pb.status, 406);
});

test.run();
