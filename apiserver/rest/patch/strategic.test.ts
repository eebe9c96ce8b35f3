import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Json } from './merge.ts';
import { mergePatch } from './merge.ts';
import { kindMeta } from './meta.ts';
import { strategicMergePatch } from './strategic.ts';

const svc = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', labels: { app: 'web', tier: 'fe' }, finalizers: ['a'] },
  spec: {
    selector: { app: 'web', tier: 'fe' },
    clusterIPs: ['10.96.0.5'],
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
    ],
  },
} as unknown as Json;
const smp = (original: Json, patch: Json, kind: 'Service' | 'Pod' = 'Service') => strategicMergePatch(original, patch, kindMeta(kind)) as any;

test('service ports merge by their key (port): one element changed, others kept; a merge patch replaces the list', () => {
  const out = smp(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } });
  assert.equal(out.spec.ports, [
    { name: 'http', port: 80, protocol: 'TCP', targetPort: 9090 },
    { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
  ]);
  const merged = mergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }) as any;
  assert.equal(merged.spec.ports, [{ port: 80, targetPort: 9090 }]);
});

test('a new key appends; $patch: delete removes an element; $patch: replace replaces the list', () => {
  assert.equal(smp(svc, { spec: { ports: [{ port: 443, targetPort: 8443 }] } }).spec.ports.map((p: any) => p.port), [80, 53, 443]);
  assert.equal(smp(svc, { spec: { ports: [{ port: 53, $patch: 'delete' }] } }).spec.ports.map((p: any) => p.port), [80]);
  assert.equal(smp(svc, { spec: { ports: [{ $patch: 'replace' }, { port: 1 }] } }).spec.ports, [{ port: 1 }]);
});

test('atomic lists and atomic maps are replaced whole; null deletes; labels merge key by key', () => {
  const out = smp(svc, { metadata: { labels: { tier: null, env: 'prod' } }, spec: { selector: { app: 'other' }, clusterIPs: ['10.96.0.9'] } });
  assert.equal(out.metadata.labels, { app: 'web', env: 'prod' });
  assert.equal(out.spec.selector, { app: 'other' }, 'selector is x-kubernetes-map-type atomic');
  assert.equal(out.spec.clusterIPs, ['10.96.0.9']);
});

test('kubectl apply/edit directives: $setElementOrder, $deleteFromPrimitiveList, $retainKeys, set union', () => {
  const reordered = smp(svc, { spec: { '$setElementOrder/ports': [{ port: 53 }, { port: 80 }], ports: [{ port: 80, name: 'web' }] } });
  assert.equal(reordered.spec.ports.map((p: any) => `${p.port}:${p.name}`), ['53:dns', '80:web']);
  assert.equal(smp(svc, { metadata: { finalizers: ['b', 'a'] } }).metadata.finalizers, ['a', 'b'], 'finalizers are a set: union');
  assert.equal(smp(svc, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }).metadata.finalizers, []);
  const retained = smp(svc, { spec: { $retainKeys: ['ports', 'type'], type: 'NodePort' } });
  assert.equal(Object.keys(retained.spec).sort(), ['ports', 'type']);
});

test('pod containers merge by name, and their ports by containerPort', () => {
  const pod = { kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'echo', ports: [{ containerPort: 80 }], args: ['x'] }, { name: 'b', image: 'echo' }] } } as unknown as Json;
  const out = smp(pod, { spec: { containers: [{ name: 'a', ports: [{ containerPort: 81 }], args: ['y'] }] } }, 'Pod');
  assert.equal(out.spec.containers[0], { name: 'a', image: 'echo', ports: [{ containerPort: 80 }, { containerPort: 81 }], args: ['y'] });
  assert.equal(out.spec.containers[1], { name: 'b', image: 'echo' });
});

test('malformed patches are 400s', () => {
  assert.throws(() => smp(svc, [] as unknown as Json), /must be a JSON object/);
  assert.throws(() => smp(svc, { spec: { ports: [{ name: 'no-port' }] } }), /does not contain declared merge key: port/);
});

test.run();
