import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { POOLS } from '../allocators/allocators.ts';
import { allocatorConfig } from '../allocators/allocators.ts';
import { createApp } from '../app.ts';
import { testApiserver, TEST_TOKEN } from '../testing.ts';
import { fileLogReader } from './pod-log.ts';
import { K8S_PROTO } from './protobuf/k8s-proto.ts';

const SVC = '/api/v1/namespaces/default/services';
type App = Awaited<ReturnType<typeof testApiserver>>['app'];

async function call(app: App, method: string, path: string, body?: string, contentType = 'application/json') {
  const res = await app.request(path, { method, headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': contentType }, body });
  const text = await res.text();
  let json: any = text;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, body: json, headers: res.headers };
}

const service = (name: string, spec: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } });
const allocations = (store: Awaited<ReturnType<typeof testApiserver>>['store']) =>
  Object.values(POOLS).reduce((n, pool) => n + store.allocationsOf(pool).size, 0);

test('PATCH: merge, JSON and strategic patches all land, through the same validation as PUT', async () => {
  const { app } = await testApiserver();
  await call(app, 'POST', SVC, service('web', { type: 'NodePort', ports: [{ name: 'http', port: 80 }] }));
  const merge = await call(app, 'PATCH', `${SVC}/web`, '{"metadata":{"labels":{"a":"1"}}}', 'application/merge-patch+json');
  assert.is(merge.status, 200);
  assert.equal(merge.body.metadata.labels, { a: '1' });
  const json = await call(app, 'PATCH', `${SVC}/web`, '[{"op":"add","path":"/metadata/labels/b","value":"2"}]', 'application/json-patch+json');
  assert.equal(json.body.metadata.labels, { a: '1', b: '2' });
  const nodePort = json.body.spec.ports[0].nodePort;
  const smp = await call(app, 'PATCH', `${SVC}/web`, '{"spec":{"ports":[{"name":"https","port":443,"targetPort":8443}]}}', 'application/strategic-merge-patch+json');
  assert.is(smp.status, 200, JSON.stringify(smp.body));
  assert.equal(smp.body.spec.ports.map((p: any) => p.port), [80, 443]);
  assert.is(smp.body.spec.ports[0].nodePort, nodePort, 'the allocated node port is kept');
  assert.ok(smp.body.spec.ports[1].nodePort >= 30000, 'the new port got a node port');
  const bad = await call(app, 'PATCH', `${SVC}/web`, '{"spec":{"ports":[{"port":80,"nodePort":1}]}}', 'application/strategic-merge-patch+json');
  assert.is(bad.status, 422);
  assert.match(bad.body.message, /spec\.ports\[0\]\.nodePort: Invalid value: 1/);
  const failedTest = await call(app, 'PATCH', `${SVC}/web`, '[{"op":"test","path":"/spec/type","value":"ClusterIP"}]', 'application/json-patch+json');
  assert.is(failedTest.status, 422);
  assert.is((await call(app, 'PATCH', `${SVC}/nope`, '{}', 'application/merge-patch+json')).status, 404);
  assert.is((await call(app, 'PATCH', `${SVC}/web`, '{}', 'text/plain')).status, 415);
});

test('a patch that carries a stale resourceVersion is a 409 Conflict; without one it applies to the latest', async () => {
  const { app } = await testApiserver();
  const created = (await call(app, 'POST', SVC, service('web'))).body;
  await call(app, 'PATCH', `${SVC}/web`, '{"metadata":{"labels":{"a":"1"}}}', 'application/merge-patch+json');
  const stale = await call(app, 'PATCH', `${SVC}/web`, JSON.stringify({ metadata: { resourceVersion: created.metadata.resourceVersion, labels: { b: '2' } } }), 'application/merge-patch+json');
  assert.is(stale.status, 409);
  assert.is(stale.body.reason, 'Conflict');
});

