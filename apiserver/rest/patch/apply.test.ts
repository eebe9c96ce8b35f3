import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AnyObject } from '../../../api/types.ts';
import { serverSideApply } from './apply.ts';
import { fromFieldsV1, readManagedFields, toFieldsV1, trackUpdate } from './managed-fields.ts';
import { kindMeta } from './meta.ts';

const NOW = new Date('2026-01-01T00:00:00Z');
const meta = kindMeta('Service');
const svc = (spec: Record<string, unknown>, labels?: Record<string, string>) =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', ...(labels ? { labels } : {}) }, spec }) as unknown as AnyObject;
const withFields = (obj: AnyObject, managedFields: unknown) => ({ ...obj, metadata: { ...obj.metadata, managedFields } }) as AnyObject;
const apply = (live: AnyObject | undefined, applied: AnyObject, manager = 'alice', force = false) => {
  const r = serverSideApply(live, applied, meta, { manager, force, now: NOW });
  return withFields(r.object, r.managedFields);
};

test('FieldsV1 round-trips and keys service ports by port+protocol (protocol defaulted to TCP)', () => {
  const live = svc({ selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] }, { app: 'web' });
  const [entry] = readManagedFields(apply(undefined, live));
  assert.equal(entry.fieldsV1, {
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {}, 'f:targetPort': {} } }, 'f:selector': {} },
  });
  assert.equal([...fromFieldsV1(toFieldsV1(fromFieldsV1(entry.fieldsV1)))].sort(), [...fromFieldsV1(entry.fieldsV1)].sort());
  assert.is(entry.operation, 'Apply');
  assert.is(entry.manager, 'alice');
});

test('re-applying without a field removes it; fields of other managers stay', () => {
  const first = apply(undefined, svc({ ports: [{ port: 80 }], sessionAffinity: 'ClientIP' }, { a: '1', b: '2' }));
  // bob (an Update manager) sets a label of his own
  const bobbed = withFields({ ...first, metadata: { ...first.metadata, labels: { ...first.metadata.labels, c: '3' } } } as AnyObject, trackUpdate(first, { ...first, metadata: { ...first.metadata, labels: { ...first.metadata.labels, c: '3' } } } as AnyObject, meta, 'bob', NOW));
  const second = apply(bobbed, svc({ ports: [{ port: 80 }] }, { a: '1' }));
  assert.equal(second.metadata.labels, { a: '1', c: '3' });
  assert.is((second as any).spec.sessionAffinity, undefined);
  assert.equal(readManagedFields(second).map((e) => e.manager).sort(), ['alice', 'bob']);
});

test('changing a field another manager owns is a conflict, reported as Kubernetes does; force takes it over', () => {
  const created = svc({ ports: [{ port: 80, targetPort: 8080 }] });
  const live = withFields(created, trackUpdate(undefined, created, meta, 'kubectl-create', NOW));
  let error: any;
  try {
    apply(live, svc({ ports: [{ port: 80, targetPort: 9090 }] }));
  } catch (err) {
    error = err;
  }
  assert.is(error?.reason, 'Conflict');
  assert.is(error.code, 409);
  assert.is(error.message, 'Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .spec.ports[port=80,protocol="TCP"].targetPort');
  assert.equal(error.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-create" using v1', field: '.spec.ports[port=80,protocol="TCP"].targetPort' }]);

  const forced = apply(live, svc({ ports: [{ port: 80, targetPort: 9090 }] }), 'alice', true);
  assert.is((forced as any).spec.ports[0].targetPort, 9090);
  const owners = readManagedFields(forced);
  const creator = fromFieldsV1(owners.find((e) => e.manager === 'kubectl-create')!.fieldsV1);
  assert.not.ok([...creator].some((k) => k.endsWith('f:targetPort')), 'the forced field left its old manager');
});

test('applying the same value as another manager shares the field, no conflict', () => {
  const created = svc({ ports: [{ port: 80, targetPort: 8080 }] });
  const live = withFields(created, trackUpdate(undefined, created, meta, 'kubectl-create', NOW));
  const out = apply(live, svc({ ports: [{ port: 80, targetPort: 8080 }] }));
  assert.equal(readManagedFields(out).map((e) => e.manager), ['kubectl-create', 'alice']);
});

test('an update manager takes only the fields it changed; removed fields are nobody\'s', () => {
  const a = svc({ ports: [{ port: 80 }], type: 'ClusterIP' }, { x: '1' });
  const created = withFields(a, trackUpdate(undefined, a, meta, 'kubectl-create', NOW));
  const next = svc({ ports: [{ port: 80 }], type: 'NodePort' });
  const entries = trackUpdate(created, next, meta, 'kubectl-edit', NOW);
  const sets = Object.fromEntries(entries.map((e) => [e.manager, [...fromFieldsV1(e.fieldsV1)].map((k) => k.split('\u0000').join('/'))]));
  assert.equal(sets['kubectl-edit'], ['f:spec/f:type']);
  assert.not.ok(sets['kubectl-create'].includes('f:spec/f:type'));
  assert.not.ok(sets['kubectl-create'].some((k) => k.includes('f:labels')));
});

test('malformed managedFields from a client are reset, not trusted (as Kubernetes does)', () => {
  const bad = (fieldsV1: unknown) => ({ ...svc({}), metadata: { name: 'web', managedFields: [{ manager: 'x', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1 }] } }) as unknown as AnyObject;
  assert.equal(readManagedFields(bad({ 'f:spec': 'xxxx' })), []);
  assert.equal(readManagedFields(bad([])), []);
  assert.is(readManagedFields(bad({ 'f:spec': { 'f:type': {} } })).length, 1);
  const tree = toFieldsV1(new Set(['f:metadata\u0000f:labels\u0000f:__proto__']));
  assert.equal(Object.keys((tree as any)['f:metadata']['f:labels']), ['f:__proto__']);
  assert.is(({} as any).polluted, undefined);
});

test.run();
