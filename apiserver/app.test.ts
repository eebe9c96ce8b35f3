import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { POOLS } from './allocators/allocators.ts';
import { testApiserver } from './testing.ts';

const SVC = '/api/v1/namespaces/default/services';
const EXAMPLES = new URL('../../shared/examples', import.meta.url).pathname; // ../shared beside the checkout

const service = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});

const allocationCount = (store: Awaited<ReturnType<typeof testApiserver>>['store']) =>
  Object.values(POOLS).reduce((n, pool) => n + store.allocationsOf(pool).size, 0);

test('health endpoints are open; everything else needs the bearer token', async () => {
  const { request } = await testApiserver();
  assert.is((await request('GET', '/healthz', undefined, null)).status, 200);
  assert.is((await request('GET', '/readyz', undefined, null)).status, 200);
  for (const token of [null, 'wrong']) {
    const res = await request('GET', SVC, undefined, token);
    assert.is(res.status, 401);
    assert.equal(res.body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  }
});

test('default namespaces and the cluster DNS service exist from the start', async () => {
  const { request } = await testApiserver();
  const names = (await request('GET', '/api/v1/namespaces')).body.items.map((n: any) => n.metadata.name);
  assert.equal(names, ['default', 'kube-system']);
  const dns = (await request('GET', '/api/v1/namespaces/kube-system/services/kube-dns')).body;
  assert.is(dns.spec.clusterIP, '10.96.0.10');
  assert.equal(dns.spec.ports.map((p: any) => `${p.name}:${p.port}/${p.protocol}`), ['dns:53/UDP', 'dns-tcp:53/TCP']);
  const del = await request('DELETE', '/api/v1/namespaces/default');
  assert.is(del.status, 403);
});

test('POST answers 201 with defaults and a cluster IP from the service CIDR', async () => {
  const { request } = await testApiserver();
  const res = await request('POST', SVC, service('web', { ports: [{ port: 80, targetPort: 8080 }] }));
  assert.is(res.status, 201);
  const svc = res.body;
  assert.is(svc.metadata.namespace, 'default');
  assert.ok(svc.metadata.uid && svc.metadata.resourceVersion && svc.metadata.creationTimestamp);
  assert.is(svc.spec.type, 'ClusterIP');
  assert.is(svc.spec.ports[0].protocol, 'TCP');
  assert.is(svc.spec.sessionAffinity, 'None');
  assert.match(svc.spec.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
  assert.equal(svc.spec.clusterIPs, [svc.spec.clusterIP]);
  const got = await request('GET', `${SVC}/web`);
  assert.equal(got.body, svc);
  const all = await request('GET', '/api/v1/services');
  assert.is(all.body.kind, 'ServiceList');
  assert.equal(all.body.items.map((s: any) => s.metadata.name), ['web', 'kube-dns']);
});

test('duplicate create is 409 AlreadyExists; missing object 404; stale PUT 409 Conflict', async () => {
  const { request } = await testApiserver();
  const created = (await request('POST', SVC, service('web'))).body;
  const dup = await request('POST', SVC, service('web'));
  assert.is(dup.status, 409);
  assert.is(dup.body.reason, 'AlreadyExists');
  assert.is(dup.body.message, 'services "web" already exists');
  const missing = await request('GET', `${SVC}/nope`);
  assert.is(missing.status, 404);
  assert.is(missing.body.message, 'services "nope" not found');

  const fresh = { ...created, metadata: { ...created.metadata, labels: { tier: 'a' } } };
  const ok = await request('PUT', `${SVC}/web`, fresh);
  assert.is(ok.status, 200);
  assert.ok(Number(ok.body.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
  const stale = await request('PUT', `${SVC}/web`, { ...created, metadata: { ...created.metadata, labels: { tier: 'b' } } });
  assert.is(stale.status, 409);
  assert.is(stale.body.reason, 'Conflict');
  assert.match(stale.body.message, /the object has been modified/);
});

test('422 Invalid carries field causes, stores nothing and allocates nothing', async () => {
  const { request, store } = await testApiserver();
  const before = allocationCount(store);
  const revision = store.currentRevision();
  const res = await request('POST', SVC, service('web', { type: 'NodePort', ports: [{ port: 0 }] }));
  assert.is(res.status, 422);
  assert.is(res.body.reason, 'Invalid');
  assert.match(res.body.message, /^Service "web" is invalid: /);
  assert.ok(res.body.details.causes.some((c: any) => c.field === 'spec.ports[0].port'));
  assert.is(store.currentRevision(), revision);
  assert.is(allocationCount(store), before);
  assert.is((await request('GET', `${SVC}/web`)).status, 404);
});

test('node ports: a taken or out-of-range port is refused with Kubernetes messages, nothing stored', async () => {
  const { request, store } = await testApiserver();
  const first = await request('POST', SVC, service('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 32540 }] }));
  assert.is(first.status, 201);
  assert.is(first.body.spec.ports[0].nodePort, 32540);
  const before = allocationCount(store);
  const taken = await request('POST', SVC, service('b', { type: 'NodePort', ports: [{ port: 80, nodePort: 32540 }] }));
  assert.is(taken.status, 422);
  assert.is(taken.body.message, 'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 32540: provided port is already allocated');
  assert.equal(taken.body.details.causes, [
    { reason: 'FieldValueInvalid', message: 'Invalid value: 32540: provided port is already allocated', field: 'spec.ports[0].nodePort' },
  ]);
  const range = await request('POST', SVC, service('c', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }));
  assert.is(range.status, 422);
  assert.is(
    range.body.message,
    'Service "c" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
  );
  assert.is(allocationCount(store), before, 'no cluster IP or node port held by a rejected service');
  assert.is((await request('GET', `${SVC}/b`)).status, 404);
});

test("the ingress router's node port 30080 is never handed to a Service", async () => {
  const { request } = await testApiserver({ nodePortRange: '30079-30081' });
  const asked = await request('POST', SVC, service('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
  assert.is(asked.status, 422);
  assert.match(asked.body.message, /reserved for minik's ingress router/);
  const ports = [];
  for (const name of ['b', 'c']) ports.push((await request('POST', SVC, service(name, { type: 'NodePort' }))).body.spec.ports[0].nodePort);
  assert.equal(ports.sort(), [30079, 30081]);
  const full = await request('POST', SVC, service('d', { type: 'NodePort' }));
  assert.is(full.status, 500, 'the range is full without 30080');
});

test('a requested cluster IP is honoured or refused', async () => {
  const { request } = await testApiserver();
  const ok = await request('POST', SVC, service('a', { clusterIP: '10.96.0.50' }));
  assert.is(ok.body.spec.clusterIP, '10.96.0.50');
  const taken = await request('POST', SVC, service('b', { clusterIP: '10.96.0.50' }));
  assert.is(taken.status, 422);
  assert.match(taken.body.message, /failed to allocate IP 10\.96\.0\.50: provided IP is already allocated/);
  const outside = await request('POST', SVC, service('c', { clusterIP: '10.0.0.5' }));
  assert.is(outside.status, 422);
  assert.match(outside.body.message, /The range of valid IPs is 10\.96\.0\.0\/12/);
});

test('type changes release and allocate; delete releases everything', async () => {
  const { request, store } = await testApiserver();
  const lb = (await request('POST', SVC, service('lb', { type: 'LoadBalancer' }))).body;
  assert.is(lb.status.loadBalancer.ingress[0].ip, '192.168.77.200');
  assert.ok(lb.spec.ports[0].nodePort >= 30000);
  const asClusterIp = { ...lb, spec: { ...lb.spec, type: 'ClusterIP', externalTrafficPolicy: undefined, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] } };
  const changed = await request('PUT', `${SVC}/lb`, asClusterIp);
  assert.is(changed.status, 200, JSON.stringify(changed.body));
  assert.is(changed.body.spec.clusterIP, lb.spec.clusterIP, 'cluster IP kept');
  assert.is(changed.body.spec.ports[0].nodePort, undefined);
  assert.is(store.allocationsOf(POOLS.nodePort).size, 0);
  assert.is(store.allocationsOf(POOLS.loadBalancerIp).size, 0);
  const del = await request('DELETE', `${SVC}/lb`);
  assert.is(del.status, 200);
  assert.is(store.allocationsOf(POOLS.clusterIp).size, 1, 'only kube-dns holds a cluster IP');
  const again = (await request('POST', SVC, service('lb2', { type: 'LoadBalancer' }))).body;
  assert.is(again.status.loadBalancer.ingress[0].ip, '192.168.77.200', 'released LB address is handed out again');
});

test('200 concurrent creates get 200 distinct cluster IPs and node ports', async () => {
  const { request, store } = await testApiserver();
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) => request('POST', SVC, service(`s${i}`, { type: 'NodePort' }))),
  );
  assert.ok(results.every((r) => r.status === 201));
  const ips = new Set(results.map((r) => r.body.spec.clusterIP));
  const ports = new Set(results.map((r) => r.body.spec.ports[0].nodePort));
  assert.is(ips.size, 200);
  assert.is(ports.size, 200);
  assert.is(store.allocationsOf(POOLS.clusterIp).size, 201);
});

test('a PUT that leaves out the allocated cluster IP and node port keeps them; changing the IP is refused', async () => {
  const { request } = await testApiserver();
  const created = (await request('POST', SVC, service('web', { type: 'NodePort' }))).body;
  const bare = service('web', { type: 'NodePort' });
  const kept = await request('PUT', `${SVC}/web`, bare);
  assert.is(kept.status, 200, JSON.stringify(kept.body));
  assert.is(kept.body.spec.clusterIP, created.spec.clusterIP);
  assert.is(kept.body.spec.ports[0].nodePort, created.spec.ports[0].nodePort);
  const moved = await request('PUT', `${SVC}/web`, service('web', { type: 'NodePort', clusterIP: '10.96.0.77' }));
  assert.is(moved.status, 422);
  assert.match(moved.body.message, /field is immutable/);
});

test('malformed JSON is 400; a body over 1 MiB is 413; nothing stored', async () => {
  const { request, store } = await testApiserver();
  const revision = store.currentRevision();
  const bad = await request('POST', SVC, '{"kind":');
  assert.is(bad.status, 400);
  assert.is(bad.body.reason, 'BadRequest');
  const big = service('big');
  (big.metadata as any).annotations = { blob: 'x'.repeat(1024 * 1024 + 10) };
  const large = await request('POST', SVC, big);
  assert.is(large.status, 413);
  assert.is(large.body.kind, 'Status');
  assert.is(store.currentRevision(), revision);
});

test('a namespace must exist; deleting it deletes what is in it and releases allocations', async () => {
  const { request, store } = await testApiserver();
  const missing = await request('POST', '/api/v1/namespaces/demo/services', service('web'));
  assert.is(missing.status, 404);
  assert.is(missing.body.message, 'namespaces "demo" not found');
  assert.is((await request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } })).status, 201);
  assert.is((await request('POST', '/api/v1/namespaces/demo/services', service('web', { type: 'NodePort' }))).status, 201);
  const del = await request('DELETE', '/api/v1/namespaces/demo');
  assert.is(del.status, 200);
  assert.is((await request('GET', '/api/v1/namespaces/demo/services/web')).status, 404);
  assert.is(store.allocationsOf(POOLS.nodePort).size, 0);
  assert.is(store.allocationsOf(POOLS.clusterIp).size, 1);
});

test('mismatched namespace or name in the body is a 400', async () => {
  const { request } = await testApiserver();
  const wrongNs = await request('POST', SVC, { ...service('web'), metadata: { name: 'web', namespace: 'kube-system' } });
  assert.is(wrongNs.status, 400);
  const created = (await request('POST', SVC, service('web'))).body;
  const wrongName = await request('PUT', `${SVC}/other`, created);
  assert.is(wrongName.status, 400);
});

const pod = (name: string, labels: Record<string, string>, ports: { name?: string; containerPort: number }[] = [{ containerPort: 8080 }]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { nodeName: 'node1', containers: [{ name: 'echo', image: 'echo', ports }] },
});

