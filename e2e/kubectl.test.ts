// Stock kubectl against a real `minik apiserver` process on loopback, over
// TLS, with a kubeconfig holding the apiserver's CA and token: discovery,
// OpenAPI, server-side tables, every patch type, server-side apply, diff,
// dry run, watch, explain. Each step asserts what kubectl printed or what the
// server then holds. No network namespaces: no lock needed.
//
// kubectl sends a bearer token only over https, so a build whose apiserver
// still serves plain http cannot run this and says so (SKIP).

import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killAll, startMinik } from './support/minik-process.ts';
import { skipTest } from './support/skip.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'shared', 'examples');
const KUBECTL = process.env.MINIK_TEST_KUBECTL ?? '/usr/bin/kubectl';
const dir = mkdtempSync(join(tmpdir(), 'minik-kubectl-'));
const dataDir = join(dir, 'server');

interface Result {
  code: number;
  out: string;
  err: string;
}

let env: Record<string, string> = {};

function kubectl(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      [`--cache-dir=${join(dir, 'cache')}`, ...args],
      { env: { ...process.env, ...env, ...options.env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout, err: stderr }),
    );
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** Runs kubectl and fails the test (showing stderr) unless it exits 0. */
async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(args);
  assert.is(r.code, 0, `kubectl ${args.join(' ')} failed (${r.code}): ${r.err}`);
  return r.out;
}

const example = (name: string) => join(EXAMPLES, `${name}.yaml`);
const EXAMPLE_NAMES = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort((a, b) => (a === 'namespace' ? -1 : b === 'namespace' ? 1 : a.localeCompare(b)));

async function setup(): Promise<string | undefined> {
  if (!existsSync(KUBECTL)) return `no kubectl at ${KUBECTL} (set MINIK_TEST_KUBECTL)`;
  if (!existsSync(EXAMPLES)) return `no example manifests at ${EXAMPLES}`;
  const proc = startMinik(['apiserver', '--data-dir', dataDir, '--listen', '127.0.0.1:0']);
  const url = (await proc.waitFor(/REST on (https?:\/\/[\d.]+:\d+)/))[1];
  if (url.startsWith('http:')) return 'this build serves REST over plain http; kubectl sends tokens only over https';
  const ca = join(dataDir, 'ca.crt');
  if (!existsSync(ca)) return `the apiserver serves https but wrote no CA at ${ca}`;
  const token = readFileSync(join(dataDir, 'token'), 'utf8').trim();
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'minik', cluster: { server: url, 'certificate-authority': ca } }],
      users: [{ name: 'minik', user: { token } }],
      contexts: [{ name: 'minik', context: { cluster: 'minik', user: 'minik' } }],
      'current-context': 'minik',
    }),
  );
  env = { KUBECONFIG: kubeconfig, HOME: dir };
  return undefined;
}

const why = await setup().catch((err: Error) => `the apiserver did not start: ${err.message}`);

