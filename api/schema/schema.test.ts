import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { isApiError } from '../errors.ts';
import { ALL_KINDS, resourceByManifest } from '../resources.ts';
import { LIST_SCHEMAS, SCHEMAS, StatusSchema, checkDepth, decodeObject, definitions, exceedsDepth, isDecoded } from './index.ts';

const EXAMPLE_DIRS = ['../../../shared/examples', '../../examples', '../../examples/mistakes'].map((d) => new URL(d, import.meta.url).pathname);

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isApiError(err, 'BadRequest'), `expected a BadRequest, got ${err}`);
    return (err as Error).message;
  }
  throw new assert.Assertion({ message: 'expected a BadRequest, nothing was thrown' } as never);
}

test('every served kind has a schema and a list schema with its group/version/kind', () => {
  for (const kind of ALL_KINDS) {
    const schema = SCHEMAS[kind] as any;
    assert.ok(schema, kind);
    assert.is(schema['x-kubernetes-group-version-kind'][0].kind, kind);
    assert.is((LIST_SCHEMAS[kind] as any)['x-kubernetes-group-version-kind'][0].kind, `${kind}List`);
  }
  assert.is((StatusSchema as any).$id, 'io.k8s.apimachinery.pkg.apis.meta.v1.Status');
  assert.is((SCHEMAS.Ingress as any)['x-kubernetes-group-version-kind'][0].group, 'networking.k8s.io');
});

test('the schemas carry the x-kubernetes keys that patches and OpenAPI need', () => {
  const svc = SCHEMAS.Service as any;
  const ports = svc.properties.spec.properties.ports;
  assert.equal(ports['x-kubernetes-list-map-keys'], ['port', 'protocol']);
  assert.is(ports['x-kubernetes-patch-merge-key'], 'port');
  assert.is(ports['x-kubernetes-patch-strategy'], 'merge');
  assert.is(ports.items.$id, 'io.k8s.api.core.v1.ServicePort');
  assert.is(ports.items.properties.targetPort['x-kubernetes-int-or-string'], true);
  const pod = SCHEMAS.Pod as any;
  assert.equal(pod.properties.spec.properties.containers['x-kubernetes-list-map-keys'], ['name']);
  assert.is(pod.properties.status.properties.conditions['x-kubernetes-patch-merge-key'], 'type');
  assert.is(pod.properties.metadata.properties.labels.additionalProperties.type, 'string');
  assert.equal(svc.properties.spec.properties.type.enum, ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);
});

test('every example manifest (shared and the project\'s own) decodes unchanged', () => {
  const files = EXAMPLE_DIRS.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => `${dir}/${f}`));
  assert.ok(files.length >= 12);
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const obj = doc.toJSON();
      if (!obj) continue;
      const info = resourceByManifest(obj.apiVersion, obj.kind);
      assert.ok(info, `${file}: ${obj.kind}`);
      const { object, dropped } = decodeObject(info!.kind, obj);
      assert.equal(dropped, [], file);
      assert.equal(object, obj, file);
    }
  }
});

test('a value of the wrong type is a 400 naming the Go struct field and type', () => {
  const cases: [string, unknown, string][] = [
    ['Namespace', { metadata: { name: 123 } }, 'Namespace in version "v1" cannot be handled as a Namespace: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string'],
    ['Service', { metadata: { name: ['web'] } }, 'cannot unmarshal array into Go struct field ObjectMeta.metadata.name of type string'],
    ['Service', { metadata: { name: 'a' }, spec: { ports: [{ port: 80, nodePort: '030100' }] } }, 'cannot unmarshal string into Go struct field ServicePort.spec.ports.nodePort of type int32'],
    ['Service', { metadata: { name: 'a' }, spec: { ports: [{ port: 80, nodePort: 30100.5 }] } }, 'cannot unmarshal number 30100.5 into Go struct field ServicePort.spec.ports.nodePort of type int32'],
    ['Service', { metadata: { name: 'a' }, spec: { ports: [{ port: 80, nodePort: {} }] } }, 'cannot unmarshal object into Go struct field ServicePort.spec.ports.nodePort of type int32'],
    ['Service', { metadata: { name: 'a' }, spec: { clusterIP: ['10.96.5.5'] } }, 'cannot unmarshal array into Go struct field ServiceSpec.spec.clusterIP of type string'],
    ['Service', { metadata: { name: 'a' }, spec: { type: 'ExternalName', ports: 80 } }, 'cannot unmarshal number into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort'],
    ['Service', { metadata: { name: 'a' }, spec: { ports: [{ port: 80, targetPort: true }] } }, 'Go struct field ServicePort.spec.ports.targetPort of type intstr.IntOrString'],
    ['Service', { metadata: { name: 'a', labels: { a: 1 } } }, 'cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string'],
    ['Pod', { metadata: { name: 'p' }, status: { conditions: 'x' } }, 'cannot unmarshal string into Go struct field PodStatus.status.conditions of type []v1.PodCondition'],
    ['Pod', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: {} }] } }, 'Go struct field Container.spec.containers.image of type string'],
    ['Endpoints', { metadata: { name: 'e' }, subsets: [{ ports: [{ port: -2147483649 }] }] }, 'cannot unmarshal number -2147483649 into Go struct field EndpointPort.subsets.ports.port of type int32'],
    ['Ingress', { metadata: { name: 'i' }, spec: { rules: [{ host: 123 }] } }, 'Ingress in version "v1" cannot be handled as a Ingress: json: cannot unmarshal number into Go struct field IngressRule.spec.rules.host of type string'],
    ['Node', { metadata: { name: 'n' }, status: { conditions: 'x' } }, 'Go struct field NodeStatus.status.conditions of type []v1.NodeCondition'],
    ['Service', { metadata: { name: 'a', creationTimestamp: 'yesterday' } }, 'parsing time "yesterday"'],
    ['Service', 'just a string', 'json: cannot unmarshal string into Go value of type v1.Service'],
  ];
  for (const [kind, body, message] of cases) {
    const got = badRequest(() => decodeObject(kind as 'Service', body));
    assert.ok(got.includes(message), `${JSON.stringify(body)}\n  got:  ${got}\n  want: ${message}`);
  }
});

