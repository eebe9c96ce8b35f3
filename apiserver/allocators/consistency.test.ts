import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testApiserver } from '../testing.ts';
import { POOLS } from './allocators.ts';
import { allocationProblems } from './consistency.ts';

test('a healthy store has no allocation problems', async () => {
  const { request, store } = await testApiserver();
  for (const type of ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']) {
    const spec = type === 'ExternalName' ? { type, externalName: 'x.example.com' } : { type, ports: [{ port: 80 }] };
    const res = await request('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: type.toLowerCase() }, spec });
    assert.is(res.status, 201);
  }
  assert.equal(allocationProblems(store), []);
});

test('a value held by nothing and a value used but not held are both reported', async () => {
  const { request, store } = await testApiserver();
  await request('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });
  const ip = store.get<any>('Service', 'default', 'web')!.spec.clusterIP;
  await store.transact((tx) => {
    tx.release(POOLS.clusterIp, ip);
    tx.claim(POOLS.nodePort, '30001', 'Service/default/ghost');
  });
  const problems = allocationProblems(store);
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.ok(problems.some((p) => p.includes('30001') && p.includes('does not use it')));
  assert.ok(problems.some((p) => p.includes(ip) && p.includes('held by nobody')));
});

test.run();
