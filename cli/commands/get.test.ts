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

const pod = (name: string, labels: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: { nodeName: 'node1', containers: [{ name: 'c', image: 'echo' }] },
  status: { phase: 'Running', podIP: '10.244.1.2', conditions: [{ type: 'Ready', status: 'True' }] },
});

test('several kinds at once (svc,pods) and all: one table per kind, names as kind/name', async () => {
  const h = harness([...objects(), pod('web-0', { run: 'web' })]);
  let r = await h.run('get', 'svc,pods');
  assert.is(r.code, 0, r.err);
  const [svcTable, podTable] = r.out.split('\n\n');
  assert.match(svcTable, /^NAME\s+TYPE/);
  assert.match(svcTable, /\nservice\/web\s+NodePort/);
  assert.match(podTable, /^NAME\s+READY\s+STATUS/);
  assert.match(podTable, /\npod\/web-0\s+1\/1\s+Running/);
  r = await h.run('get', 'all');
  assert.ok(r.out.indexOf('pod/web-0') < r.out.indexOf('service/web'), 'pods first, as kubectl');
  r = await h.run('get', 'svc,pods', '-o', 'json');
  assert.equal(JSON.parse(r.out).items.map((o: { kind: string }) => o.kind).sort(), ['Pod', 'Service', 'Service']);
  r = await h.run('get', 'svc,pods', 'web');
  assert.is(r.code, 1);
  r = await h.run('get', 'svc,widgets');
  assert.is(r.err, 'error: the server doesn\'t have a resource type "widgets"\n');
});

test('--show-labels adds LABELS', async () => {
  const h = harness([pod('web-0', { run: 'web', tier: 'front' })]);
  const r = await h.run('get', 'pods', '--show-labels');
  assert.match(r.out, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+LABELS\n/);
  assert.match(r.out, /web-0\s+1\/1\s+Running\s+0\s+5m\s+run=web,tier=front\n/);
});

test('get events lists oldest first with LAST SEEN, TYPE, REASON, OBJECT, MESSAGE', async () => {
  const ev = (name: string, at: string, reason: string, message: string) => ({
    apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default' }, involvedObject: { kind: 'Service', name: 'web', namespace: 'default' },
    reason, message, type: 'Normal', lastTimestamp: at, count: 1,
  });
  const h = harness([ev('b', '2026-11-25T12:59:00Z', 'EndpointReady', 'Endpoint 10.244.1.2 is ready'), ev('a', '2026-11-25T12:58:00Z', 'IPAllocated', 'Assigned IP ["192.168.77.200"]')]);
  const r = await h.run('get', 'events');
  assert.is(
    r.out,
    [
      'LAST SEEN   TYPE     REASON          OBJECT        MESSAGE',
      '2m          Normal   IPAllocated     service/web   Assigned IP ["192.168.77.200"]',
      '60s         Normal   EndpointReady   service/web   Endpoint 10.244.1.2 is ready',
      '',
    ].join('\n'),
  );
});

/** A watch stream the test writes to, in the Kubernetes format; every other request goes to the fake apiserver. */
function withWatchStream(h: ReturnType<typeof harness>) {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const urls: string[] = [];
  let opened!: () => void;
  const open = new Promise<void>((r) => (opened = r));
  const fetch = h.io.fetch!;
  h.io.fetch = async (input, init) => {
    if (!String(input).includes('watch=true')) return fetch(input, init);
    urls.push(String(input));
    opened();
    init?.signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
    return new Response(stream, { headers: { 'content-type': 'application/json' } });
  };
  return { urls, open, send: (type: string, object: unknown) => controller.enqueue(encoder.encode(JSON.stringify({ type, object }) + '\n')), end: () => controller.close() };
}

test('get svc -w prints the list, then one aligned row per watch event, until the stream ends', async () => {
  const h = harness(objects());
  const w = withWatchStream(h);
  const running = h.run('get', 'svc', '-w');
  await w.open;
  assert.match(w.urls[0], /\/api\/v1\/namespaces\/default\/services\?watch=true&resourceVersion=\d+$/);
  const lb = service('lb', 'default', { type: 'LoadBalancer', clusterIP: '10.96.0.20', ports: [{ port: 80, nodePort: 30001 }] }, { metadata: { name: 'lb', namespace: 'default', creationTimestamp: '2026-11-25T12:59:59Z' } });
  w.send('ADDED', lb);
  w.send('BOOKMARK', { kind: 'Service', metadata: { resourceVersion: '99' } });
  w.send('MODIFIED', { ...lb, status: { loadBalancer: { ingress: [{ ip: '192.168.77.200' }] } } });
  w.end();
  const r = await running;
  assert.is(r.code, 0, r.err);
  assert.is(
    r.out,
    [
      'NAME     TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE',
      'tagged   ClusterIP   10.96.0.13   <none>        8080/TCP       5m',
      'web      NodePort    10.96.0.12   <none>        80:31234/TCP   5m',
      'lb       LoadBalancer   10.96.0.20   <pending>     80:30001/TCP   1s',
      'lb       LoadBalancer   10.96.0.20   192.168.77.200   80:30001/TCP   1s',
      '',
    ].join('\n'),
  );
});

test('get -w ends cleanly on a signal, and an ERROR event is one line on stderr', async () => {
  const h = harness(objects());
  let signal!: (s: string) => void;
  h.io.untilSignal = () => new Promise((r) => (signal = r));
  const w = withWatchStream(h);
  const running = h.run('get', 'svc', '-w');
  await w.open;
  signal('SIGINT');
  assert.is((await running).code, 0);

  const h2 = harness(objects());
  const w2 = withWatchStream(h2);
  const failing = h2.run('get', 'svc', '-w', '-o', 'name');
  await w2.open;
  w2.send('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 1 (5)' });
  const r = await failing;
  assert.equal([r.code, r.err], [1, 'Error from server (Expired): too old resource version: 1 (5)\n']);
});

test.run();
