// 100 agents at once: network-programming latency from REST create to the
// rule applied on EVERY agent, with one real apiserver.
//
//   node --import tsx bench/agents-100.ts [--agents 100] [--services 100] [--rate 10] [--workers 4]
//
// The apiserver is `minik apiserver` in its own process (loopback, a temp
// data dir), so its CPU and memory are its own. The agents are the real
// agent code, minus the kernel: agent/core's control (register, watch,
// cache, sync loop, heartbeats) driving the nftables proxier (model builder,
// incremental compiler, diff) onto the fake nft (agent/nft/fake.ts), spread
// over --workers processes. Services (ClusterIP, no selector: each becomes a
// reject element) are POSTed at a steady --rate. Per service: POST → 201,
// POST → the watch event at the last of the agents (fan-out), and POST → the
// sync that applied it at the last of the agents (programming latency).
// Baseline in the same run: 1 agent, same services and rate.
// Kubernetes' SLO row is quoted, not measured.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { MINIK_ARGV } from '../e2e/support/minik-process.ts';
import { percentile } from './support/prober-protocol.ts';
import { printTable } from './support/table.ts';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '100' },
    services: { type: 'string', default: '100' },
    rate: { type: 'string', default: '10' },
    workers: { type: 'string', default: '4' },
    worker: { type: 'string' },
    first: { type: 'string' },
    grpc: { type: 'string' },
    token: { type: 'string' },
    ca: { type: 'string' },
  },
});

const GOAL_P99_MS = 250;

// ---- worker: a share of the agents ---------------------------------------------------------

async function runWorker(): Promise<void> {
  const { MinikGrpcClient } = await import('../api/grpc-client.ts');
  const { watch } = await import('../api/watch-client.ts');
  const { startControl } = await import('../agent/core/control.ts');
  const { registerWithRetry } = await import('../agent/core/registration.ts');
  const { createProxyModelBuilder } = await import('../agent/proxy/model.ts');
  const { NftablesProxier } = await import('../agent/proxy/nftables/proxier.ts');
  const { FakeNft } = await import('../agent/nft/fake.ts');
  const { CLUSTER } = await import('../api/layout.ts');
  type Service = import('../api/types.ts').Service;

  const count = Number(values.agents);
  const first = Number(values.first);
  const address = values.grpc!;
  const token = values.token!;
  const ca = readFileSync(values.ca!, 'utf8');
  const out = (msg: object) => process.stdout.write(JSON.stringify(msg) + '\n');
  const controls: { close(): Promise<void> }[] = [];
  let synced = 0;

  for (let i = first; i < first + count; i++) {
    const name = `bench-${String(i).padStart(3, '0')}`;
    const grpc = new MinikGrpcClient({ address, token, ca });
    const registration = { name, internalIP: `10.255.${Math.floor(i / 250)}.${(i % 250) + 1}` };
    // As the agent does: an apiserver busy with 100 registrations is retried, not fatal.
    const node = await registerWithRetry(registration, { register: (r) => grpc.register(r), log: (line) => process.stderr.write(`${name}: ${line}\n`) });
    const nft = new FakeNft();
    const proxier = new NftablesProxier(nft);
    const buildModel = createProxyModelBuilder();
    const seen = new Set<string>();
    const applied = new Set<string>();
    let first = true;
    const control = startControl({
      node,
      registration,
      nodeService: grpc,
      watch: (h) => watch({ address, token, ca, ...h }),
      kinds: ['Node', 'Service', 'Endpoints'],
      onEvent(kind, _cache, object) {
        const svc = object?.metadata.name;
        if (kind !== 'Service' || first || !svc?.startsWith('b-') || seen.has(svc)) return;
        seen.add(svc);
        out({ t: 'seen', name: svc, node: name, at: Date.now() });
      },
      async sync(_changed, cache) {
        const services = cache.list<Service>('Service');
        const model = buildModel({
          services,
          endpoints: cache.list('Endpoints'),
          nodes: cache.list('Node'),
          node: name,
          clusterCidr: CLUSTER.clusterCidr,
          serviceCidr: CLUSTER.serviceCidr,
        });
        await proxier.sync(model);
        const at = Date.now();
        for (const s of services) {
          if (s.metadata.name.startsWith('b-') && !applied.has(s.metadata.name)) {
            applied.add(s.metadata.name);
            seen.add(s.metadata.name);
            out({ t: 'applied', name: s.metadata.name, node: name, at });
          }
        }
        if (first) {
          first = false;
          synced += 1;
          if (synced === count) out({ t: 'ready' });
        }
      },
      log: (line) => process.stderr.write(`${name}: ${line}\n`),
    });
    controls.push({ close: async () => (await control.close(), grpc.close()) });
  }
  process.on('message', () => {});
  process.stdin.on('data', () => {});
  process.stdin.on('end', async () => {
    for (const c of controls) await c.close();
    process.exit(0);
  });
}

// ---- driver --------------------------------------------------------------------------------

