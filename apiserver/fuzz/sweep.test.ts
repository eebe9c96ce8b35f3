// The fuzzer's worst cases, swept systematically: every field of a valid
// object of every kind set to every hostile value, sent through create,
// update and status writes. Whatever got stored must then serve every path
// that reads stored objects (lists, label selectors, gets, updates, status
// writes, the scheduler, the endpoints controller, deletes, and the agents'
// pure builders: proxy model + nftables compile, DNS, ingress routes), with
// no 5xx — also after the store is reopened from a real LevelDB. Finally, an
// older minik's wrongly typed objects, written straight into LevelDB, are
// left out on load instead of breaking anything.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolve } from '../../agent/dns/records.ts';
import { buildDnsState } from '../../agent/dns/state.ts';
import { buildRouteTable, route } from '../../agent/ingress/routes.ts';
import { buildProxyModel } from '../../agent/proxy/model.ts';
import { compile } from '../../agent/proxy/nftables/compile.ts';
import { ALL_KINDS, RESOURCES, resourcePath, type Kind } from '../../api/resources.ts';
import type { Endpoints, Ingress, Node, Pod, Service } from '../../api/types.ts';
import { openLevel, type KvDb } from '../store/kv.ts';
import { TEST_TOKEN, testApiserver } from '../testing.ts';
import { Dice, HOSTILE, validObject } from './generate.ts';

type Api = Awaited<ReturnType<typeof testApiserver>>;

const infoOf = (kind: Kind) => RESOURCES.find((r) => r.kind === kind)!;
const STATUS_KINDS: Kind[] = ['Pod', 'Service', 'Node', 'Namespace', 'Ingress'];
/** One value of each shape that broke something in issue 10 (the full HOSTILE list is the fuzzer's). */
const WORST = HOSTILE.filter((_, i) => i % 3 === 0 || i >= HOSTILE.length - 10);

let fivexx: string[] = [];
let requests = 0;
let sweeps = 0;

async function send(api: Api, method: string, path: string, body?: unknown) {
  const res = await api.app.request(path, {
    method,
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  requests += 1;
  if (res.status >= 500) fivexx.push(`${method} ${path} ${JSON.stringify(body)?.slice(0, 200)} → ${res.status} ${text.slice(0, 200)}`);
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Every (parent, key) path of a JSON value, as a list of keys from the root. */
function fieldPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...fieldPaths(v, [...prefix, k])]);
}

/** A copy of `obj` with `value` at `path`, or undefined when `obj` has no such path. */
function setAt(obj: unknown, path: (string | number)[], value: unknown): any {
  const copy: any = structuredClone(obj);
  let at = copy;
  for (const key of path.slice(0, -1)) {
    at = at?.[key];
    if (at === null || typeof at !== 'object') return undefined;
  }
  at[path[path.length - 1]] = structuredClone(value);
  return copy;
}

async function sweepWrites(api: Api): Promise<void> {
  const d = new Dice(42);
  await send(api, 'POST', '/api/v1/namespaces', { metadata: { name: 'demo' } });
  for (const kind of ALL_KINDS) {
    const info = infoOf(kind);
    const base = validObject(d, kind, kind === 'Node' ? 'node1' : 'base');
    const created = await send(api, 'POST', resourcePath(info, 'demo'), base);
    assert.ok(created.status === 201 || created.status === 409, `${kind} base: ${JSON.stringify(created.body)}`);
    let n = 0;
    for (const path of fieldPaths(base)) {
      for (const value of WORST) {
        const name = `w${n++}`;
        const mutated = setAt({ ...base, metadata: { ...base.metadata, name } }, path, value);
        if (path[0] === 'metadata' && path[1] === 'name') mutated.metadata.name = value;
        await send(api, 'POST', resourcePath(info, 'demo'), mutated);
        // The same value through an update of the stored object...
        const stored = (await send(api, 'GET', resourcePath(info, 'demo', base.metadata.name))).body;
        const update = stored?.metadata && setAt(stored, path, value);
        if (update) await send(api, 'PUT', resourcePath(info, 'demo', base.metadata.name), update);
      }
    }
    // ...and every status field of every status-bearing kind.
    if (!STATUS_KINDS.includes(kind)) continue;
    const stored = (await send(api, 'GET', resourcePath(info, 'demo', base.metadata.name))).body;
    const status = kind === 'Pod' ? { phase: 'Running', podIP: '10.244.1.5', hostIP: '192.168.77.11', conditions: [{ type: 'Ready', status: 'True' }], podIPs: [{ ip: '10.244.1.5' }] } : stored.status ?? { x: 1 };
    for (const path of fieldPaths({ status })) {
      for (const value of WORST) await send(api, 'PUT', `${resourcePath(info, 'demo', base.metadata.name)}/status`, setAt({ ...stored, status }, path, value)!);
    }
  }
}

