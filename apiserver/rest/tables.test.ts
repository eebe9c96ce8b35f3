import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AnyObject } from '../../api/types.ts';
import { testApiserver, TEST_TOKEN } from '../testing.ts';
import { tableVersionRequested, toTable } from './tables.ts';

const KUBECTL_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const NOW = new Date('2026-01-01T01:00:00Z');
const service = (name: string, spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' }, spec, status }) as unknown as AnyObject;

test('the Accept header kubectl sends asks for a v1 Table; plain JSON first does not', () => {
  assert.is(tableVersionRequested(KUBECTL_ACCEPT), 'meta.k8s.io/v1');
  assert.is(tableVersionRequested('application/json;as=Table;v=v1beta1;g=meta.k8s.io'), 'meta.k8s.io/v1beta1');
  assert.is(tableVersionRequested('application/json, application/json;as=Table;v=v1;g=meta.k8s.io'), undefined);
  assert.is(tableVersionRequested(undefined), undefined);
});

test("Service rows read as kubectl's: type, cluster IP, external IP, ports, age; SELECTOR only with -o wide", () => {
  const table = toTable(
    'Service',
    [
      service('lb', { type: 'LoadBalancer', clusterIP: '10.96.0.5', selector: { app: 'web' }, ports: [{ port: 80, nodePort: 31234, protocol: 'TCP' }] }, { loadBalancer: { ingress: [{ ip: '192.168.77.200' }] } }),
      service('pending', { type: 'LoadBalancer', clusterIP: '10.96.0.6', ports: [{ port: 53, nodePort: 30053, protocol: 'UDP' }] }),
      service('ext', { type: 'ExternalName', externalName: 'example.org' }),
      service('headless', { clusterIP: 'None', selector: { a: 'b', c: 'd' } }),
    ],
    { now: NOW },
  );
  assert.equal(table.columnDefinitions.map((c) => `${c.name}:${c.priority}`), [
    'Name:0', 'Type:0', 'Cluster-IP:0', 'External-IP:0', 'Port(s):0', 'Age:0', 'Selector:1',
  ]);
  assert.equal(table.rows.map((r) => r.cells), [
    ['lb', 'LoadBalancer', '10.96.0.5', '192.168.77.200', '80:31234/TCP', '60m', 'app=web'],
    ['pending', 'LoadBalancer', '10.96.0.6', '<pending>', '53:30053/UDP', '60m', '<none>'],
    ['ext', 'ExternalName', '<none>', 'example.org', '<none>', '60m', '<none>'],
    ['headless', 'ClusterIP', 'None', '<none>', '<none>', '60m', 'a=b,c=d'],
  ]);
  // Metadata by default: kubectl adds NAMESPACE and label columns from it.
  assert.equal(table.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'lb', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' } });
});

test('Pod, Node, Endpoints, Ingress and Namespace columns are Kubernetes\' own', () => {
  const names = (kind: Parameters<typeof toTable>[0]) => toTable(kind, [], { now: NOW }).columnDefinitions.map((c) => c.name.toUpperCase());
  assert.equal(names('Pod'), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
  assert.equal(names('Node'), ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
  assert.equal(names('Endpoints'), ['NAME', 'ENDPOINTS', 'AGE']);
  assert.equal(names('Ingress'), ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
  assert.equal(names('Namespace'), ['NAME', 'STATUS', 'AGE']);
  const pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'default', creationTimestamp: '2026-01-01T00:59:30Z' },
    spec: { nodeName: 'node1', containers: [{ name: 'web', image: 'echo' }] },
    status: { phase: 'Running', podIP: '10.244.1.5', restartCount: 2, conditions: [{ type: 'Ready', status: 'True' }] },
  } as unknown as AnyObject;
  assert.equal(toTable('Pod', [pod], { now: NOW }).rows[0].cells, ['web-0', '1/1', 'Running', '2', '30s', '10.244.1.5', 'node1', '<none>', '<none>']);
  const ep = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', creationTimestamp: '2026-01-01T00:00:00Z' },
    subsets: [{ addresses: [{ ip: '10.244.1.5' }, { ip: '10.244.2.5' }], ports: [{ port: 8080 }] }] } as unknown as AnyObject;
  assert.equal(toTable('Endpoints', [ep], { now: NOW }).rows[0].cells, ['web', '10.244.1.5:8080,10.244.2.5:8080', '60m']);
});

test('GET list and GET item answer Tables when asked; includeObject=Object embeds the object', async () => {
  const { app } = await testApiserver();
  const get = async (path: string, accept: string) =>
    (await app.request(path, { headers: { authorization: `Bearer ${TEST_TOKEN}`, accept } })).json() as Promise<any>;
  const list = await get('/api/v1/services', KUBECTL_ACCEPT);
  assert.is(list.kind, 'Table');
  assert.ok(Number(list.metadata.resourceVersion) > 0);
  assert.equal(list.rows.map((r: any) => r.cells.slice(0, 3)), [['kube-dns', 'ClusterIP', '10.96.0.10']]);
  const item = await get('/api/v1/namespaces/kube-system/services/kube-dns?includeObject=Object', KUBECTL_ACCEPT);
  assert.is(item.rows.length, 1);
  assert.is(item.rows[0].object.spec.clusterIP, '10.96.0.10');
  const plain = await get('/api/v1/services', 'application/json');
  assert.is(plain.kind, 'ServiceList');
});

test.run();
