import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyDefaults, defaultNamespace, prepareForUpdate } from './defaults.ts';
import type { Endpoints, Ingress, KubeObject, Namespace, Pod, Service } from './types.ts';

const service = (spec: Service['spec'], meta: Partial<Service['metadata']> = {}): Service =>
  ({ kind: 'Service', metadata: { name: 'web', ...meta }, spec }) as Service;

test('Service: Kubernetes defaults for a bare ClusterIP service', () => {
  const out = applyDefaults(service({ selector: { app: 'web' }, ports: [{ port: 80 }] }));
  assert.is(out.apiVersion, 'v1');
  assert.is(out.metadata.namespace, 'default');
  assert.equal(out.spec, {
    type: 'ClusterIP',
    selector: { app: 'web' },
    ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
  });
  assert.is(out.spec.clusterIP, undefined, 'the allocator sets clusterIP, not defaults');
  assert.is(out.metadata.uid, undefined);
  assert.is(out.metadata.resourceVersion, undefined);
});

test('Service: never overwrites what the user set, never mutates the input', () => {
  const input = service(
    {
      type: 'NodePort',
      ports: [{ port: 53, protocol: 'UDP', targetPort: 'dns', nodePort: 30053 }],
      externalTrafficPolicy: 'Local',
      internalTrafficPolicy: 'Local',
    },
    { namespace: 'demo' },
  );
  const before = structuredClone(input);
  const out = applyDefaults(input);
  assert.equal(input, before);
  assert.is(out.metadata.namespace, 'demo');
  assert.equal(out.spec.ports, [{ port: 53, protocol: 'UDP', targetPort: 'dns', nodePort: 30053 }]);
  assert.is(out.spec.externalTrafficPolicy, 'Local');
  assert.is(out.spec.internalTrafficPolicy, 'Local');
});

test('Service: externalTrafficPolicy only for NodePort and LoadBalancer', () => {
  assert.is(applyDefaults(service({ type: 'NodePort', ports: [{ port: 80 }] })).spec.externalTrafficPolicy, 'Cluster');
  assert.is(applyDefaults(service({ type: 'LoadBalancer', ports: [{ port: 80 }] })).spec.externalTrafficPolicy, 'Cluster');
  assert.is(applyDefaults(service({ type: 'ClusterIP', ports: [{ port: 80 }] })).spec.externalTrafficPolicy, undefined);
  assert.is(applyDefaults(service({ type: 'ExternalName', externalName: 'a.b' })).spec.externalTrafficPolicy, undefined);
});

test('Service: no internalTrafficPolicy for ExternalName', () => {
  const out = applyDefaults(service({ type: 'ExternalName', externalName: 'docs.example.com' }));
  assert.is(out.spec.internalTrafficPolicy, undefined);
  assert.is(out.spec.sessionAffinity, 'None');
});

test('Service: ClientIP affinity gets the 10800 s timeout; a set one is kept', () => {
  const out = applyDefaults(service({ ports: [{ port: 80 }], sessionAffinity: 'ClientIP' }));
  assert.equal(out.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  const kept = applyDefaults(
    service({ ports: [{ port: 80 }], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
  );
  assert.equal(kept.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 60 } });
});

test('Service: sessionAffinity None drops a useless config, as Kubernetes does', () => {
  const out = applyDefaults(service({ ports: [{ port: 80 }], sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }));
  assert.is(out.spec.sessionAffinityConfig, undefined);
});

test('Service: targetPort 0 or "" means "same as port"', () => {
  const out = applyDefaults(service({ ports: [{ port: 80, targetPort: 0 }, { name: 'b', port: 81, targetPort: '' }] }));
  assert.equal(out.spec.ports!.map((p) => p.targetPort), [80, 81]);
});

test('Service: clusterIPs alone names the clusterIP', () => {
  const out = applyDefaults(service({ ports: [{ port: 80 }], clusterIPs: ['10.96.0.50'] }));
  assert.is(out.spec.clusterIP, '10.96.0.50');
});

test('Pod: restartPolicy Always and port protocols', () => {
  const pod = { kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'echo', ports: [{ containerPort: 8080 }] }] } } as Pod;
  const out = applyDefaults(pod);
  assert.is(out.apiVersion, 'v1');
  assert.is(out.metadata.namespace, 'default');
  assert.is(out.spec.restartPolicy, 'Always');
  assert.is(out.spec.containers[0].ports![0].protocol, 'TCP');
  const never = applyDefaults({ ...pod, spec: { ...pod.spec, restartPolicy: 'Never' } } as Pod);
  assert.is(never.spec.restartPolicy, 'Never');
});