async function setPodStatus(request: any, name: string, podIP: string, ready: boolean) {
  const current = (await request('GET', `/api/v1/namespaces/default/pods/${name}`)).body;
  const status = { phase: 'Running', podIP, hostIP: '192.168.77.11', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
  const res = await request('PUT', `/api/v1/namespaces/default/pods/${name}/status`, { ...current, status });
  assert.is(res.status, 200);
}

test('endpoints follow pods: ready and not-ready addresses, named target ports resolved per pod', async () => {
  const { request } = await testApiserver();
  await request('POST', SVC, service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }));
  await request('POST', '/api/v1/namespaces/default/pods', pod('a', { app: 'web' }, [{ name: 'http', containerPort: 8080 }]));
  await request('POST', '/api/v1/namespaces/default/pods', pod('b', { app: 'web' }, [{ name: 'http', containerPort: 9090 }]));
  await request('POST', '/api/v1/namespaces/default/pods', pod('c', { app: 'other' }));
  const none = (await request('GET', '/api/v1/namespaces/default/endpoints/web')).body;
  assert.equal(none.subsets, [], 'no pod has an IP yet');

  await setPodStatus(request, 'a', '10.244.0.2', true);
  await setPodStatus(request, 'b', '10.244.0.3', false);
  await setPodStatus(request, 'c', '10.244.0.4', true);
  const eps = (await request('GET', '/api/v1/namespaces/default/endpoints/web')).body;
  assert.equal(
    eps.subsets.map((s: any) => ({ ready: (s.addresses ?? []).map((a: any) => a.ip), notReady: (s.notReadyAddresses ?? []).map((a: any) => a.ip), ports: s.ports.map((p: any) => p.port) })),
    [
      { ready: ['10.244.0.2'], notReady: [], ports: [8080] },
      { ready: [], notReady: ['10.244.0.3'], ports: [9090] },
    ],
  );
  assert.is(eps.subsets[0].addresses[0].nodeName, 'node1');
  assert.is(eps.subsets[0].addresses[0].targetRef.name, 'a');

  await request('DELETE', '/api/v1/namespaces/default/pods/a');
  const after = (await request('GET', '/api/v1/namespaces/default/endpoints/web')).body;
  assert.equal(after.subsets.flatMap((s: any) => (s.addresses ?? []).map((a: any) => a.ip)), []);
  await request('DELETE', `${SVC}/web`);
  assert.is((await request('GET', '/api/v1/namespaces/default/endpoints/web')).status, 404);
});

