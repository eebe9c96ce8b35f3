import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject, Service } from '../../api/types.ts';
import { skipTest } from '../../e2e/support/skip.ts';
import { harness } from './testing.ts';

const NODEPORT = `apiVersion: v1
kind: Service
metadata:
  name: test-nodeport
  namespace: demo
spec:
  type: NodePort
  selector:
    app: echo
  ports:
    - port: 8080
      targetPort: 8080
      nodePort: 32540
`;

const MULTI = `apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
# a comment-only document is skipped
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: demo
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: demo, namespace: demo}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
`;

const pod = (name: string, namespace: string, labels: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'main', image: 'echo' }] },
});

test('multi-document YAML: created, then unchanged on the second apply', async () => {
  const h = harness([pod('web-0', 'demo', { app: 'web' })]);
  h.files['all.yaml'] = MULTI;
  let r = await h.run('apply', '-f', 'all.yaml');
  assert.equal([r.code, r.err], [0, '']);
  assert.is(r.out, 'namespace/demo created\nservice/web created\ningress.networking.k8s.io/demo created\n');
  const svc = h.server.objects.get('services/demo/web') as Service;
  r = await h.run('apply', '-f', 'all.yaml');
  assert.is(r.out, 'namespace/demo unchanged\nservice/web unchanged\ningress.networking.k8s.io/demo unchanged\n');
  assert.is((h.server.objects.get('services/demo/web') as Service).metadata.resourceVersion, svc.metadata.resourceVersion);
});

test('a changed manifest is configured and keeps clusterIP and nodePort', async () => {
  const h = harness();
  h.files['a.yaml'] = MULTI;
  await h.run('apply', '-f', 'a.yaml');
  const before = h.server.objects.get('services/demo/web') as Service;
  h.files['b.yaml'] = MULTI.replace('targetPort: 8080', 'targetPort: 9090');
  const r = await h.run('apply', '-f', 'b.yaml');
  assert.match(r.out, 'service/web configured\n');
  const after = h.server.objects.get('services/demo/web') as Service;
  assert.is(after.spec.clusterIP, before.spec.clusterIP);
  assert.is(after.spec.ports![0].nodePort, before.spec.ports![0].nodePort);
  assert.is(after.spec.ports![0].targetPort, 9090);
});

test('JSON from stdin, and a List kind', async () => {
  const h = harness();
  h.stdin.text = JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: { ports: [{ port: 1 }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b' }, spec: { ports: [{ port: 2 }] } },
    ],
  });
  const r = await h.run('apply', '-f', '-');
  assert.is(r.out, 'service/a created\nservice/b created\n');
  assert.ok(h.server.objects.has('services/default/a'));
});

test('-n sets the namespace of objects that have none; a different one is refused', async () => {
  const h = harness();
  h.files['s.yaml'] = 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n';
  let r = await h.run('apply', '-f', 's.yaml', '-n', 'other');
  assert.is(r.code, 0);
  assert.ok(h.server.objects.has('services/other/s'));
  h.files['np.yaml'] = NODEPORT;
  r = await h.run('apply', '-f', 'np.yaml', '-n', 'other');
  assert.is(r.code, 1);
  assert.match(r.err, `error: the namespace from the provided object "demo" does not match the namespace "other"`);
});

test('an allocated nodePort fails with the server message, other objects still apply', async () => {
  const h = harness();
  h.files['np.yaml'] = NODEPORT;
  h.files['np2.yaml'] = NODEPORT.replace('test-nodeport', 'test-nodeport2') + '---\n' + 'apiVersion: v1\nkind: Service\nmetadata: {name: fine, namespace: demo}\nspec: {ports: [{port: 80}]}\n';
  assert.is((await h.run('apply', '-f', 'np.yaml')).code, 0);
  const r = await h.run('apply', '-f', 'np2.yaml');
  assert.is(r.code, 1);
  assert.is(
    r.err,
    'Error from server (Invalid): Service "test-nodeport2" is invalid: spec.ports[0].nodePort: Invalid value: 32540: provided port is already allocated\n',
  );
  assert.is(r.out, 'service/fine created\n');
  assert.not.ok(h.server.objects.has('services/demo/test-nodeport2'));
});

test('-f DIR applies its .yaml/.yml/.json files in name order', async () => {
  const h = harness();
  h.files['dir/a-ns.yaml'] = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n';
  h.files['dir/b-svc.json'] = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'demo' }, spec: { ports: [{ port: 80 }] } });
  h.files['dir/notes.txt'] = 'not a manifest';
  const r = await h.run('apply', '-f', 'dir/');
  assert.equal([r.code, r.out, r.err], [0, 'namespace/demo created\nservice/s created\n', '']);
});

test('bad input: nothing is sent', async () => {
  const h = harness();
  h.files['bad.yaml'] = 'kind: Service\nmetadata: {name: x}\n';
  h.files['broken.yaml'] = 'apiVersion: v1\nkind: Service\nmetadata: {name: [x\n';
  h.files['deploy.yaml'] = MULTI + '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n';
  const cases: [string[], RegExp][] = [
    [['apply'], /^error: must specify one of -f/],
    [['apply', '-f', 'missing.yaml'], /^error: the path "missing.yaml" does not exist/],
    [['apply', '-f', 'bad.yaml'], /^error: error validating "bad.yaml": apiVersion and kind must be set/],
    [['apply', '-f', 'broken.yaml'], /^error: error parsing broken.yaml:/],
    [['apply', '-f', 'deploy.yaml'], /no matches for kind "Deployment" in version "apps\/v1"/],
  ];
  for (const [argv, want] of cases) {
    const r = await h.run(...argv);
    assert.is(r.code, 1, argv.join(' '));
    assert.match(r.err, want);
    assert.is(r.err.split('\n').length, 2, `one line: ${r.err}`);
  }
  assert.equal(h.server.requests, []);
});

