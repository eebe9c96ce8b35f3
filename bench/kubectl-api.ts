// What kubectl's extras cost on the REST path, against the plain JSON path in
// the same run: a list as a server-side Table vs as JSON, and one label change
// as merge / strategic / server-side-apply PATCH vs a PUT of the whole object
// (patches add a read, the patch itself and field-manager bookkeeping).
//
//   node --import tsx bench/kubectl-api.ts [--services 2000] [--runs 20] [--writes 200]
//
// In-process (the real registry and REST app over the in-memory store), so
// the numbers are the server's work without sockets or fsync.

import { parseArgs } from 'node:util';
import { testApiserver, TEST_TOKEN } from '../apiserver/testing.ts';
import { percentile } from './support/prober-protocol.ts';
import { printTable } from './support/table.ts';

const { values } = parseArgs({ options: { services: { type: 'string', default: '2000' }, runs: { type: 'string', default: '20' }, writes: { type: 'string', default: '200' } } });
const SERVICES = Number(values.services);
const RUNS = Number(values.runs);
const WRITES = Number(values.writes);
const SVC = '/api/v1/namespaces/default/services';

const { app, store } = await testApiserver();
await store.transact((tx) => {
  for (let i = 0; i < SERVICES; i++) {
    tx.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: 'None', selector: { app: `a${i}` }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }] } } as never);
  }
});

async function time(n: number, fn: (i: number) => Response | Promise<Response>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fn(i);
    await res.arrayBuffer();
    if (res.status >= 300) throw new Error(`request failed: ${res.status}`);
    out.push(performance.now() - t);
  }
  return out;
}
const auth = { authorization: `Bearer ${TEST_TOKEN}` };
const row = (name: string, samples: number[], baseline?: number[]) => {
  const p50 = percentile(samples, 50);
  return [name, p50.toFixed(2), percentile(samples, 95).toFixed(2), baseline ? `${(p50 / percentile(baseline, 50)).toFixed(2)}x` : 'baseline'];
};

const json = await time(RUNS, () => app.request(SVC, { headers: { ...auth, accept: 'application/json' } }));
const table = await time(RUNS, () => app.request(SVC, { headers: { ...auth, accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } }));

const putOnce = (i: number) => {
  const current = store.get('Service', 'default', 'svc-0') as any;
  return app.request(`${SVC}/svc-0`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ ...current, metadata: { ...current.metadata, labels: { n: `put-${i}` } } }) });
};
const patch = (type: string, body: (i: number) => string, query = '') =>
  time(WRITES, (i) => app.request(`${SVC}/svc-0${query}`, { method: 'PATCH', headers: { ...auth, 'content-type': type }, body: body(i) }));
// Warm-up: every path once through the JIT before anything is measured.
for (let round = 0; round < 2; round++) {
  await time(WRITES, (i) => putOnce(i + 1_000_000 * round));
  await patch('application/merge-patch+json', (i) => JSON.stringify({ metadata: { labels: { n: `warm-${round}-${i}` } } }));
  await patch('application/apply-patch+yaml', (i) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-0\n  labels:\n    n: warm-${round}-${i}\n`, '?fieldManager=bench&force=true');
}
const put = await time(WRITES, putOnce);
const merge = await patch('application/merge-patch+json', (i) => JSON.stringify({ metadata: { labels: { n: `merge-${i}` } } }));
const smp = await patch('application/strategic-merge-patch+json', (i) => JSON.stringify({ metadata: { labels: { n: `smp-${i}` } } }));
const ssa = await patch('application/apply-patch+yaml', (i) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-0\n  labels:\n    n: ssa-${i}\n`, '?fieldManager=bench&force=true');

console.log(`${SERVICES} services; list: ${RUNS} runs, writes: ${WRITES} each (ms)`);
printTable(['request', 'p50 ms', 'p95 ms', 'p50 vs baseline'], [
  row('GET list as JSON', json),
  row('GET list as Table', table, json),
  row('PUT (whole object)', put),
  row('PATCH merge', merge, put),
  row('PATCH strategic', smp, put),
  row('PATCH apply (SSA)', ssa, put),
]);