test('unknown fields are dropped and reported by path; nulls mean "not set"', () => {
  const { object, dropped } = decodeObject('Service', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', creationTimestamp: null, labels: null, bogus: 1 },
    spec: { ports: [{ port: 80, nodeport: 30000 }, null], selector: { app: 'web' }, ipFamilies: ['IPv4'] },
    status: { loadBalancer: {}, conditions: [] },
  });
  assert.equal(dropped, ['metadata.bogus', 'spec.ports[0].nodeport', 'spec.ipFamilies', 'status.conditions']);
  assert.equal(object, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { ports: [{ port: 80 }, {}], selector: { app: 'web' } },
    status: { loadBalancer: {} },
  });
});

test('required fields are left to validation (a 422 there, not a 400 here)', () => {
  const { object } = decodeObject('Pod', { metadata: {}, spec: { containers: [{}] } });
  assert.equal(object, { metadata: {}, spec: { containers: [{}] } });
  assert.ok(isDecoded('Pod', object));
  assert.not.ok(isDecoded('Namespace', { metadata: { name: 5 } }));
});

test('decoding does not change its input', () => {
  const input = { metadata: { name: 'x', extra: true, labels: null } };
  const copy = structuredClone(input);
  decodeObject('Namespace', input);
  assert.equal(input, copy);
});

test('nesting depth is found without recursion, strings and escapes ignored', () => {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  assert.not.ok(exceedsDepth(deep(100)));
  assert.ok(exceedsDepth(deep(101)));
  assert.ok(exceedsDepth(deep(200_000))); // would overflow a recursive parser's stack
  assert.not.ok(exceedsDepth(JSON.stringify({ a: '[[[[[[\\"{{{{'.repeat(100) })));
  assert.match(badRequest(() => checkDepth(`{"a":${deep(2000)}}`)), /nested more than 100 levels deep/);
});

test('definitions: named structs hoisted and referenced, IntOrString per OpenAPI version, internal keys dropped', () => {
  const roots = [...Object.values(SCHEMAS), ...Object.values(LIST_SCHEMAS), StatusSchema];
  const v2 = definitions(roots, 'v2');
  const v3 = definitions(roots, 'v3');
  for (const name of ['io.k8s.api.core.v1.Service', 'io.k8s.api.core.v1.ServiceList', 'io.k8s.api.networking.v1.Ingress', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status']) {
    assert.ok(v2[name] && v3[name], name);
  }
  const svc = v2['io.k8s.api.core.v1.Service'] as any;
  assert.equal(svc.properties.metadata, { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
  assert.equal(svc['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Service' }]);
  const port = v2['io.k8s.api.core.v1.ServicePort'] as any;
  // As in Kubernetes' documents: IntOrString is a definition of its own.
  assert.equal(port.properties.targetPort, { $ref: '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString' });
  assert.equal(v2['io.k8s.apimachinery.pkg.util.intstr.IntOrString'], { type: 'string', format: 'int-or-string' });
  assert.equal(port.required, ['port']);
  assert.equal((v3['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] as any).anyOf, [{ type: 'integer' }, { type: 'string' }]);
  assert.is((v3['io.k8s.api.core.v1.ServiceSpec'] as any).properties.ports.items.$ref, '#/components/schemas/io.k8s.api.core.v1.ServicePort');
  const text = JSON.stringify(v3);
  assert.not.ok(text.includes('x-minik-'));
  assert.not.ok(text.includes('"$id"'));
});

test.run();