/** Every path that reads stored objects; returns nothing, records 5xx. */
async function sweepReads(api: Api, when: string): Promise<void> {
  const n = ++sweeps;
  for (const info of RESOURCES) {
    for (const path of [resourcePath(info), resourcePath(info, 'demo'), `${resourcePath(info)}?labelSelector=app%3Dweb`, `${resourcePath(info)}?labelSelector=!app`]) {
      const list = await send(api, 'GET', path);
      assert.is(list.status, 200, `${when}: ${path}`);
    }
    for (const obj of api.store.list(info.kind)) {
      const path = resourcePath(info, obj.metadata.namespace, obj.metadata.name);
      const got = await send(api, 'GET', path);
      assert.is(got.status, 200, `${when}: ${path}`);
      await send(api, 'PUT', path, got.body); // an update that changes nothing
      if (STATUS_KINDS.includes(info.kind)) await send(api, 'PUT', `${path}/status`, got.body);
    }
  }
  // The scheduler and the endpoints controller over everything stored.
  await send(api, 'POST', '/api/v1/nodes', validObject(new Dice(7), 'Node', 'node2'));
  const scheduled = await send(api, 'POST', '/api/v1/namespaces/demo/pods', { metadata: { name: `sched-${n}`, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'echo' }] } });
  assert.is(scheduled.status, 201, `${when}: ${JSON.stringify(scheduled.body)}`);
  const selecting = await send(api, 'POST', '/api/v1/namespaces/demo/services', { metadata: { name: `all-${n}` }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] } });
  assert.is(selecting.status, 201, `${when}: ${JSON.stringify(selecting.body)}`);

  // What the agents compute from the same objects.
  const services = api.store.list<Service>('Service');
  const endpoints = api.store.list<Endpoints>('Endpoints');
  const pods = api.store.list<Pod>('Pod');
  const nodes = api.store.list<Node>('Node');
  for (const node of ['node1', 'node2']) compile(buildProxyModel({ services, endpoints, node, nodes }));
  const dns = buildDnsState({ services, endpoints, pods });
  for (const svc of services) resolve({ name: `${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`, type: 'A' }, dns);
  route(buildRouteTable(api.store.list<Ingress>('Ingress'), services, endpoints), 'web.example.com', '/');
}

/** The real LevelDB without an fsync per write: the test reopens it in-process, never after a crash. */
async function level(dir: string): Promise<KvDb> {
  const db = await openLevel(dir);
  return { ...db, batch: (ops) => db.batch(ops, { sync: false }) };
}

async function withLevel<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'minik-sweep-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('worst cases through every write path leave every read path working, also after reopening LevelDB', async () => {
  fivexx = [];
  requests = 0;
  await withLevel(async (dir) => {
    const api = await testApiserver({}, await level(dir));
    await sweepWrites(api);
    assert.ok(requests > 2000, `the sweep sent ${requests} requests`);
    await sweepReads(api, 'after the sweep');
    const stored = ALL_KINDS.map((k) => api.store.list(k).length);
    await api.store.close();

    const reopened = await testApiserver({}, await level(dir));
    assert.equal(ALL_KINDS.map((k) => reopened.store.list(k).length), stored, 'everything stored came back');
    await sweepReads(reopened, 'after reopening LevelDB');
    for (const kind of ALL_KINDS) {
      for (const obj of reopened.store.list(kind)) await send(reopened, 'DELETE', resourcePath(infoOf(kind), obj.metadata.namespace, obj.metadata.name));
    }
    await reopened.store.close();
  });
  assert.equal(fivexx, []);
  console.log(`sweep: ${requests} requests, ${WORST.length} worst-case values × every field of every kind; 5xx ${fivexx.length}`);
});

test("an older minik's wrongly typed objects in LevelDB are left out on load; nothing breaks", async () => {
  fivexx = [];
  await withLevel(async (dir) => {
    const first = await testApiserver({}, await openLevel(dir));
    await first.store.close();
    const raw = await openLevel(dir);
    // What the fuzzer got stored with 201 before the schema existed.
    const garbage: [string, unknown][] = [
      ['o/Namespace//123', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 123 } }],
      ['o/Service/default/["web"]', { apiVersion: 'v1', kind: 'Service', metadata: { name: ['web'], namespace: 'default' }, spec: {} }],
      ['o/Service/default/np', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'np', namespace: 'default' }, spec: { type: ['NodePort'], ports: [{ port: 80, nodePort: '030100' }] } }],
      ['o/Pod/default/p', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 5, containers: [{ name: 'c', image: {} }] }, status: { conditions: 'x' } }],
      ['o/Node//n', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: {}, status: { conditions: 'x' } }],
      ['o/Endpoints/default/e', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e', namespace: 'default' }, subsets: 'x' }],
      ['o/Ingress/default/i', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'default' }, spec: { rules: [{ host: 123 }] } }],
    ];
    await raw.batch(garbage.map(([key, value]) => ({ type: 'put' as const, key, value })), { sync: true });
    await raw.close();

    const ignored: string[] = [];
    const { Store } = await import('../store/store.ts');
    const store = await Store.open(await openLevel(dir), { onUndecodable: (key) => ignored.push(key) });
    assert.equal(ignored.sort(), garbage.map(([key]) => key).sort());
    await store.close();
    const api = await testApiserver({}, await openLevel(dir));
    await send(api, 'POST', '/api/v1/namespaces', { metadata: { name: 'demo' } });
    await sweepReads(api, 'with garbage on disk');
    await api.store.close();
  });
  assert.equal(fivexx, []);
});

test.run();
