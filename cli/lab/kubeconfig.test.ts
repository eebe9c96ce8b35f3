import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  kubeconfigPath,
  kubeContextName,
  KubeconfigError,
  labKubeconfig,
  mergeKubeconfig,
  removeFromKubeconfig,
  updateKubeconfigFile,
  type LabCredentials,
} from './kubeconfig.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const LAB: LabCredentials = { lab: 'mk1', server: 'https://127.0.0.1:6443', token: 'tok1', caPem: CA };
const PATH = '/home/u/.kube/config';

// Someone's existing kubeconfig: a kind cluster with a client certificate, current.
const KIND = `apiVersion: v1
kind: Config
clusters:
- name: kind-kind
  cluster:
    server: https://127.0.0.1:40000
    certificate-authority-data: S0lORA==
users:
- name: kind-kind
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
contexts:
- name: kind-kind
  context:
    cluster: kind-kind
    user: kind-kind
    namespace: dev
current-context: kind-kind
preferences: {}
`;

test('kubeconfigPath: the first file of $KUBECONFIG, else ~/.kube/config', () => {
  assert.is(kubeconfigPath({ HOME: '/home/u' }), '/home/u/.kube/config');
  assert.is(kubeconfigPath({ HOME: '/home/u', KUBECONFIG: '/tmp/a:/tmp/b' }), '/tmp/a');
  assert.is(kubeconfigPath({ HOME: '/home/u', KUBECONFIG: '' }), '/home/u/.kube/config');
  assert.is(kubeconfigPath({ HOME: '/home/u', KUBECONFIG: ':/tmp/b' }), '/tmp/b');
});

test('labKubeconfig: cluster with the CA data, user with the token, context minik-LAB current', () => {
  const doc = parse(labKubeconfig(LAB));
  assert.equal(doc, {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'minik-mk1', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from(CA).toString('base64') } }],
    users: [{ name: 'minik-mk1', user: { token: 'tok1' } }],
    contexts: [{ name: 'minik-mk1', context: { cluster: 'minik-mk1', user: 'minik-mk1' } }],
    'current-context': 'minik-mk1',
    preferences: {},
  });
});

test('merge into no file makes a whole kubeconfig', () => {
  const doc = parse(mergeKubeconfig(undefined, LAB, { path: PATH, makeCurrent: true }));
  assert.equal({ ...doc, preferences: {} }, parse(labKubeconfig(LAB)));
});

test("merge keeps someone else's entries untouched and in order, and makes ours current", () => {
  const doc = parse(mergeKubeconfig(KIND, LAB, { path: PATH, makeCurrent: true }));
  const kind = parse(KIND);
  assert.equal(doc.clusters, [...kind.clusters, parse(labKubeconfig(LAB)).clusters[0]]);
  assert.equal(doc.users, [...kind.users, parse(labKubeconfig(LAB)).users[0]]);
  assert.equal(doc.contexts[0], kind.contexts[0], 'the other context keeps its namespace');
  assert.is(doc['current-context'], 'minik-mk1');
  assert.equal(doc.preferences, {});
});

test('merge without makeCurrent leaves current-context alone; merging again replaces, never duplicates', () => {
  const once = mergeKubeconfig(KIND, LAB, { path: PATH, makeCurrent: false });
  assert.is(parse(once)['current-context'], 'kind-kind');
  const twice = parse(mergeKubeconfig(once, { ...LAB, token: 'tok2', server: 'https://127.0.0.1:7443' }, { path: PATH, makeCurrent: false }));
  assert.equal(twice.clusters.map((c: { name: string }) => c.name), ['kind-kind', 'minik-mk1']);
  assert.is(twice.users[1].user.token, 'tok2');
  assert.is(twice.clusters[1].cluster.server, 'https://127.0.0.1:7443');
});

test('two labs live side by side; removing one leaves the other and the foreign entries', () => {
  let text = mergeKubeconfig(KIND, LAB, { path: PATH, makeCurrent: true });
  text = mergeKubeconfig(text, { ...LAB, lab: 'mk2' }, { path: PATH, makeCurrent: true });
  const { text: after, removed } = removeFromKubeconfig(text, 'mk1', PATH);
  assert.ok(removed);
  const doc = parse(after);
  assert.equal(doc.contexts.map((c: { name: string }) => c.name), ['kind-kind', 'minik-mk2']);
  assert.equal(doc.users.map((c: { name: string }) => c.name), ['kind-kind', 'minik-mk2']);
  assert.is(doc['current-context'], 'minik-mk2', 'not ours: left alone');
});

test('removing the current lab unsets current-context; removing what is not there changes nothing', () => {
  const text = mergeKubeconfig(KIND, LAB, { path: PATH, makeCurrent: true });
  const gone = parse(removeFromKubeconfig(text, 'mk1', PATH).text);
  assert.is(gone['current-context'], '');
  assert.equal(gone.clusters, parse(KIND).clusters);
  const none = removeFromKubeconfig(KIND, 'mk9', PATH);
  assert.not.ok(none.removed);
  assert.equal(parse(none.text), parse(KIND));
});

test('a kubeconfig that is not a map, or whose lists are not lists, is refused, not overwritten', () => {
  for (const bad of ['- a\n- b\n', 'clusters: 3\n', 'a: [b\n']) {
    assert.throws(() => mergeKubeconfig(bad, LAB, { path: PATH, makeCurrent: true }), (err: unknown) => err instanceof KubeconfigError && /cannot update kubeconfig "\/home\/u\/.kube\/config"/.test((err as Error).message));
  }
});

test('updateKubeconfigFile writes 0600 through a temp file, creates the folder, and skips writing on undefined', () => {
  const dir = mkdtempSync(join(tmpdir(), 'minik-kubeconfig-'));
  try {
    const path = join(dir, 'nested', 'config');
    assert.ok(updateKubeconfigFile(path, (text) => mergeKubeconfig(text, LAB, { path, makeCurrent: true })));
    assert.is(statSync(path).mode & 0o777, 0o600);
    assert.is(parse(readFileSync(path, 'utf8'))['current-context'], kubeContextName('mk1'));
    writeFileSync(path, KIND);
    assert.not.ok(updateKubeconfigFile(path, () => undefined));
    assert.is(readFileSync(path, 'utf8'), KIND);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
