import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isUnchanged, mergeForApply } from './apply-merge.ts';
import type { Namespace, Pod, Service } from './types.ts';

const live: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'demo', uid: 'u1', resourceVersion: '7', creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: 'web' } },
  spec: {
    type: 'LoadBalancer',
    selector: { app: 'web' },
    clusterIP: '10.96.0.20',
    clusterIPs: ['10.96.0.20'],
    ports: [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 31000 },
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53, nodePort: 31001 },
    ],
    sessionAffinity: 'None',
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
  },
  status: { loadBalancer: { ingress: [{ ip: '192.168.77.200' }] } },
};

const manifest = (spec: Partial<Service['spec']> = {}, labels: Record<string, string> | null = { app: 'web' }): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'demo', ...(labels ? { labels } : {}) },
  spec: {
    type: 'LoadBalancer',
    selector: { app: 'web' },
    ports: [
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ],
    ...spec,
  },
});

test('merge keeps identity, clusterIP(s), nodePorts and status the manifest leaves out', () => {
  const merged = mergeForApply(live, manifest());
  assert.is(merged.metadata.resourceVersion, '7');
  assert.is(merged.metadata.uid, 'u1');
  assert.is(merged.spec.clusterIP, '10.96.0.20');
  assert.equal(merged.spec.clusterIPs, ['10.96.0.20']);
  assert.equal(merged.spec.ports!.map((p) => p.nodePort), [31000, 31001]);
  assert.equal(merged.status, live.status);
});

test('merge matches nodePorts by port+protocol first, then by name', () => {
  const swapped = mergeForApply(live, manifest({ ports: [{ port: 53, protocol: 'UDP' }, { name: 'http', port: 8000 }] }));
  assert.equal(swapped.spec.ports!.map((p) => p.nodePort), [31001, 31000]);
  const tcp53 = mergeForApply(live, manifest({ ports: [{ port: 53, protocol: 'TCP', name: 'x' }] }));
  assert.is(tcp53.spec.ports![0].nodePort, undefined);
});

test('merge honours values the manifest sets and drops allocations the new type cannot have', () => {
  const explicit = mergeForApply(live, manifest({ clusterIP: '10.96.0.99', ports: [{ port: 80, nodePort: 32000 }] }));
  assert.is(explicit.spec.clusterIP, '10.96.0.99');
  assert.is(explicit.spec.clusterIPs, undefined);
  assert.is(explicit.spec.ports![0].nodePort, 32000);
  const toClusterIp = mergeForApply(live, manifest({ type: 'ClusterIP' }));
  assert.equal(toClusterIp.spec.ports!.map((p) => p.nodePort), [undefined, undefined]);
  assert.is(toClusterIp.spec.clusterIP, '10.96.0.20');
  const toExternal = mergeForApply(live, manifest({ type: 'ExternalName', externalName: 'x.example.com', ports: undefined }));
  assert.is(toExternal.spec.clusterIP, undefined);
});

test('merge does not mutate its inputs', () => {
  const m = manifest();
  const before = JSON.stringify(m);
  const liveBefore = JSON.stringify(live);
  mergeForApply(live, m);
  assert.is(JSON.stringify(m), before);
  assert.is(JSON.stringify(live), liveBefore);
});

test('unchanged: the same manifest after defaults and allocations', () => {
  assert.ok(isUnchanged(live, mergeForApply(live, manifest())));
});

test('changed: a port, a selector label removed, labels, affinity dropped', () => {
  assert.not.ok(isUnchanged(live, mergeForApply(live, manifest({ ports: [{ name: 'http', port: 80, targetPort: 9090 }] }))));
  assert.not.ok(isUnchanged(live, mergeForApply(live, manifest({ selector: {} }))));
  assert.not.ok(isUnchanged(live, mergeForApply(live, manifest({}, { app: 'web', team: 'x' }))));
  assert.not.ok(isUnchanged(live, mergeForApply(live, manifest({}, null))));
  const sticky: Service = { ...live, spec: { ...live.spec, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } } };
  assert.not.ok(isUnchanged(sticky, mergeForApply(sticky, manifest())));
  assert.ok(isUnchanged(sticky, mergeForApply(sticky, manifest({ sessionAffinity: 'ClientIP' }))));
});

test('unchanged ignores server-only fields such as ipFamilies', () => {
  const withFamilies = { ...live, spec: { ...live.spec, ipFamilies: ['IPv4'] } } as Service;
  assert.ok(isUnchanged(withFamilies, mergeForApply(withFamilies, manifest())));
});

test('unchanged works whether or not the server writes defaults back', () => {
  const bare: Service = { ...live, spec: { ...live.spec, sessionAffinity: undefined, internalTrafficPolicy: undefined } };
  assert.ok(isUnchanged(bare, mergeForApply(bare, manifest())));
});

test('namespaces and pods: labels decide; pod spec compared as a subset', () => {
  const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo', resourceVersion: '1' }, status: { phase: 'Active' } };
  assert.ok(isUnchanged(ns, mergeForApply(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } })));
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'd' },
    spec: { nodeName: 'node1', restartPolicy: 'Always', containers: [{ name: 'c', image: 'echo' }] },
  };
  const podManifest: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd' }, spec: { containers: [{ name: 'c', image: 'echo' }] } };
  assert.ok(isUnchanged(pod, mergeForApply(pod, podManifest)));
  assert.not.ok(isUnchanged(pod, mergeForApply(pod, { ...podManifest, spec: { containers: [{ name: 'c', image: 'other' }] } })));
});

test.run();
