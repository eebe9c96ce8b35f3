// The nine findings of issue 10 (a bounded fuzzer against the apiserver),
// one table test each, with Kubernetes' answer. Each failed before the schema
// decoder and the status validation existed.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { POOLS } from './allocators/allocators.ts';
import { MemoryKv } from './store/memory-kv.ts';
import { TEST_TOKEN, testApiserver } from './testing.ts';

type Api = Awaited<ReturnType<typeof testApiserver>>;

const NS = '/api/v1/namespaces';
const SVC = '/api/v1/namespaces/default/services';
const PODS = '/api/v1/namespaces/default/pods';
const EPS = '/api/v1/namespaces/default/endpoints';
const ING = '/apis/networking.k8s.io/v1/namespaces/default/ingresses';
const NODES = '/api/v1/nodes';
const LISTS = [NS, NODES, SVC, PODS, EPS, ING, '/api/v1/services', '/api/v1/pods', '/api/v1/endpoints', '/apis/networking.k8s.io/v1/ingresses'];

const svc = (name: unknown, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...spec },
});
const pod = (name: unknown, spec: Record<string, unknown> = {}, labels: Record<string, string> = { app: 'web' }) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'echo', image: 'echo', ports: [{ containerPort: 8080 }] }], ...spec },
});
const endpoints = (name: string, subsets: unknown) => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name }, subsets });
const ingress = (name: string, rules: unknown) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name },
  spec: { rules },
});
const node = (name: string, status: unknown, podCIDR?: string) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: podCIDR ? { podCIDR } : {},
  status,
});
const readyNode = (name: string, podCIDR?: string) =>
  node(name, { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '192.168.77.11' }] }, podCIDR);

const allocations = (api: Api) => Object.values(POOLS).reduce((n, pool) => n + api.store.allocationsOf(pool).size, 0);

