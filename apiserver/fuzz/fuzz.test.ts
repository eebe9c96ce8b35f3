// Property test of the whole REST API (issue 10): random and mutated objects
// of every kind, hostile bodies and content types, status writes, updates,
// deletes and races, through the real app over the in-memory store, with
// fixed seeds (1..5) and a fixed request count (a time budget only cuts a run short
// on a very slow machine; the figures are printed). No sockets at all.
//
// After every request: no 5xx; every 4xx a Status with its code; a refused
// write stored and allocated nothing. Every 50 requests and at the end (also
// after reopening the store): every list answers, and no cluster IP, node
// port or load-balancer IP is used by two services or held by nobody.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ALL_KINDS, RESOURCES, resourcePath, type Kind } from '../../api/resources.ts';
import { POOLS } from '../allocators/allocators.ts';
import { allocationProblems } from '../allocators/consistency.ts';
import { TEST_TOKEN, testApiserver } from '../testing.ts';
import { Dice, NAMES, NAMESPACES, NODE_NAMES, malformedBody, mutate, statusFor, validObject } from './generate.ts';

// Longer runs by hand: MINIK_FUZZ_SEEDS=20 MINIK_FUZZ_REQUESTS=5000 node --import tsx apiserver/fuzz/fuzz.test.ts
const SEEDS = Array.from({ length: Number(process.env.MINIK_FUZZ_SEEDS ?? 5) }, (_, i) => i + 1);
const REQUESTS_PER_SEED = Number(process.env.MINIK_FUZZ_REQUESTS ?? 600);
const TIME_BUDGET_MS = Number(process.env.MINIK_FUZZ_BUDGET_MS ?? 60_000);
const SERVICE_POOLS = [POOLS.clusterIp, POOLS.nodePort, POOLS.loadBalancerIp];

type Api = Awaited<ReturnType<typeof testApiserver>>;
interface Tally {
  requests: number;
  byClass: Record<string, number>;
}

const infoOf = (kind: Kind) => RESOURCES.find((r) => r.kind === kind)!;
const allocations = (api: Api) => Object.values(POOLS).reduce((n, pool) => n + api.store.allocationsOf(pool).size, 0);

async function send(api: Api, tally: Tally, method: string, path: string, body?: string, contentType = 'application/json') {
  const res = await api.app.request(path, {
    method,
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': contentType },
    body,
  });
  const text = await res.text();
  tally.requests += 1;
  const cls = `${String(res.status)[0]}xx`;
  tally.byClass[cls] = (tally.byClass[cls] ?? 0) + 1;
  const label = `${method} ${path} ${(body ?? '').slice(0, 300)} → ${res.status} ${text.slice(0, 300)}`;
  assert.ok(res.status < 500, label);
  if (res.status >= 400) {
    const status = JSON.parse(text);
    assert.is(status.kind, 'Status', label);
    assert.is(status.code, res.status, label);
    assert.type(status.message, 'string', label);
  }
  return { status: res.status, text };
}

/** Every list answers 200 with a list of its kind; service allocations are consistent. */
async function checkInvariants(api: Api, tally: Tally, when: string): Promise<void> {
  for (const info of RESOURCES) {
    const paths = [resourcePath(info)];
    if (info.namespaced) paths.push(...NAMESPACES.map((ns) => resourcePath(info, ns)));
    for (const path of paths) {
      const res = await send(api, tally, 'GET', path);
      assert.is(res.status, 200, `${when}: ${path}`);
      assert.is(JSON.parse(res.text).kind, `${info.kind}List`);
    }
  }
  const problems = allocationProblems(api.store).filter((p) => SERVICE_POOLS.some((pool) => p.startsWith(`${pool} `)));
  assert.equal(problems, [], `${when}: allocations`);
}

function randomTarget(d: Dice, api: Api): { kind: Kind; obj: any } | undefined {
  const kind = d.pick(ALL_KINDS);
  const items = api.store.list(kind);
  return items.length ? { kind, obj: d.pick(items) } : undefined;
}

const itemPath = (kind: Kind, obj: any) => resourcePath(infoOf(kind), obj.metadata.namespace, obj.metadata.name);

