import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Service } from './types.ts';
import { WatchCache } from './watch-cache.ts';

const svc = (name: string, namespace = 'default', rv = '1'): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace, resourceVersion: rv },
  spec: {},
});

test('events add, replace and delete by kind/namespace/name', () => {
  const cache = new WatchCache();
  cache.apply({ type: 'ADDED', revision: 1, kind: 'Service', object: svc('web') });
  cache.apply({ type: 'ADDED', revision: 2, kind: 'Service', object: svc('web', 'demo') });
  cache.apply({ type: 'MODIFIED', revision: 3, kind: 'Service', object: svc('web', 'default', '3') });
  assert.is(cache.get('Service', 'default', 'web')?.metadata.resourceVersion, '3');
  assert.is(cache.list('Service').length, 2);
  assert.equal(cache.list('Service', 'demo').map((s) => s.metadata.namespace), ['demo']);
  assert.equal(cache.list('Pod'), []);
  cache.apply({ type: 'DELETED', revision: 4, kind: 'Service', object: svc('web') });
  assert.is(cache.get('Service', 'default', 'web'), undefined);
  assert.is(cache.size, 1);
  assert.is(cache.revision, 4);
});

test('a relist replaces everything, including what was deleted meanwhile', () => {
  const cache = new WatchCache();
  cache.apply({ type: 'ADDED', revision: 1, kind: 'Service', object: svc('old') });
  cache.replace({ revision: 40, objects: [{ kind: 'Service', object: svc('new') }] });
  assert.equal(cache.list('Service').map((s) => s.metadata.name), ['new']);
  assert.is(cache.revision, 40);
});

test.run();
