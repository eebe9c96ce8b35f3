// Network programming latency: REST create of a Service → first successful
// request to its ClusterIP from a pod on EVERY node.
//
//   node --import tsx bench/programming-latency.ts [SERVICES=100] [--nodes 3] [--backends 3] [--timeout-ms 10000]
//        [--keep-logs DIR]   copy the lab's daemon logs there before tearing down
//        [--json FILE]       every sample (with its wall-clock t0) for lining up with agent traces
//        [--breakdown]       also time each stage: watch delivery (a host watcher) and when each
//                            node's nft table got the service's reject and DNAT elements (nft monitor)
//
// Builds its own lab (`mkb`, LAN 192.168.82.0/24) and always tears it down.
// One probe pod per node runs a long-lived prober (bench/support/service-prober.ts)
// in the pod's network namespace. For each service, one after another: note
// t0, POST it (selector run=web, 80→8080, 3 echo backends made beforehand),
// read the clusterIP from the 201, tell every prober to open a fresh TCP
// connection + HTTP GET to it every 1 ms, and take the time of each prober's
// first answer. Latency of a service = the slowest node; per-node rows too.
// Baseline in the same run: POST → 201 alone (the floor nothing can beat).
// Kubernetes' SLO row is quoted, not measured.

import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { labLayout, labNodeName, podNetnsName } from '../api/layout.ts';
import { upBenchLab, type BenchLab } from './support/bench-lab.ts';
import { startProber, type ProberProcess } from './support/prober-process.ts';
import { startProgrammingTracer, type ProgrammingTracer, type ServiceTrace } from './support/programming-trace.ts';
import { percentile } from './support/prober-protocol.ts';
import { measureOne as measureService, waitForPodsReady, type ProgrammingSample } from './support/programming.ts';
import { printTable } from './support/table.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    nodes: { type: 'string', default: '3' },
    backends: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    'timeout-ms': { type: 'string', default: '10000' },
    'keep-logs': { type: 'string' },
    json: { type: 'string' },
    breakdown: { type: 'boolean', default: false },
  },
});
const SERVICES = Number(positionals[0] ?? 100);
const NODES = Number(values.nodes);
const BACKENDS = Number(values.backends);
const WARMUP = Number(values.warmup);
const TIMEOUT_MS = Number(values['timeout-ms']);
const LAB = { name: 'mkb', lan: '192.168.82.0/24', nodes: NODES };
const SERVICE_PORT = 80;
const BACKEND_PORT = 8080;
const GOAL = { p50: 20, p99: 100 };