test('-f DIR: Namespaces first, then the rest in file order; a missing namespace names the file', async () => {
  const h = harness([], {}, { requireNamespaces: true });
  h.files['ex/clusterip.yaml'] = NODEPORT.replace('test-nodeport', 'a').replace('nodePort: 32540', '');
  h.files['ex/namespace.yaml'] = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n';
  h.files['ex/pods.yaml'] = 'apiVersion: v1\nkind: Pod\nmetadata: {name: echo-0, namespace: demo, labels: {app: echo}}\nspec: {containers: [{name: echo, image: echo}]}\n';
  let r = await h.run('apply', '-f', 'ex');
  assert.equal([r.code, r.err], [0, '']);
  assert.is(r.out, 'namespace/demo created\nservice/a created\npod/echo-0 created\n', 'the pod applied with it counts: no hint');
  h.files['lonely.yaml'] = NODEPORT.replace('demo', 'staging');
  r = await h.run('apply', '-f', 'lonely.yaml');
  assert.is(r.code, 1);
  assert.is(
    r.err,
    'Error from server (NotFound): error when creating "lonely.yaml": namespaces "staging" not found (apply the Namespace first, e.g. a manifest with kind: Namespace and name: staging in the same minik apply -f)\n',
  );
  h.files['svc.yaml'] = NODEPORT.replace('test-nodeport', 'b').replace('nodePort: 32540', '').replace('app: echo', 'app: nothing');
  r = await h.run('apply', '-f', 'svc.yaml');
  assert.is(r.out, 'service/b created (no pods match app=nothing yet: minik run nothing -n demo --labels app=nothing --port 8080)\n');
});

test('the project\'s own examples/ apply as one directory on a fresh cluster: Namespace first, no hints, then unchanged', async () => {
  const dir = join(import.meta.dirname, '../../examples');
  const h = harness([], {}, { requireNamespaces: true });
  h.io.readDir = async (path) => readdirSync(path);
  const read = h.io.readFile;
  // The real files, as main.ts reads them (a directory is EISDIR).
  h.io.readFile = async (path) => (existsSync(path) ? readFileSync(path, 'utf8') : read(path));
  let r = await h.run('apply', '-f', dir);
  assert.equal([r.code, r.err], [0, '']);
  const lines = r.out.trim().split('\n');
  assert.is(lines[0], 'namespace/demo created');
  assert.ok(lines.every((l) => l.endsWith(' created')), r.out);
  for (const name of ['pod/echo-0', 'service/cluster-ip', 'service/echo-headless', 'service/test-nodeport', 'service/test-lb', 'service/echo-udp', 'service/docs', 'service/echo-alias', 'ingress.networking.k8s.io/demo']) {
    assert.ok(lines.includes(`${name} created`), name);
  }
  r = await h.run('apply', '-f', dir);
  assert.ok(r.out.trim().split('\n').every((l) => l.endsWith(' unchanged')), r.out);
  r = await h.run('apply', '-f', join(dir, 'mistakes/nodeport-copy.yaml'));
  assert.is(r.err, 'Error from server (Invalid): Service "test-nodeport-2" is invalid: spec.ports[0].nodePort: Invalid value: 32540: provided port is already allocated\n');
});

const EXAMPLES = join(import.meta.dirname, '../../../shared/examples');
if (existsSync(EXAMPLES)) {
  test('every manifest in shared/examples applies unchanged (namespace first)', async () => {
    // The pods its README says to run (minik run echo --replicas 3 --port 8080 --labels app=echo -n demo).
    const h = harness([0, 1, 2].map((i) => pod(`echo-${i}`, 'demo', { run: 'echo', app: 'echo' })));
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).sort((a, b) => (a === 'namespace.yaml' ? -1 : b === 'namespace.yaml' ? 1 : a.localeCompare(b)));
    for (const f of files) h.files[f] = readFileSync(join(EXAMPLES, f), 'utf8');
    for (const f of files) {
      const r = await h.run('apply', '-f', f);
      assert.equal([r.code, r.err], [0, ''], f);
      assert.match(r.out, / created\n$/);
    }
    const r = await h.run('get', 'svc', '-n', 'demo');
    assert.match(r.out, /test-nodeport\s+NodePort\s+\S+\s+<none>\s+8080:32540\/TCP/);
    assert.match(r.out, /docs\s+ExternalName\s+<none>\s+docs\.example\.com/);
    assert.match(r.out, /test-lb\s+LoadBalancer\s+\S+\s+192\.168\.77\.200/);
    for (const f of files) assert.match((await h.run('apply', '-f', f)).out, / unchanged\n$/, f);
  });
} else {
  skipTest(test, 'shared/examples apply', `${EXAMPLES} is not present in this checkout`);
}

test.run();