interface Line {
  t: 'seen' | 'applied' | 'ready';
  name?: string;
  node?: string;
  at?: number;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

function procStats(pid: number): { cpuMs: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
  return { cpuMs: (ticks * 1000) / 100, rssMb: Number(rss) / 1024 };
}

interface RunResult {
  agents: number;
  created: number[];
  fanout: number[];
  programmed: number[];
  missing: number;
  cpuPct: number;
  rssMb: number;
  watches: number;
}

async function run(agents: number, services: number, rate: number, workers: number): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'minik-agents100-'));
  const port = await freePort();
  const grpcPort = await freePort();
  const token = 'bench-token';
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
  const server = spawn(
    MINIK_ARGV[0],
    [...MINIK_ARGV.slice(1), 'apiserver', '--listen', `127.0.0.1:${port}`, '--grpc-listen', `127.0.0.1:${grpcPort}`, '--data-dir', dir, '--token-file', join(dir, 'token')],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const { Client } = await import('../api/client.ts');
  let client: InstanceType<typeof Client> | undefined;
  const rest = async (method: string, path: string, body?: unknown) => {
    client ??= new Client({ server: `https://127.0.0.1:${port}`, token, ca: readFileSync(join(dir, 'ca.crt'), 'utf8') });
    try {
      return { status: method === 'POST' ? 201 : 200, json: await client.request<any>(method, path, body) };
    } catch (err) {
      return { status: (err as { code?: number }).code ?? 0, json: { message: (err as Error).message } };
    }
  };
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await rest('GET', '/api/v1/nodes')).status === 200) break;
      } catch {}
      if (i > 200) throw new Error('apiserver did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    const seen = new Map<string, number[]>();
    const applied = new Map<string, number[]>();
    let ready = 0;
    const perWorker = Math.ceil(agents / workers);
    const used = Math.min(workers, Math.ceil(agents / perWorker));
    for (let w = 0; w < used; w++) {
      const first = w * perWorker;
      const count = Math.min(perWorker, agents - first);
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', new URL(import.meta.url).pathname, '--worker', String(w), '--first', String(first), '--agents', String(count), '--grpc', `127.0.0.1:${grpcPort}`, '--token', token, '--ca', join(dir, 'ca.crt')],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      children.push(child);
      createInterface({ input: child.stdout! }).on('line', (text) => {
        const line = JSON.parse(text) as Line;
        if (line.t === 'ready') ready += 1;
        else (line.t === 'seen' ? seen : applied).set(line.name!, [...((line.t === 'seen' ? seen : applied).get(line.name!) ?? []), line.at!]);
      });
    }
    while (ready < used) {
      if (children.some((c) => c.exitCode !== null)) throw new Error('a worker died before its agents synced');
      await new Promise((r) => setTimeout(r, 50));
    }
    console.error(`  ${agents} agent(s) registered and synced; creating ${services} services at ${rate}/s`);
    await new Promise((r) => setTimeout(r, 1000)); // let registration and first syncs settle

    const t0s = new Map<string, number>();
    const created: number[] = [];
    const before = procStats(server.pid!);
    let rssMax = before.rssMb;
    const started = Date.now();
    for (let i = 0; i < services; i++) {
      const due = started + (i * 1000) / rate;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const name = `b-${i}`;
      const t0 = Date.now();
      t0s.set(name, t0);
      const res = await rest('POST', '/api/v1/namespaces/default/services', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name },
        spec: { ports: [{ port: 80, protocol: 'TCP' }] },
      });
      if (res.status !== 201) throw new Error(`POST ${name}: ${res.status} ${JSON.stringify(res.json)}`);
      created.push(Date.now() - t0);
      rssMax = Math.max(rssMax, procStats(server.pid!).rssMb);
    }
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && [...t0s.keys()].some((n) => (applied.get(n)?.length ?? 0) < agents)) await new Promise((r) => setTimeout(r, 50));
    const after = procStats(server.pid!);
    const wall = Date.now() - started;
    const latest = (m: Map<string, number[]>, name: string) => (m.get(name)?.length === agents ? Math.max(...m.get(name)!) - t0s.get(name)! : undefined);
    const fanout = [...t0s.keys()].map((n) => latest(seen, n)).filter((x): x is number => x !== undefined);
    const programmed = [...t0s.keys()].map((n) => latest(applied, n)).filter((x): x is number => x !== undefined);
    return {
      agents,
      created,
      fanout,
      programmed,
      missing: services - programmed.length,
      cpuPct: ((after.cpuMs - before.cpuMs) / wall) * 100,
      rssMb: Math.max(rssMax, after.rssMb),
      watches: agents,
    };
  } finally {
    for (const c of children) c.stdin?.end();
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (values.worker !== undefined) return runWorker();
  const agents = Number(values.agents);
  const services = Number(values.services);
  const rate = Number(values.rate);
  const workers = Number(values.workers);
  console.log(`${services} ClusterIP services at ${rate}/s; agents in ${workers} worker processes, fake nft; apiserver in its own process`);
  const results = [await run(1, services, rate, 1), await run(agents, services, rate, workers)];
  console.error('  done');
  const ms = (xs: number[], p: number) => (xs.length ? `${percentile([...xs].sort((a, b) => a - b), p).toFixed(0)}` : '-');
  printTable(
    ['agents', 'POST→201 p50/p99 ms', 'POST→event at all p50/p99 ms', 'POST→rule applied on all p50/p99 ms', 'not programmed', 'apiserver CPU', 'apiserver RSS MB', 'watches'],
    [
      ...results.map((r) => [
        r.agents === 1 ? '1 (baseline)' : String(r.agents),
        `${ms(r.created, 50)} / ${ms(r.created, 99)}`,
        `${ms(r.fanout, 50)} / ${ms(r.fanout, 99)}`,
        `${ms(r.programmed, 50)} / ${ms(r.programmed, 99)}`,
        r.missing,
        `${r.cpuPct.toFixed(0)}%`,
        r.rssMb.toFixed(0),
        r.watches,
      ]),
      ['Kubernetes SLO (quoted)', '', '', `p99 ≤ 6800 (100 nodes)`, '', '', '', ''],
    ],
  );
  const p99 = results[1].programmed.length ? percentile([...results[1].programmed].sort((a, b) => a - b), 99) : Infinity;
  console.log(`goal: p99 < ${GOAL_P99_MS} ms with ${agents} agents: ${p99 < GOAL_P99_MS && results[1].missing === 0 ? 'met' : 'NOT met'} (${p99.toFixed(0)} ms)`);
}

await main();