test('Endpoints: port protocols', () => {
  const ep = { kind: 'Endpoints', metadata: { name: 'web' }, subsets: [{ addresses: [{ ip: '10.244.0.5' }], ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }] } as Endpoints;
  const out = applyDefaults(ep);
  assert.equal(out.subsets![0].ports!.map((p) => p.protocol), ['TCP', 'UDP']);
});

test('Ingress: apiVersion networking.k8s.io/v1, pathType not defaulted', () => {
  const ing = {
    kind: 'Ingress',
    metadata: { name: 'demo' },
    spec: { rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
  } as unknown as Ingress;
  const out = applyDefaults(ing);
  assert.is(out.apiVersion, 'networking.k8s.io/v1');
  assert.is(out.spec.rules![0].http!.paths[0].pathType, undefined);
});

test('cluster-scoped kinds get no namespace (and lose a stray one)', () => {
  const ns = applyDefaults({ kind: 'Namespace', metadata: { name: 'demo', namespace: 'x' } } as Namespace);
  assert.is(ns.apiVersion, 'v1');
  assert.is(ns.metadata.namespace, undefined);
});

test('unknown kinds come back unchanged', () => {
  const obj = { kind: 'ConfigMap', metadata: { name: 'x' } } as never;
  assert.equal(applyDefaults(obj), obj);
});

test('defaultNamespace fills only namespaced kinds and keeps a set namespace', () => {
  assert.is(defaultNamespace(service({ ports: [] }), 'demo').metadata.namespace, 'demo');
  assert.is(defaultNamespace(service({ ports: [] }, { namespace: 'other' }), 'demo').metadata.namespace, 'other');
  assert.is(defaultNamespace(service({ ports: [] })).metadata.namespace, 'default');
  const node = defaultNamespace({ kind: 'Node', apiVersion: 'v1', metadata: { name: 'node1' }, spec: {} } as KubeObject, 'demo');
  assert.is(node.metadata.namespace, undefined);
});

test('prepareForUpdate keeps an allocated clusterIP and nodePorts the manifest leaves out', () => {
  const old = applyDefaults(
    service({ type: 'NodePort', clusterIP: '10.96.0.9', ports: [{ name: 'http', port: 80, nodePort: 31000 }, { name: 'dns', port: 53, protocol: 'UDP', nodePort: 31001 }] }),
  );
  const next = applyDefaults(service({ type: 'NodePort', ports: [{ name: 'http', port: 8080 }, { name: 'dns', port: 53, protocol: 'UDP', nodePort: 31002 }] }));
  const out = prepareForUpdate(next, old);
  assert.is(out.spec.clusterIP, '10.96.0.9');
  assert.equal(out.spec.ports!.map((p) => p.nodePort), [31000, 31002]);
  assert.is(next.spec.clusterIP, undefined, 'input not mutated');
});

test('prepareForUpdate drops clusterIP and nodePorts when the type stops using them', () => {
  const old = applyDefaults(service({ type: 'NodePort', clusterIP: '10.96.0.9', ports: [{ port: 80, nodePort: 31000 }] }));
  const toClusterIp = prepareForUpdate({ ...old, spec: { ...old.spec, type: 'ClusterIP' } } as Service, old);
  assert.is(toClusterIp.spec.clusterIP, '10.96.0.9');
  assert.is(toClusterIp.spec.ports![0].nodePort, undefined);
  assert.is(toClusterIp.spec.externalTrafficPolicy, undefined);
  const toExternal = prepareForUpdate({ ...old, spec: { ...old.spec, type: 'ExternalName', externalName: 'a.example' } } as Service, old);
  assert.is(toExternal.spec.clusterIP, undefined);
  assert.is(toExternal.spec.internalTrafficPolicy, undefined);
});

test('prepareForUpdate does not invent a clusterIP for a service coming from ExternalName', () => {
  const old = applyDefaults(service({ type: 'ExternalName', externalName: 'a.example' }));
  const out = prepareForUpdate(applyDefaults(service({ type: 'ClusterIP', ports: [{ port: 80 }] })), old);
  assert.is(out.spec.clusterIP, undefined);
});

test.run();