/** Every list answers 200 (and so does every object in it). */
async function assertListsAnswer(api: Api, when: string): Promise<void> {
  for (const path of LISTS) {
    const res = await api.request('GET', path);
    assert.is(res.status, 200, `${when}: GET ${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  }
}

/** `body` sent to `path` is refused with `code` (and `message` in the Status), storing and allocating nothing. */
async function refused(api: Api, method: string, path: string, body: unknown, code: number, message?: string | RegExp) {
  const revision = api.store.currentRevision();
  const held = allocations(api);
  const res = await api.request(method, path, body);
  const label = `${method} ${path} ${JSON.stringify(body).slice(0, 200)}`;
  assert.is(res.status, code, `${label} → ${res.status} ${JSON.stringify(res.body)}`);
  assert.is(res.body.kind, 'Status', label);
  assert.is(res.body.code, code, label);
  if (typeof message === 'string') assert.is(res.body.message, message, label);
  else if (message) assert.match(res.body.message, message, label);
  assert.is(api.store.currentRevision(), revision, `${label}: nothing stored`);
  assert.is(allocations(api), held, `${label}: nothing allocated`);
  return res.body;
}

test('1. a name of the wrong type is a 400, and every list still answers (also after a restart)', async () => {
  const kv = new MemoryKv();
  const api = await testApiserver({}, kv);
  await refused(api, 'POST', NS, { metadata: { name: 123 } }, 400,
    'Namespace in version "v1" cannot be handled as a Namespace: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string');
  await refused(api, 'POST', SVC, svc(['web']), 400, /cannot unmarshal array into Go struct field ObjectMeta\.metadata\.name of type string/);
  await refused(api, 'POST', SVC, svc(true), 400, /cannot unmarshal bool into Go struct field ObjectMeta\.metadata\.name/);
  await refused(api, 'POST', PODS, pod(12345), 400, /cannot unmarshal number into Go struct field ObjectMeta\.metadata\.name/);
  await assertListsAnswer(api, 'after the refused creates');
  await assertListsAnswer(await testApiserver({}, kv), 'after a restart');
});

test('lists sort by namespace, then name, in code-point order', async () => {
  const api = await testApiserver();
  for (const ns of ['a', 'a-b']) assert.is((await api.request('POST', NS, { metadata: { name: ns } })).status, 201);
  for (const [ns, name] of [['a-b', 'x'], ['a', 'y'], ['a', 'b-1'], ['a', 'b']]) {
    assert.is((await api.request('POST', `/api/v1/namespaces/${ns}/services`, svc(name))).status, 201);
  }
  const items = (await api.request('GET', '/api/v1/services')).body.items.map((s: any) => `${s.metadata.namespace}/${s.metadata.name}`);
  assert.equal(items, ['a/b', 'a/b-1', 'a/y', 'a-b/x', 'kube-system/kube-dns']);
});

test('2. nodePort must be an int32: strings, objects and fractions are 400; one owner per port', async () => {
  const api = await testApiserver();
  assert.is((await api.request('POST', SVC, svc('np-a', { type: 'NodePort', ports: [{ port: 80, nodePort: 30100 }] }))).status, 201);
  for (const nodePort of ['030100', 'abc', {}, 30100.5, [30100], true]) {
    await refused(api, 'POST', SVC, svc('np-b', { type: 'NodePort', ports: [{ port: 80, nodePort }] }), 400,
      /cannot be handled as a Service: json: cannot unmarshal .* into Go struct field ServicePort\.spec\.ports\.nodePort of type int32/);
  }
  assert.equal([...api.store.allocationsOf(POOLS.nodePort).entries()], [['30100', 'Service/default/np-a']]);
});

test('3. values that used to crash the server are 400s', async () => {
  const api = await testApiserver();
  await refused(api, 'POST', SVC, svc('a', { clusterIP: ['10.96.5.5'] }), 400, /ServiceSpec\.spec\.clusterIP of type string/);
  await refused(api, 'POST', SVC, svc('a', { type: 'LoadBalancer', loadBalancerIP: ['192.168.77.201'] }), 400, /ServiceSpec\.spec\.loadBalancerIP of type string/);
  await refused(api, 'POST', SVC, svc('a', { type: 'ExternalName', externalName: 'x.example.com', ports: 80 }), 400, /ServiceSpec\.spec\.ports of type \[\]v1\.ServicePort/);
  assert.is((await api.request('POST', PODS, pod('p'))).status, 201);
  const current = (await api.request('GET', `${PODS}/p`)).body;
  await refused(api, 'PUT', `${PODS}/p/status`, { ...current, status: { conditions: 'x' } }, 400, /PodStatus\.status\.conditions of type \[\]v1\.PodCondition/);
  await assertListsAnswer(api, 'after the 400s');
});

test('4. nesting depth is bounded before parsing: 2,000 and 1,000 levels are 400s', async () => {
  const api = await testApiserver();
  for (const depth of [2000, 1000, 101]) {
    const body = `{"apiVersion":"v1","kind":"Service","metadata":{"name":"deep","annotations":{"a":"b"}},"spec":{"selector":${'{"x":'.repeat(depth)}"v"${'}'.repeat(depth)}}}`;
    await refused(api, 'POST', SVC, body, 400, 'the request body is nested more than 100 levels deep');
  }
  // A real object is far from the limit.
  assert.is((await api.request('POST', SVC, svc('shallow'))).status, 201);
});

test('5. wrong types anywhere are 400s on create and on update, never stored', async () => {
  const api = await testApiserver();
  assert.is((await api.request('POST', EPS, endpoints('manual', [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 80 }] }]))).status, 201);
  assert.is((await api.request('POST', SVC, svc('web'))).status, 201);
  const creates: [string, unknown, RegExp][] = [
    [SVC, svc('a', { type: ['NodePort'] }), /ServiceSpec\.spec\.type of type string/],
    [SVC, svc('a', { ports: [{ port: 80, protocol: ['TCP'] }] }), /ServicePort\.spec\.ports\.protocol of type string/],
    [SVC, svc('a', { ports: [{ port: 80, name: 5 }] }), /ServicePort\.spec\.ports\.name of type string/],
    [SVC, svc('a', { ports: [{ port: '80' }] }), /ServicePort\.spec\.ports\.port of type int32/],
    [SVC, svc('a', { ports: [{ port: 80, targetPort: [8080] }] }), /ServicePort\.spec\.ports\.targetPort of type intstr\.IntOrString/],
    [SVC, svc('a', { type: 'ExternalName', externalName: 123 }), /ServiceSpec\.spec\.externalName of type string/],
    [SVC, svc('a', { selector: 'app=web' }), /ServiceSpec\.spec\.selector of type map\[string\]string/],
    [SVC, svc('a', { selector: { app: 5 } }), /ServiceSpec\.spec\.selector of type string/],
    [SVC, svc('a', { sessionAffinity: ['None'] }), /ServiceSpec\.spec\.sessionAffinity of type string/],
    [SVC, svc('a', { publishNotReadyAddresses: 'yes' }), /ServiceSpec\.spec\.publishNotReadyAddresses of type bool/],
    [SVC, svc('a', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: '10' } } }), /ClientIPConfig\.spec\.sessionAffinityConfig\.clientIP\.timeoutSeconds of type int32/],
    [SVC, { ...svc('a'), metadata: { name: 'a', labels: ['x'] } }, /ObjectMeta\.metadata\.labels of type map\[string\]string/],
    [SVC, { ...svc('a'), metadata: { name: 'a', annotations: { a: 1 } } }, /ObjectMeta\.metadata\.annotations of type string/],
    [SVC, { ...svc('a'), spec: 'x' }, /Go struct field Service\.spec of type v1\.ServiceSpec/],
    [PODS, pod('a', { containers: [{ name: 'c', image: {} }] }), /Container\.spec\.containers\.image of type string/],
    [PODS, pod('a', { nodeName: 5 }), /PodSpec\.spec\.nodeName of type string/],
    [PODS, pod('a', { containers: 'echo' }), /PodSpec\.spec\.containers of type \[\]v1\.Container/],
    [PODS, pod('a', { containers: [{ name: 'c', image: 'echo', ports: [{ containerPort: 99999999999 }] }] }), /ContainerPort\.spec\.containers\.ports\.containerPort of type int32/],
    [PODS, pod('a', { containers: [{ name: 'c', image: 'echo', command: 'sleep 1' }] }), /Container\.spec\.containers\.command of type \[\]string/],
    [EPS, endpoints('a', [{ addresses: [{ ip: ['10.0.0.1'] }] }]), /EndpointAddress\.subsets\.addresses\.ip of type string/],
    [EPS, endpoints('a', 'x'), /Endpoints\.subsets of type \[\]v1\.EndpointSubset/],
    [ING, ingress('a', [{ host: 123 }]), /IngressRule\.spec\.rules\.host of type string/],
    [ING, ingress('a', [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: '80' } } } }] } }]), /ServiceBackendPort\.spec\.rules\.http\.paths\.backend\.service\.port\.number of type int32/],
    [NODES, node('n1', { addresses: [{ type: 'InternalIP', address: 7 }] }), /NodeAddress\.status\.addresses\.address of type string/],
  ];
  for (const [path, body, message] of creates) await refused(api, 'POST', path, body, 400, message);

  const ep = (await api.request('GET', `${EPS}/manual`)).body;
  await refused(api, 'PUT', `${EPS}/manual`, { ...ep, subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: -2147483649 }] }] }, 400,
    /cannot unmarshal number -2147483649 into Go struct field EndpointPort\.subsets\.ports\.port of type int32/);
  const web = (await api.request('GET', `${SVC}/web`)).body;
  await refused(api, 'PUT', `${SVC}/web`, { ...web, spec: { ...web.spec, sessionAffinity: ['None'] } }, 400, /spec\.sessionAffinity of type string/);
  await assertListsAnswer(api, 'after the 400s');
});

test('6a. pod status: podIP and podIPs must be IPs inside the node\'s pod CIDR; conditions well-formed', async () => {
  const api = await testApiserver();
  assert.is((await api.request('POST', NODES, readyNode('node1', '10.244.1.0/24'))).status, 201);
  assert.is((await api.request('POST', SVC, svc('web'))).status, 201);
  assert.is((await api.request('POST', PODS, pod('p', { nodeName: 'node1' }))).status, 201);
  const current = (await api.request('GET', `${PODS}/p`)).body;
  const put = (status: unknown) => ({ ...current, status });
  const ready = [{ type: 'Ready', status: 'True' }];
  const bad: [unknown, string][] = [
    [{ podIP: '127.0.0.1; drop', conditions: ready }, 'Pod "p" is invalid: status.podIP: Invalid value: "127.0.0.1; drop": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    [{ podIP: '10.244.2.7', conditions: ready }, `Pod "p" is invalid: status.podIP: Invalid value: "10.244.2.7": must be inside the pod CIDR of node "node1" (10.244.1.0/24)`],
    [{ podIP: '10.244.1.7', podIPs: [{ ip: '10.244.1.8' }] }, 'Pod "p" is invalid: status.podIPs[0].ip: Invalid value: "10.244.1.8": must match status.podIP'],
    [{ podIPs: [{ ip: 'garbage' }] }, 'Pod "p" is invalid: status.podIPs[0].ip: Invalid value: "garbage": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    [{ hostIP: 'localhost' }, 'Pod "p" is invalid: status.hostIP: Invalid value: "localhost": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    [{ conditions: [{ type: 'Ready', status: 'Yes' }] }, 'Pod "p" is invalid: status.conditions[0].status: Unsupported value: "Yes": supported values: "False", "True", "Unknown"'],
    [{ conditions: [{ status: 'True' }] }, 'Pod "p" is invalid: status.conditions[0].type: Required value'],
    [{ phase: 'Exploded' }, 'Pod "p" is invalid: status.phase: Unsupported value: "Exploded": supported values: "Failed", "Pending", "Running", "Succeeded", "Unknown"'],
  ];
  const endpointsBefore = (await api.request('GET', `${EPS}/web`)).body;
  for (const [status, message] of bad) {
    const body = await refused(api, 'PUT', `${PODS}/p/status`, put(status), 422, message);
    assert.is(body.details.kind, 'Pod');
  }
  assert.equal((await api.request('GET', `${EPS}/web`)).body, endpointsBefore, 'no bad address reached the endpoints');
  const ok = await api.request('PUT', `${PODS}/p/status`, put({ phase: 'Running', podIP: '10.244.1.7', podIPs: [{ ip: '10.244.1.7' }], hostIP: '192.168.77.11', conditions: ready }));
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  assert.is((await api.request('GET', `${EPS}/web`)).body.subsets[0].addresses[0].ip, '10.244.1.7');
});

test('6b. service status: only the allocator\'s load-balancer IP is accepted', async () => {
  const api = await testApiserver();
  const a = (await api.request('POST', SVC, svc('a', { type: 'LoadBalancer' }))).body;
  const b = (await api.request('POST', SVC, svc('b', { type: 'LoadBalancer' }))).body;
  assert.is(a.status.loadBalancer.ingress[0].ip, '192.168.77.200');
  const claim = (ingress: unknown) => ({ ...b, status: { loadBalancer: { ingress } } });
  const owned = 'must be the address minik\'s load-balancer allocator assigned to this service ([{"ip":"192.168.77.201"}])';
  await refused(api, 'PUT', `${SVC}/b/status`, claim([{ ip: '192.168.77.200' }]), 422, `Service "b" is invalid: status.loadBalancer.ingress: Invalid value: [{"ip":"192.168.77.200"}]: ${owned}`);
  await refused(api, 'PUT', `${SVC}/b/status`, claim([{ ip: '8.8.8.8' }]), 422, /status\.loadBalancer\.ingress: Invalid value/);
  await refused(api, 'PUT', `${SVC}/b/status`, claim([{ ip: 'garbage' }]), 422,
    'Service "b" is invalid: status.loadBalancer.ingress[0].ip: Invalid value: "garbage": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
  await refused(api, 'PUT', `${SVC}/b/status`, claim([]), 422, /status\.loadBalancer\.ingress/);
  const same = await api.request('PUT', `${SVC}/b/status`, claim([{ ip: '192.168.77.201' }]));
  assert.is(same.status, 200, 'writing back the allocator\'s own value is fine');
  const cip = (await api.request('POST', SVC, svc('c'))).body;
  await refused(api, 'PUT', `${SVC}/c/status`, { ...cip, status: { loadBalancer: { ingress: [{ ip: '192.168.77.210' }] } } }, 422, /status\.loadBalancer\.ingress/);
});

test('6c. the URL\'s name and namespace must match the body\'s (status too)', async () => {
  const api = await testApiserver();
  const a = (await api.request('POST', PODS, pod('a'))).body;
  assert.is((await api.request('POST', PODS, pod('b'))).status, 201);
  await refused(api, 'PUT', `${PODS}/b/status`, { ...a, status: { phase: 'Running' } }, 400, 'the name of the object (a) does not match the name on the URL (b)');
  await refused(api, 'PUT', `${PODS}/a/status`, { ...a, metadata: { ...a.metadata, namespace: 'kube-system' } }, 400,
    'the namespace of the provided object does not match the namespace sent on the request');
  await refused(api, 'PUT', `${PODS}/b`, { ...a }, 400, 'the name of the object (a) does not match the name on the URL (b)');
});

test('7. a node with malformed status is refused, and pod scheduling keeps working', async () => {
  const api = await testApiserver();
  await refused(api, 'POST', NODES, node('bad', { conditions: 'x' }), 400, /NodeStatus\.status\.conditions of type \[\]v1\.NodeCondition/);
  await refused(api, 'POST', NODES, node('bad', { conditions: [{ type: 'Ready', status: 'Maybe' }] }), 422, /status\.conditions\[0\]\.status: Unsupported value: "Maybe"/);
  await refused(api, 'POST', NODES, node('bad', { addresses: [{ type: 'InternalIP', address: 'nowhere' }] }), 422, /status\.addresses\[0\]\.address: Invalid value: "nowhere"/);
  assert.is((await api.request('POST', NODES, readyNode('node1'))).status, 201);
  const created = await api.request('POST', PODS, pod('p'));
  assert.is(created.status, 201, JSON.stringify(created.body));
  assert.is(created.body.spec.nodeName, 'node1');
});

test('8. nodePort 0 means "allocate one", as in Kubernetes', async () => {
  const api = await testApiserver();
  const res = await api.request('POST', SVC, svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 0 }] }));
  assert.is(res.status, 201, JSON.stringify(res.body));
  const port = res.body.spec.ports[0].nodePort;
  assert.ok(port >= 30000 && port <= 32767, String(port));
  const put = await api.request('PUT', `${SVC}/np`, { ...res.body, spec: { ...res.body.spec, ports: [{ port: 80, nodePort: 0 }] } });
  assert.is(put.status, 200, JSON.stringify(put.body));
  assert.is(put.body.spec.ports[0].nodePort, port, 'an update with 0 keeps the allocated port');
});

test('9a. unknown fields are dropped, not stored', async () => {
  const api = await testApiserver();
  const body = { ...svc('web'), spec: { ...svc('web').spec, bogus: 1, ports: [{ port: 80, nodeport: 5 }] }, extra: { a: 1 } };
  const res = await api.request('POST', SVC, body);
  assert.is(res.status, 201);
  const got = (await api.request('GET', `${SVC}/web`)).body;
  assert.is(got.extra, undefined);
  assert.is(got.spec.bogus, undefined);
  assert.is(got.spec.ports[0].nodeport, undefined);
});

test('9b. a write whose Content-Type is not JSON is 415; JSON with parameters and no header are accepted', async () => {
  const api = await testApiserver();
  const send = (contentType: string | undefined, name: string) =>
    api.app.request(SVC, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(contentType ? { 'content-type': contentType } : {}) },
      // bytes, not a string: fetch would label a string text/plain
      body: new TextEncoder().encode(JSON.stringify(svc(name))),
    });
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/yaml']) {
    const revision = api.store.currentRevision();
    const res = await send(type, 'x');
    assert.is(res.status, 415, type);
    const status = await res.json();
    assert.is(status.reason, 'UnsupportedMediaType');
    assert.match(status.message, /the body of the request was in an unknown format - accepted media types include: application\/json/);
    assert.is(api.store.currentRevision(), revision);
  }
  assert.is((await send('application/json; charset=utf-8', 'a')).status, 201);
  assert.is((await send(undefined, 'b')).status, 201);
});

test('9c. annotations are limited to 256 KiB in total', async () => {
  const api = await testApiserver();
  const withAnnotations = (annotations: Record<string, string>) => ({ ...svc('big'), metadata: { name: 'big', annotations } });
  await refused(api, 'POST', SVC, withAnnotations({ blob: 'x'.repeat(1_000_000) }), 422,
    'Service "big" is invalid: metadata.annotations: Too long: must have at most 262144 bytes');
  await refused(api, 'POST', SVC, withAnnotations({ a: 'x'.repeat(131072), b: 'y'.repeat(131072) }), 422, /Too long: must have at most 262144 bytes/);
  assert.is((await api.request('POST', SVC, withAnnotations({ a: 'x'.repeat(200_000) }))).status, 201);
});

test('Invalid errors name the Kind as Kubernetes does', async () => {
  const api = await testApiserver();
  const res = await refused(api, 'POST', SVC, svc('web', { ports: [{ port: 0 }] }), 422, /^Service "web" is invalid: /);
  assert.equal({ kind: res.details.kind, name: res.details.name, group: res.details.group }, { kind: 'Service', name: 'web', group: undefined });
  const ing = await refused(api, 'POST', ING, ingress('web', []), 422, /^Ingress\.networking\.k8s\.io "web" is invalid: /);
  assert.equal({ kind: ing.details.kind, group: ing.details.group }, { kind: 'Ingress', group: 'networking.k8s.io' });
});

test.run();
