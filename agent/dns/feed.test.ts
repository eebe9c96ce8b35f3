import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Service } from '../../api/types.ts';
import { WatchCache } from '../../api/watch-cache.ts';
import { DnsFeed } from './feed.ts';

const svc = (name: string, ip: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', resourceVersion: '1' },
  spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ port: 80, protocol: 'TCP' }] },
});

test('a burst of changes is one rebuild, deferred off the caller (the sync loop) and visible after it runs', () => {
  const deferred: (() => void)[] = [];
  const feed = new DnsFeed({ domain: 'cluster.local', reverseCidrs: ['10.96.0.0/12'], defer: (fn) => deferred.push(fn) });
  const cache = new WatchCache();
  for (const [i, name] of ['a', 'b', 'c'].entries()) {
    cache.apply({ type: 'ADDED', revision: i + 1, kind: 'Service', object: svc(name, `10.96.0.${i + 20}`) });
    feed.changed('Service', cache);
  }
  feed.changed('Ingress', cache);
  assert.is(deferred.length, 1, 'one rebuild scheduled');
  assert.is(feed.state().records.get('a.default.svc.cluster.local'), undefined, 'not built in the caller');
  deferred[0]();
  assert.is(feed.builds, 1);
  assert.equal(feed.state().records.get('c.default.svc.cluster.local')?.map((r) => r.data), ['10.96.0.22']);
  assert.is(feed.state().serial, 3);
});

test.run();