test.after(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

if (why) {
  skipTest(test, 'kubectl e2e', why);
} else {
  test('version and api-resources: discovery answers what kubectl asks', async () => {
    const version = await ok('version');
    assert.match(version, /Server Version: v1\.\d+\.\d+\+minik/);
    assert.not.match((await kubectl(['version'])).err, /WARNING: version difference/);
    const resources = await ok('api-resources');
    for (const line of [/^endpoints\s+ep\s+v1\s+true\s+Endpoints/m, /^namespaces\s+ns\s+v1\s+false\s+Namespace/m, /^nodes\s+no\s+v1\s+false\s+Node/m,
      /^pods\s+po\s+v1\s+true\s+Pod/m, /^services\s+svc\s+v1\s+true\s+Service/m, /^ingresses\s+ing\s+networking\.k8s\.io\/v1\s+true\s+Ingress/m]) {
      assert.match(resources, line);
    }
    const unknown = await kubectl(['get', 'deployments']);
    assert.is(unknown.code, 1);
    assert.match(unknown.err, /the server doesn't have a resource type "deployments"/);
  });

  test('apply -f every example: created, then unchanged, then a changed one configured', async () => {
    for (const name of EXAMPLE_NAMES) assert.match(await ok('apply', '-f', example(name)), /created/, name);
    for (const name of EXAMPLE_NAMES) assert.match(await ok('apply', '-f', example(name)), /unchanged/, name);
    const changed = readFileSync(example('clusterip'), 'utf8').replace('port: 8080\n', 'port: 8081\n');
    const file = join(dir, 'changed.yaml');
    writeFileSync(file, changed);
    const diff = await kubectl(['diff', '-f', file]);
    assert.is(diff.code, 1, diff.err);
    assert.match(diff.out, /-\s+- name: http\n\s+port: 8080|-\s+port: 8080/);
    assert.match(diff.out, /\+\s+port: 8081/);
    assert.is((await kubectl(['diff', '-f', example('nodeport')])).code, 0, 'no difference: exit 0');
    assert.match(await ok('apply', '-f', file), /service\/cluster-ip configured/);
    assert.is(await ok('get', 'svc', '-n', 'demo', 'cluster-ip', '-o', 'jsonpath={.spec.ports[0].port}'), '8081');
  });

  test('get: tables for every kind, -A, -o wide|yaml|json|jsonpath|name, -l', async () => {
    const all = await ok('get', 'svc', '-A');
    assert.match(all, /^NAMESPACE\s+NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\n/);
    assert.match(all, /kube-system\s+kube-dns\s+ClusterIP\s+10\.96\.0\.10\s+<none>\s+53\/UDP,53\/TCP/);
    assert.match(all, /demo\s+test-lb\s+LoadBalancer\s+10\.\S+\s+192\.168\.77\.\d+\s+80:3\d{4}\/TCP/);
    assert.match(all, /demo\s+docs\s+ExternalName\s+<none>\s+docs\.example\.com/);
    const wide = await ok('get', 'svc', '-n', 'demo', '-o', 'wide');
    assert.match(wide, /SELECTOR\n/);
    assert.match(wide, /test-nodeport\s+NodePort\s+\S+\s+<none>\s+8080:3\d{4}\/TCP\s+\S+\s+app=echo/);
    for (const kind of ['namespaces', 'nodes', 'pods', 'services', 'endpoints', 'ingresses', 'events']) {
      const r = await kubectl(['get', kind, '-A']);
      assert.is(r.code, 0, `${kind}: ${r.err}`);
    }
    assert.match(await ok('get', 'ing', '-n', 'demo'), /demo\s+<none>\s+sub\.example\.com,example\.com\s+80/);
    assert.match(await ok('get', 'ns'), /demo\s+Active/);
    const json = JSON.parse(await ok('get', 'svc', '-n', 'demo', '-o', 'json'));
    assert.is(json.kind, 'List');
    assert.equal(json.items.map((s: any) => s.metadata.name).sort(), ['cluster-ip', 'docs', 'test-lb', 'test-nodeport']);
    assert.match(await ok('get', 'svc', 'test-lb', '-n', 'demo', '-o', 'yaml'), /^kind: Service$/m);
    assert.is(await ok('get', 'svc', '-n', 'demo', '-o', 'name', '-l', 'app!=x', '--sort-by=.metadata.name'), 'service/cluster-ip\nservice/docs\nservice/test-lb\nservice/test-nodeport\n');
    await ok('label', 'svc', 'test-lb', '-n', 'demo', 'tier=edge');
    assert.is(await ok('get', 'svc', '-n', 'demo', '-l', 'tier=edge', '-o', 'name'), 'service/test-lb\n');
    assert.match(await ok('get', 'svc', '-n', 'demo', '--show-labels'), /test-lb\s.*tier=edge/);
  });

  test('describe shows a service as kubectl does', async () => {
    const out = await ok('describe', 'svc', 'test-lb', '-n', 'demo');
    assert.match(out, /^Name:\s+test-lb$/m);
    assert.match(out, /^Type:\s+LoadBalancer$/m);
    assert.match(out, /^LoadBalancer Ingress:\s+192\.168\.77\.\d+/m);
    assert.match(out, /^NodePort:\s+http\s+3\d{4}\/TCP$/m);
  });

  test('create service clusterip|nodeport|loadbalancer|externalname, run, expose, create ingress', async () => {
    assert.match(await ok('create', 'service', 'clusterip', 'c1', '--tcp=80:8080'), /service\/c1 created/);
    assert.match(await ok('create', 'service', 'nodeport', 'n1', '--tcp=80:8080', '--node-port=30555'), /service\/n1 created/);
    assert.match(await ok('create', 'service', 'loadbalancer', 'l1', '--tcp=80'), /service\/l1 created/);
    assert.match(await ok('create', 'service', 'externalname', 'e1', '--external-name=example.org'), /service\/e1 created/);
    assert.match(await ok('get', 'svc', 'n1'), /n1\s+NodePort\s+\S+\s+<none>\s+80:30555\/TCP/);
    assert.match(await ok('get', 'svc', 'e1'), /e1\s+ExternalName\s+<none>\s+example\.org/);
    const taken = await kubectl(['create', 'service', 'nodeport', 'n2', '--tcp=80:8080', '--node-port=30555']);
    assert.is(taken.code, 1);
    assert.match(taken.err, /spec\.ports\[0\]\.nodePort: Invalid value: 30555: provided port is already allocated/);

    assert.match(await ok('run', 'web', '--image=echo', '--port=8080'), /pod\/web created/);
    const pod = JSON.parse(await ok('get', 'pod', 'web', '-o', 'json'));
    assert.equal(pod.spec.containers.map((c: any) => [c.image, c.ports[0].containerPort]), [['echo', 8080]]);
    assert.equal(pod.metadata.labels, { run: 'web' });
    assert.match(await ok('expose', 'pod', 'web', '--port=80', '--target-port=8080', '--name=web-svc'), /service\/web-svc exposed/);
    assert.equal(JSON.parse(await ok('get', 'svc', 'web-svc', '-o', 'json')).spec.selector, { run: 'web' });
    const logs = await kubectl(['logs', 'web']);
    assert.is(logs.code, 1, 'no node runs the pod here');
    assert.match(logs.err, /Error from server/);

    assert.match(await ok('create', 'ingress', 'ing1', '--rule=foo.example/bar*=web-svc:80'), /ingress.networking.k8s.io\/ing1 created/);
    const ing = JSON.parse(await ok('get', 'ing', 'ing1', '-o', 'json'));
    assert.equal(ing.spec.rules[0].http.paths[0], { path: '/bar', pathType: 'Prefix', backend: { service: { name: 'web-svc', port: { number: 80 } } } });
  });

  test('patch (strategic, merge, json), label, annotate, edit', async () => {
    await ok('patch', 'svc', 'c1', '-p', '{"spec":{"ports":[{"port":80,"targetPort":9090}]}}');
    assert.is(await ok('get', 'svc', 'c1', '-o', 'jsonpath={.spec.ports[0].name}:{.spec.ports[0].targetPort}'), '80-8080:9090');
    await ok('patch', 'svc', 'c1', '--type=merge', '-p', '{"metadata":{"labels":{"m":"1"}}}');
    await ok('patch', 'svc', 'c1', '--type=json', '-p', '[{"op":"add","path":"/metadata/labels/j","value":"2"}]');
    await ok('label', 'svc', 'c1', 'l=3');
    await ok('annotate', 'svc', 'c1', 'note=hello');
    const svc = JSON.parse(await ok('get', 'svc', 'c1', '-o', 'json'));
    assert.equal(svc.metadata.labels, { app: 'c1', m: '1', j: '2', l: '3' });
    assert.is(svc.metadata.annotations.note, 'hello');
    const bad = await kubectl(['patch', 'svc', 'c1', '--type=merge', '-p', '{"spec":{"type":"Nope"}}']);
    assert.is(bad.code, 1);
    assert.match(bad.err, /The Service "c1" is invalid: spec\.type: Unsupported value: "Nope"/);

    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/note: hello/note: edited/" "$1"\n');
    chmodSync(editor, 0o755);
    const edited = await kubectl(['edit', 'svc', 'c1'], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
    assert.is(edited.code, 0, edited.err);
    assert.match(edited.out, /service\/c1 edited/);
    assert.is(await ok('get', 'svc', 'c1', '-o', 'jsonpath={.metadata.annotations.note}'), 'edited');
  });

  test('apply --server-side: field managers, conflicts as Kubernetes reports them, --force-conflicts', async () => {
    assert.match(await ok('apply', '--server-side', '-f', example('loadbalancer')), /service\/test-lb serverside-applied/);
    const manifest = `apiVersion: v1\nkind: Service\nmetadata:\n  name: c1\nspec:\n  ports:\n  - name: 80-8080\n    port: 80\n    targetPort: 7070\n`;
    const file = join(dir, 'ssa.yaml');
    writeFileSync(file, manifest);
    const conflict = await kubectl(['apply', '--server-side', '-f', file]);
    assert.is(conflict.code, 1);
    assert.match(conflict.err, /Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: \.spec\.ports\[port=80,protocol="TCP"\]\.targetPort/);
    assert.match(await ok('apply', '--server-side', '--force-conflicts', '-f', file), /serverside-applied/);
    const svc = JSON.parse(await ok('get', 'svc', 'c1', '-o', 'json', '--show-managed-fields'));
    assert.is(svc.spec.ports[0].targetPort, 7070);
    assert.ok(svc.metadata.managedFields.some((f: any) => f.manager === 'kubectl' && f.operation === 'Apply'));
  });

  test('--dry-run=server stores nothing', async () => {
    const before = await ok('get', 'svc', '-A', '-o', 'name');
    assert.match(await ok('create', 'service', 'clusterip', 'dry', '--tcp=80', '--dry-run=server'), /service\/dry created \(server dry run\)/);
    assert.match(await ok('delete', 'svc', 'c1', '--dry-run=server'), /deleted \(server dry run\)/);
    assert.match(await ok('apply', '-f', example('nodeport'), '--dry-run=server'), /server dry run/);
    assert.is(await ok('get', 'svc', '-A', '-o', 'name'), before);
  });

  test('get svc -w sees a create and a delete', async () => {
    const watcher = spawn(KUBECTL, [`--cache-dir=${join(dir, 'cache')}`, 'get', 'svc', '-w', '--output-watch-events'], { env: { ...process.env, ...env } });
    let out = '';
    watcher.stdout.on('data', (d) => (out += d));
    watcher.stderr.on('data', (d) => (out += d));
    const waitFor = async (pattern: RegExp) => {
      const deadline = Date.now() + 20_000;
      while (!pattern.test(out)) {
        assert.ok(Date.now() < deadline, `watch output never matched ${pattern}:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await waitFor(/ADDED\s+c1\s/);
      await ok('create', 'service', 'clusterip', 'watched', '--tcp=80');
      await waitFor(/ADDED\s+watched\s+ClusterIP/);
      await ok('delete', 'svc', 'watched');
      await waitFor(/DELETED\s+watched\s+ClusterIP/);
    } finally {
      watcher.kill();
    }
  });

  test('explain reads the OpenAPI documents', async () => {
    const out = await ok('explain', 'service.spec.ports');
    assert.match(out, /KIND:\s+Service/);
    assert.match(out, /targetPort\s+<IntOrString>/);
    assert.match(out, /port\s+<integer> -required-/);
    assert.match(await ok('explain', 'ingress.spec.rules'), /GROUP:\s+networking\.k8s\.io/);
  });

  test('delete and delete -f', async () => {
    assert.match(await ok('delete', 'svc', 'c1', 'n1'), /service "c1" deleted\nservice "n1" deleted/);
    assert.match(await ok('delete', '-f', example('ingress')), /ingress.networking.k8s.io "demo" deleted/);
    const gone = await kubectl(['get', 'svc', 'c1']);
    assert.is(gone.code, 1);
    assert.match(gone.err, /Error from server \(NotFound\): services "c1" not found/);
    assert.match(await ok('delete', 'ns', 'demo'), /namespace "demo" deleted/);
    assert.not.match(await ok('get', 'svc', '-A'), /test-lb/);
  });
}

test.run();