interface Sample extends ProgrammingSample {
  trace?: ServiceTrace;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const fmt = (ms: number) => (Number.isNaN(ms) ? '-' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

function statsRow(label: string, xs: number[], goal: string): string[] {
  return [label, fmt(percentile(xs, 50)), fmt(percentile(xs, 99)), fmt(Math.max(...xs)), String(xs.length), goal];
}

/** Each stage as time since the POST; node stages are the slowest node's. */
function reportBreakdown(samples: Sample[]): void {
  const since = (s: Sample, at: number | undefined) => (at === undefined ? undefined : at - s.t0);
  const slowestNode = (s: Sample, stage: 'reject' | 'dnat') => {
    const xs = s.trace!.nodes.map((n) => n[stage]);
    return xs.some((x) => x === undefined) ? undefined : Math.max(...(xs as number[]));
  };
  const stages: [string, (s: Sample) => number | undefined][] = [
    ['POST → 201', (s) => s.created],
    ['POST → Service event at a host watcher', (s) => since(s, s.trace!.watchService)],
    ['POST → Endpoints event (ready addresses)', (s) => since(s, s.trace!.watchEndpoints)],
    ['POST → reject element in nft (slowest node)', (s) => since(s, slowestNode(s, 'reject'))],
    ['POST → DNAT element in nft (slowest node)', (s) => since(s, slowestNode(s, 'dnat'))],
    ['POST → first answer (slowest node)', (s) => (s.perNode.some((x) => x === undefined) ? undefined : Math.max(...(s.perNode as number[])))],
  ];
  const row = (label: string, xs: number[]) => [label, fmt(percentile(xs, 50)), fmt(percentile(xs, 99)), fmt(Math.max(...xs)), String(xs.length)];
  const rows = stages.map(([label, f]) => row(label, samples.map(f).filter((x): x is number => x !== undefined)));
  // Both elements seen on one node in separate transactions: the gap is one whole agent sync.
  const gaps = samples.flatMap((s) => s.trace!.nodes.flatMap((n) => (n.reject !== undefined && n.dnat !== undefined ? [n.dnat - n.reject] : [])));
  rows.push(row('reject → DNAT on one node (one more agent sync)', gaps));
  console.log('\nBreakdown (each stage since the POST; a missing n means the event was not seen)');
  printTable(['stage', 'p50', 'p99', 'max', 'n'], rows);
}

function report(samples: Sample[]): void {
  const complete = samples.filter((s) => s.perNode.every((x) => x !== undefined));
  const allNodes = complete.map((s) => Math.max(...(s.perNode as number[])));
  const p50 = percentile(allNodes, 50);
  const p99 = percentile(allNodes, 99);
  const verdict = `p50 < ${GOAL.p50} ms, p99 < ${GOAL.p99} ms: ${p50 < GOAL.p50 && p99 < GOAL.p99 ? 'met' : 'NOT met'}`;
  const rows: string[][] = [statsRow(`minik, all ${NODES} nodes answer (max over nodes)`, allNodes, verdict)];
  for (let n = 0; n < NODES; n++) {
    rows.push(statsRow(`  pod on ${labNodeName(n)}`, complete.map((s) => s.perNode[n]!), ''));
  }
  rows.push(statsRow('  after the 201 (all nodes − POST)', complete.map((s, i) => allNodes[i] - s.created), ''));
  rows.push(statsRow('baseline: POST → 201 alone (floor)', samples.map((s) => s.created), 'measured, same run'));
  rows.push(['Kubernetes SLO (100 nodes, quoted)', '1.52 s', '6.8 s', '-', '-', 'not measured']);
  console.log(`\nNetwork programming latency: Service POST → first answer from its ClusterIP, ${samples.length} services, ${NODES} nodes, ${BACKENDS} backends, probe every 1 ms`);
  printTable(['', 'p50', 'p99', 'max', 'n', 'goal / note'], rows);
  const timedOut = samples.length - complete.length;
  if (timedOut) console.log(`${timedOut} service(s) did not answer on every node within ${TIMEOUT_MS} ms: ${samples.filter((s) => !complete.includes(s)).map((s) => s.name).join(', ')}`);
  const slowest = [...complete].sort((a, b) => Math.max(...(b.perNode as number[])) - Math.max(...(a.perNode as number[]))).slice(0, 3);
  console.log(`slowest: ${slowest.map((s) => `${s.name} [${s.perNode.map((x) => fmt(x!)).join(', ')}]`).join('; ')}`);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('SKIP: bench/programming-latency needs root (it builds a lab in network namespaces)');
    return;
  }
  let lab: BenchLab | undefined;
  const probers: ProberProcess[] = [];
  let tracer: ProgrammingTracer | undefined;
  const cleanup = async () => {
    await Promise.all(probers.map((p) => p.kill()));
    await tracer?.close();
    if (values['keep-logs']) {
      mkdirSync(values['keep-logs'], { recursive: true });
      cpSync(labLayout(LAB.name).logsDir, values['keep-logs'], { recursive: true });
    }
    await lab?.down();
  };
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      console.error(`\n${signal}: tearing down lab ${LAB.name}`);
      cleanup().finally(() => process.exit(130));
    });
  }
  try {
    const started = performance.now();
    lab = await upBenchLab(LAB);
    await lab.minik('run', 'web', '--replicas', String(BACKENDS), '--port', String(BACKEND_PORT));
    const probePods = Array.from({ length: NODES }, (_, n) => `probe${n + 1}`);
    for (let n = 0; n < NODES; n++) await lab.minik('run', probePods[n], '--node', labNodeName(n), '--', 'sleep', '1000000');
    await waitForPodsReady(lab, [...Array.from({ length: BACKENDS }, (_, i) => `web-${i}`), ...probePods]);
    const layout = labLayout(LAB.name);
    for (let n = 0; n < NODES; n++) {
      probers.push(await startProber(podNetnsName(layout.nodeNetns(labNodeName(n)), 'default', probePods[n])));
    }
    if (values.breakdown) {
      const grpcAddress = new URL(lab.server).host.replace(/:(\d+)$/, (_, port) => `:${Number(port) + 1}`);
      tracer = startProgrammingTracer({ grpcAddress, token: lab.token, ca: lab.ca, nodeNetns: Array.from({ length: NODES }, (_, n) => layout.nodeNetns(labNodeName(n))) });
      await sleep(500); // the watch's snapshot and nft monitor's netlink socket are in place
    }
    console.log(`lab ${LAB.name} with ${NODES} nodes, ${BACKENDS} backends and ${NODES} probers ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    for (let i = 0; i < WARMUP; i++) await measureService(lab, probers, `warmup-${i}`, TIMEOUT_MS);
    const samples: Sample[] = [];
    for (let i = 0; i < SERVICES && !interrupted; i++) {
      samples.push(await measureService(lab, probers, `lat-${i}`, TIMEOUT_MS));
      // let the agents and the endpoints controller settle, so each service is measured on a quiet cluster
      await sleep(20);
    }
    await sleep(100); // the last monitor lines and watch events are in
    for (const s of samples) s.trace = tracer?.trace(`default/${s.name}`);
    report(samples);
    if (tracer) reportBreakdown(samples);
    if (values.json) writeFileSync(values.json, JSON.stringify(samples, null, 1));
    for (const p of probers) if (p.messages().length) console.log(`prober ${p.netns}: ${p.messages().slice(0, 5).join(' | ')}`);
  } finally {
    if (!interrupted) await cleanup();
  }
}

await main();