test('server-side apply creates, records its field manager, and refuses a conflicting change unless forced', async () => {
  const { app } = await testApiserver();
  const yaml = (targetPort: number) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ssa\nspec:\n  selector: {app: ssa}\n  ports:\n  - port: 80\n    targetPort: ${targetPort}\n`;
  const noManager = await call(app, 'PATCH', `${SVC}/ssa`, yaml(8080), 'application/apply-patch+yaml');
  assert.is(noManager.status, 400);
  const created = await call(app, 'PATCH', `${SVC}/ssa?fieldManager=alice`, yaml(8080), 'application/apply-patch+yaml');
  assert.is(created.status, 201);
  assert.equal(created.body.metadata.managedFields.map((e: any) => `${e.manager}/${e.operation}`), ['alice/Apply']);
  const bob = await call(app, 'PATCH', `${SVC}/ssa?fieldManager=bob`, yaml(9090), 'application/apply-patch+yaml');
  assert.is(bob.status, 409);
  assert.is(bob.body.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.ports[port=80,protocol="TCP"].targetPort');
  const forced = await call(app, 'PATCH', `${SVC}/ssa?fieldManager=bob&force=true`, yaml(9090), 'application/apply-patch+yaml');
  assert.is(forced.status, 200);
  assert.is(forced.body.spec.ports[0].targetPort, 9090);
});

test('managedFields: kept across a PUT that leaves them out, rewritten by a patch that sets them (kubectl\'s CSA→SSA migration)', async () => {
  const { app } = await testApiserver();
  const created = (await call(app, 'POST', `${SVC}?fieldManager=kubectl-client-side-apply`, service('m'))).body;
  assert.equal(created.metadata.managedFields.map((e: any) => `${e.manager}/${e.operation}`), ['kubectl-client-side-apply/Update']);
  const { managedFields: _, ...metadata } = created.metadata;
  const put = await call(app, 'PUT', `${SVC}/m?fieldManager=kubectl-edit`, JSON.stringify({ ...created, metadata: { ...metadata, labels: { x: '1' } } }));
  assert.equal(put.body.metadata.managedFields.map((e: any) => e.manager), ['kubectl-client-side-apply', 'kubectl-edit']);
  const migrated = put.body.metadata.managedFields.map((e: any) => (e.manager === 'kubectl-client-side-apply' ? { ...e, manager: 'kubectl', operation: 'Apply' } : e));
  const patched = await call(app, 'PATCH', `${SVC}/m?fieldManager=kubectl`, JSON.stringify([{ op: 'replace', path: '/metadata/managedFields', value: migrated }]), 'application/json-patch+json');
  assert.is(patched.status, 200);
  assert.equal(patched.body.metadata.managedFields.map((e: any) => `${e.manager}/${e.operation}`), ['kubectl/Apply', 'kubectl-edit/Update']);
});

test('dryRun=All validates and answers like the real thing, but stores and allocates nothing', async () => {
  const { app, store } = await testApiserver();
  const before = { revision: store.currentRevision(), allocations: allocations(store) };
  const created = await call(app, 'POST', `${SVC}?dryRun=All`, service('dry', { type: 'LoadBalancer' }));
  assert.is(created.status, 201);
  assert.ok(created.body.spec.clusterIP, 'would-allocate: the answer shows the cluster IP');
  assert.ok(created.body.spec.ports[0].nodePort >= 30000);
  assert.is((await call(app, 'GET', `${SVC}/dry`)).status, 404);
  assert.equal({ revision: store.currentRevision(), allocations: allocations(store) }, before);
  assert.is((await call(app, 'POST', `${SVC}?dryRun=All`, service('bad', { type: 'Nope' }))).status, 422);
  assert.is((await call(app, 'POST', `${SVC}?dryRun=Maybe`, service('x'))).status, 400);

  await call(app, 'POST', SVC, service('real'));
  const snapshot = { revision: store.currentRevision(), allocations: allocations(store) };
  assert.is((await call(app, 'PATCH', `${SVC}/real?dryRun=All`, '{"spec":{"type":"NodePort"}}', 'application/merge-patch+json')).body.spec.type, 'NodePort');
  assert.is((await call(app, 'DELETE', `${SVC}/real`, '{"kind":"DeleteOptions","apiVersion":"v1","dryRun":["All"]}')).status, 200);
  assert.equal({ revision: store.currentRevision(), allocations: allocations(store) }, snapshot);
  assert.is((await call(app, 'GET', `${SVC}/real`)).body.spec.type, 'ClusterIP');
});

test('fieldValidation: Strict refuses unknown fields, Warn answers with Warning headers, Ignore drops them quietly', async () => {
  const { app } = await testApiserver();
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'f' }, spec: { ports: [{ port: 80, bogus: 1 }], nope: true } });
  const strict = await call(app, 'POST', `${SVC}?fieldValidation=Strict`, body);
  assert.is(strict.status, 400);
  assert.is(strict.body.message, 'Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.ports[0].bogus", unknown field "spec.nope"');
  const warn = await call(app, 'POST', `${SVC}?fieldValidation=Warn`, body);
  assert.is(warn.status, 201);
  assert.match(warn.headers.get('warning') ?? '', /299 - "unknown field \\"spec.nope\\""/);
  const ignore = await call(app, 'PATCH', `${SVC}/f?fieldValidation=Ignore`, '{"spec":{"other":1}}', 'application/merge-patch+json');
  assert.is(ignore.status, 200);
  assert.is(ignore.headers.get('warning'), null);
  assert.is(ignore.body.spec.other, undefined);
  assert.is((await call(app, 'PATCH', `${SVC}/f?fieldValidation=Strict`, '{"spec":{"other":1}}', 'application/merge-patch+json')).status, 400);
});

test('a protobuf body (what kubectl create service sends) decodes like JSON; zero values mean unset', async () => {
  const { app } = await testApiserver();
  const root = protobuf.parse(K8S_PROTO, { keepCase: true }).root;
  const Service = root.lookupType('k8s.Service');
  const Unknown = root.lookupType('k8s.Unknown');
  const raw = Service.encode(Service.fromObject({
    metadata: { name: 'pb', labels: { app: 'pb' } },
    spec: { type: 'NodePort', selector: { app: 'pb' }, ports: [{ name: '80-8080', port: 80, protocol: 'TCP', nodePort: 0, targetPort: { type: 0, intVal: 8080 } }] },
  })).finish();
  const envelope = Unknown.encode(Unknown.fromObject({ typeMeta: { apiVersion: 'v1', kind: 'Service' }, raw, contentType: 'application/vnd.kubernetes.protobuf' })).finish();
  const body = Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), Buffer.from(envelope)]);
  const res = await app.request(SVC, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/vnd.kubernetes.protobuf' }, body });
  const svc: any = await res.json();
  assert.is(res.status, 201);
  assert.is(svc.spec.ports[0].targetPort, 8080);
  assert.ok(svc.spec.ports[0].nodePort >= 30000, 'nodePort 0 on the wire allocated one');
  assert.equal(svc.metadata.labels, { app: 'pb' });
  // IngressRuleValue is embedded inline in Go: its `http` sits on the rule in JSON.
  const Ingress = root.lookupType('k8s.Ingress');
  const ingRaw = Ingress.encode(Ingress.fromObject({
    metadata: { name: 'pb' },
    spec: { rules: [{ host: 'a.example', ingressRuleValue: { http: { paths: [{ path: '/x', pathType: 'Prefix', backend: { service: { name: 'pb', port: { number: 80 } } } }] } } }] },
  })).finish();
  const ingBody = Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), Buffer.from(Unknown.encode(Unknown.fromObject({ typeMeta: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' }, raw: ingRaw })).finish())]);
  const ingRes = await app.request('/apis/networking.k8s.io/v1/namespaces/default/ingresses', { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/vnd.kubernetes.protobuf' }, body: ingBody });
  assert.is(ingRes.status, 201);
  assert.equal(((await ingRes.json()) as any).spec.rules[0], { host: 'a.example', http: { paths: [{ path: '/x', pathType: 'Prefix', backend: { service: { name: 'pb', port: { number: 80 } } } }] } });
  const garbage = await app.request(SVC, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/vnd.kubernetes.protobuf' }, body: 'nope' });
  assert.is(garbage.status, 400);
});

test('pods/{name}/log reads the output file the pod\'s agent keeps, with tailLines; elsewhere a clear Status', async () => {
  const { registry } = await testApiserver();
  const root = await mkdtemp(join(tmpdir(), 'minik-podlog-'));
  const app = createApp(registry, { token: TEST_TOKEN, podLogs: fileLogReader(root) });
  await registry.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'node1', containers: [{ name: 'p', image: 'echo' }] } } as any);
  const missing = await call(app, 'GET', '/api/v1/namespaces/default/pods/p/log');
  assert.is(missing.status, 404);
  assert.match(missing.body.message, /kept on node "node1".*minik logs p -n default/);
  await mkdir(join(root, 'node1/pods/default_p'), { recursive: true });
  await writeFile(join(root, 'node1/pods/default_p/output.log'), 'one\ntwo\nthree\n');
  assert.is((await call(app, 'GET', '/api/v1/namespaces/default/pods/p/log')).body, 'one\ntwo\nthree\n');
  assert.is((await call(app, 'GET', '/api/v1/namespaces/default/pods/p/log?tailLines=2')).body, 'two\nthree\n');
  assert.is((await call(app, 'GET', '/api/v1/namespaces/default/pods/p/log?container=other')).status, 400);
  assert.is((await call(app, 'GET', '/api/v1/namespaces/default/pods/nope/log')).status, 404);
});

test('field selectors beyond metadata.name (what kubectl describe node sends)', async () => {
  const { app, registry } = await testApiserver();
  await registry.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'default' }, spec: { nodeName: 'node1', containers: [{ name: 'a', image: 'echo' }] } } as any);
  await registry.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', namespace: 'default' }, spec: { nodeName: 'node2', containers: [{ name: 'b', image: 'echo' }] } } as any);
  const list = await call(app, 'GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode1,status.phase!%3DSucceeded,status.phase!%3DFailed');
  assert.equal(list.body.items.map((p: any) => p.metadata.name), ['a']);
  const unsupported = await call(app, 'GET', '/api/v1/pods?fieldSelector=spec.bogus%3Dx');
  assert.is(unsupported.status, 400);
  assert.is(unsupported.body.message, 'field label not supported: spec.bogus');
});

void allocatorConfig;
test.run();