test('labelSelector filters lists', async () => {
  const { request } = await testApiserver();
  await request('POST', SVC, { ...service('a'), metadata: { name: 'a', labels: { tier: 'front' } } });
  await request('POST', SVC, { ...service('b'), metadata: { name: 'b', labels: { tier: 'back' } } });
  const front = (await request('GET', `${SVC}?labelSelector=tier%3Dfront`)).body.items.map((s: any) => s.metadata.name);
  assert.equal(front, ['a']);
  const notFront = (await request('GET', `${SVC}?labelSelector=tier!%3Dfront`)).body.items.map((s: any) => s.metadata.name);
  assert.equal(notFront, ['b']);
  const bad = await request('GET', `${SVC}?labelSelector=a%20in`);
  assert.is(bad.status, 400);
});

test('the shared example manifests apply unchanged', async () => {
  const { request } = await testApiserver();
  const order = ['namespace.yaml', 'clusterip.yaml', 'nodeport.yaml', 'loadbalancer.yaml', 'externalname.yaml', 'ingress.yaml'];
  for (const file of order) {
    const obj = parse(readFileSync(`${EXAMPLES}/${file}`, 'utf8'));
    const base = obj.kind === 'Namespace' ? '/api/v1/namespaces' : obj.kind === 'Ingress' ? '/apis/networking.k8s.io/v1/namespaces/demo/ingresses' : '/api/v1/namespaces/demo/services';
    const res = await request('POST', base, obj);
    assert.is(res.status, 201, `${file}: ${JSON.stringify(res.body)}`);
  }
  const svcs = (await request('GET', '/api/v1/namespaces/demo/services')).body.items;
  const byName = Object.fromEntries(svcs.map((s: any) => [s.metadata.name, s]));
  assert.is(byName['test-nodeport'].spec.ports[0].nodePort, 32540);
  assert.is(byName['test-lb'].status.loadBalancer.ingress[0].ip, '192.168.77.200');
  assert.is(byName.docs.spec.externalName, 'docs.example.com');
  assert.is(byName.docs.spec.clusterIP, undefined);
  assert.ok(byName['cluster-ip'].spec.clusterIP);
  const again = parse(readFileSync(`${EXAMPLES}/nodeport.yaml`, 'utf8'));
  again.metadata.name = 'test-nodeport-2';
  const refused = await request('POST', '/api/v1/namespaces/demo/services', again);
  assert.is(refused.status, 422);
  assert.is(refused.body.message, 'Service "test-nodeport-2" is invalid: spec.ports[0].nodePort: Invalid value: 32540: provided port is already allocated');
});

test.run();