async function step(d: Dice, api: Api, tally: Tally): Promise<void> {
  const kind = d.pick(ALL_KINDS);
  const info = infoOf(kind);
  const ns = d.pick(NAMESPACES);
  const name = kind === 'Node' ? d.pick(NODE_NAMES) : d.pick(NAMES);
  const collection = resourcePath(info, ns);
  const valid = validObject(d, kind, name);
  const revision = api.store.currentRevision();
  const held = allocations(api);
  const roll = d.next();
  let res: { status: number; text: string };
  let write = true;
  if (roll < 0.25) res = await send(api, tally, 'POST', collection, JSON.stringify(valid));
  else if (roll < 0.5) res = await send(api, tally, 'POST', collection, JSON.stringify(mutate(d, valid)));
  else if (roll < 0.62) {
    const target = randomTarget(d, api);
    if (!target) return;
    const body = d.chance(0.3) ? { ...target.obj, spec: validObject(d, target.kind, target.obj.metadata.name).spec } : mutate(d, target.obj);
    res = await send(api, tally, 'PUT', itemPath(target.kind, target.obj), JSON.stringify(body));
  } else if (roll < 0.74) {
    const target = randomTarget(d, api);
    if (!target) return;
    const status = statusFor(d, target.kind);
    const body = { ...target.obj, status: d.chance(0.5) ? status : mutate(d, { status }).status };
    res = await send(api, tally, 'PUT', `${itemPath(target.kind, target.obj)}/status`, JSON.stringify(body));
  } else if (roll < 0.79) {
    const target = randomTarget(d, api);
    if (!target) return;
    res = await send(api, tally, 'DELETE', itemPath(target.kind, target.obj));
  } else if (roll < 0.86) res = await send(api, tally, 'POST', collection, malformedBody(d, valid));
  else if (roll < 0.9) {
    res = await send(api, tally, 'POST', collection, JSON.stringify(valid), d.pick(['text/plain', 'application/yaml', 'application/x-www-form-urlencoded', 'image/png']));
    assert.is(res.status, 415);
  } else {
    write = false;
    const selector = d.pick(['', 'app=web', 'app in (web,db)', '!app', 'app in', '===', 'a'.repeat(70) + '=b']);
    const query = selector ? `?labelSelector=${encodeURIComponent(selector)}` : '';
    res = await send(api, tally, 'GET', d.chance(0.5) ? `${collection}${query}` : `${collection}/${name}`);
  }
  if (write && res.status >= 400) {
    assert.is(api.store.currentRevision(), revision, `a refused write stored nothing: ${res.text.slice(0, 200)}`);
    assert.is(allocations(api), held, `a refused write allocated nothing: ${res.text.slice(0, 200)}`);
  }
}

/** Concurrent creates asking for the same node port, cluster IP and LB IP: exactly one winner each. */
async function races(d: Dice, api: Api, tally: Tally): Promise<void> {
  // Values nobody holds yet, so exactly one racer can win each.
  const free = (pool: string, make: () => string) => {
    for (;;) {
      const value = make();
      if (!api.store.owner(pool, value)) return value;
    }
  };
  const port = Number(free(POOLS.nodePort, () => String(31000 + d.int(1500))));
  const ip = free(POOLS.clusterIp, () => `10.96.200.${1 + d.int(250)}`);
  const lb = free(POOLS.loadBalancerIp, () => `192.168.77.${210 + d.int(41)}`);
  const wants: Record<string, unknown>[] = [
    { type: 'NodePort', ports: [{ port: 80, nodePort: port }] },
    { clusterIP: ip, ports: [{ port: 80 }] },
    { type: 'LoadBalancer', loadBalancerIP: lb, ports: [{ port: 80 }] },
  ];
  for (const [i, spec] of wants.entries()) {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, j) =>
        send(api, tally, 'POST', '/api/v1/namespaces/default/services', JSON.stringify({ metadata: { name: `race-${i}-${j}` }, spec })),
      ),
    );
    const winners = results.filter((r) => r.status === 201).length;
    assert.is(winners, 1, `exactly one of 8 concurrent creates gets ${JSON.stringify(spec)}: ${results.map((r) => r.status)}`);
  }
}

test(`fuzz: ${SEEDS.length} seeds × ${REQUESTS_PER_SEED} requests: no 5xx, Status on 4xx, nothing stored on refusal, allocations unique`, async () => {
  const started = Date.now();
  const total: Tally = { requests: 0, byClass: {} };
  for (const seed of SEEDS) {
    const d = new Dice(seed);
    const api = await testApiserver();
    const tally: Tally = { requests: 0, byClass: {} };
    await send(api, tally, 'POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: 'demo' } }));
    for (let i = 0; i < REQUESTS_PER_SEED && Date.now() - started < TIME_BUDGET_MS; i++) {
      await step(d, api, tally);
      if (i % 50 === 49) await checkInvariants(api, tally, `seed ${seed}, step ${i}`);
    }
    await races(d, api, tally);
    await checkInvariants(api, tally, `seed ${seed}, end`);
    // A restart over the same database: everything stored still serves.
    const restarted = await testApiserver({}, api.kv);
    await checkInvariants(restarted, tally, `seed ${seed}, after a restart`);
    for (const kind of ALL_KINDS) {
      for (const obj of restarted.store.list(kind)) assert.is((await send(restarted, tally, 'GET', itemPath(kind, obj))).status, 200);
    }
    total.requests += tally.requests;
    for (const [cls, n] of Object.entries(tally.byClass)) total.byClass[cls] = (total.byClass[cls] ?? 0) + n;
  }
  const ms = Date.now() - started;
  assert.is(total.byClass['5xx'] ?? 0, 0);
  console.log(
    `fuzz: seeds ${SEEDS.join(',')}; ${total.requests} requests (${Object.entries(total.byClass).sort().map(([c, n]) => `${c} ${n}`).join(', ')}); 5xx 0; ${(ms / 1000).toFixed(1)} s`,
  );
});

test.run();
