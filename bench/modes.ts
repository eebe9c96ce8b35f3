// Every proxy mode side by side, in one run, one table (each mode with its own
// floor/baseline measured in the same run):
//   a. first packet to the LAST-added service at 10 / 1k / 10k / 30k services
//      (10 endpoints each): p50/p99 µs over the no-rules floor
//   b. sync cost: full sync and a one-service change at each size
//   c. throughput and p99 latency through a ClusterIP (wrk, keep-alive) as a
//      ratio to the same load sent straight to the backends
//   d. network programming latency in a real lab (`minik up --proxy-mode M`):
//      Service POST → first answer from a pod on every node, p50/p99
// a–c run in three throwaway namespaces per mode (pod → node → backend, see
// support/pod-topology.ts); the mode is built through the registry, exactly
// as the agent builds it, so every registered mode plugs in. A mode this
// kernel cannot run gets its one-line reason instead of numbers.
//
//   node --import tsx bench/modes.ts [--quick] [--modes nftables,iptables,userspace,ipvs] [--sections a,b,c,d]
//        [--sizes 10,1000,10000,30000] [--count 300] [--changes 5] [--wrk-seconds 5] [--services 30] [--nodes 2]
// --quick: sizes 10,1000, 100 connections, 2 changes, 2 s of wrk, 8 services in d.
import { parseArgs } from 'node:util';
import { PROXY_MODES } from '../api/layout.ts';
import { upBenchLab, type BenchLab } from './support/bench-lab.ts';
import { startMode, type ModeDriver } from './support/mode-driver.ts';
import { BACKEND_IPS, FIRST_PACKET_PORT, HTTP_PORT, NODE_POD_SIDE, createPodTopology, type PodTopology } from './support/pod-topology.ts';
import type { ProberProcess } from './support/prober-process.ts';
import { measureOne, prepareProbes } from './support/programming.ts';
import { median, percentile, serviceIp } from './support/synthetic-services.ts';
import { printTable } from './support/table.ts';
import { parseWrk } from './support/wrk.ts';
import { join } from 'node:path';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    modes: { type: 'string', default: PROXY_MODES.join(',') },
    sections: { type: 'string', default: 'a,b,c,d' },
    sizes: { type: 'string' },
    count: { type: 'string' },
    changes: { type: 'string' },
    'wrk-seconds': { type: 'string' },
    services: { type: 'string' },
    nodes: { type: 'string', default: '2' },
  },
});
const quick = values.quick!;
const MODES = values.modes!.split(',');
const SECTIONS = new Set(values.sections!.split(','));
const SIZES = (values.sizes ?? (quick ? '10,1000' : '10,1000,10000,30000')).split(',').map(Number);
const COUNT = Number(values.count ?? (quick ? 100 : 300));
const CHANGES = Number(values.changes ?? (quick ? 2 : 5));
const WRK_SECONDS = Number(values['wrk-seconds'] ?? (quick ? 2 : 5));
const LAT_SERVICES = Number(values.services ?? (quick ? 8 : 30));
const NODES = Number(values.nodes);
const ENDPOINTS = 10;
const THROUGHPUT_SERVICES = 100;
const PROBE = join(import.meta.dirname, 'support', 'tcp-probe.ts');

type Cell = string;
/** mode → the registry's one line saying why it cannot run here */
const unavailable = new Map<string, string>();
/** row label → mode → cell */
const table = new Map<string, Map<string, Cell>>();
const put = (row: string, mode: string, cell: Cell) => {
  if (!table.has(row)) table.set(row, new Map());
  table.get(row)!.set(mode, cell);
};
const us = (x: number) => `${Math.round(x)}`;
const signed = (x: number) => `${x >= 0 ? '+' : ''}${Math.round(x)}`;
const ms = (x: number) => (Number.isNaN(x) ? '-' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`);
const size = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
const log = (line: string) => console.error(`[bench/modes ${new Date().toISOString().slice(11, 19)}] ${line}`);

function probe(topo: PodTopology, ip: string, port: number): { p50: number; p99: number } {
  const xs: number[] = JSON.parse(topo.run(topo.pod, [process.execPath, '--import', 'tsx', PROBE, 'probe', ip, String(port), String(COUNT)]));
  return { p50: median(xs), p99: percentile(xs, 99) };
}

function wrk(topo: PodTopology, url: string) {
  return parseWrk(topo.run(topo.pod, ['wrk', '-t1', '-c16', `-d${WRK_SECONDS}s`, '--latency', url]));
}

/** a + b + c for one mode, in its own namespaces. */
async function benchMode(mode: string): Promise<void> {
  const topo = createPodTopology(`mkbm-${mode.slice(0, 4)}${process.pid % 10000}`);
  let driver: ModeDriver | undefined;
  try {
    await new Promise((r) => setTimeout(r, 700)); // backend servers listening
    driver = await startMode(mode, topo.node, NODE_POD_SIDE);
    if (driver.unavailable) {
      unavailable.set(mode, driver.unavailable);
      log(`${mode}: ${driver.unavailable}`);
      return;
    }
    if (SECTIONS.has('a') || SECTIONS.has('b')) {
      for (const n of SIZES) {
        const vip = serviceIp(n - 1);
        const floorBefore = SECTIONS.has('a') ? probe(topo, BACKEND_IPS[0], FIRST_PACKET_PORT) : undefined;
        let full: number;
        try {
          full = await driver.send(`full ${n} ${ENDPOINTS} ${BACKEND_IPS.join(',')} ${FIRST_PACKET_PORT}`);
        } catch (err) {
          put(`b. full sync, ${size(n)} services`, mode, `failed: ${(err as Error).message}`);
          log(`${mode} ${n}: ${(err as Error).message}`);
          await driver.send('cleanup').catch(() => {});
          continue;
        }
        put(`b. full sync, ${size(n)} services`, mode, ms(full));
        if (SECTIONS.has('a')) {
          const rules = probe(topo, vip, 80);
          await driver.send('cleanup');
          const floorAfter = probe(topo, BACKEND_IPS[0], FIRST_PACKET_PORT);
          const f50 = median([floorBefore!.p50, floorAfter.p50]);
          const f99 = median([floorBefore!.p99, floorAfter.p99]);
          put(`a. first packet p50 µs over floor, ${size(n)} services`, mode, `${signed(rules.p50 - f50)} (${us(rules.p50)} vs floor ${us(f50)})`);
          put(`a. first packet p99 µs over floor, ${size(n)} services`, mode, `${signed(rules.p99 - f99)} (${us(rules.p99)} vs floor ${us(f99)})`);
          if (SECTIONS.has('b')) await driver.send(`full ${n} ${ENDPOINTS} ${BACKEND_IPS.join(',')} ${FIRST_PACKET_PORT}`);
        }
        if (SECTIONS.has('b')) {
          const changes: number[] = [];
          for (let c = 0; c < CHANGES; c++) changes.push(await driver.send(`change ${(c * 7919) % Math.max(1, n - 1)} ${c + 1}`));
          put(`b. one-service change p50, ${size(n)} services`, mode, ms(median(changes)));
        }
        await driver.send('cleanup');
        log(`${mode} ${n} done`);
      }
    }
    if (SECTIONS.has('c')) {
      const directUrl = `http://${BACKEND_IPS[0]}:${HTTP_PORT}/`;
      parseWrk(topo.run(topo.pod, ['wrk', '-t1', '-c16', '-d1s', directUrl])); // warm the backend up (JIT) before anything counts
      const before = wrk(topo, directUrl);
      await driver.send(`full ${THROUGHPUT_SERVICES} ${ENDPOINTS} ${BACKEND_IPS.join(',')} ${HTTP_PORT}`);
      const via = wrk(topo, `http://${serviceIp(THROUGHPUT_SERVICES - 1)}:80/`);
      await driver.send('cleanup');
      // direct access before and after, so a drift of the machine's load shows in neither side alone
      const after = wrk(topo, directUrl);
      const direct = { requestsPerSecond: (before.requestsPerSecond + after.requestsPerSecond) / 2, p99Ms: (before.p99Ms + after.p99Ms) / 2 };
      const errs = via.errors ? `, ${via.errors} errors` : '';
      put('c. requests/s via ClusterIP (ratio to direct)', mode, `${Math.round(via.requestsPerSecond)} (${(via.requestsPerSecond / direct.requestsPerSecond).toFixed(2)}× of ${Math.round(direct.requestsPerSecond)}${errs})`);
      put('c. p99 latency via ClusterIP (ratio to direct)', mode, `${ms(via.p99Ms)} (${(via.p99Ms / direct.p99Ms).toFixed(2)}× of ${ms(direct.p99Ms)})`);
      log(`${mode} throughput done`);
    }
  } finally {
    await driver?.close();
    topo.destroy();
  }
}

/** d for one mode: a real lab in that mode. */
async function programmingLatency(mode: string): Promise<void> {
  const labName = 'mkbm';
  let lab: BenchLab | undefined;
  let probers: ProberProcess[] = [];
  try {
    const started = performance.now();
    lab = await upBenchLab({ name: labName, lan: '192.168.83.0/24', nodes: NODES, proxyMode: mode });
    probers = await prepareProbes(lab, labName, NODES, 3);
    log(`${mode}: lab ready in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    for (let i = 0; i < 2; i++) await measureOne(lab, probers, `warm-${i}`, 10_000);
    const all: number[] = [];
    const created: number[] = [];
    let timedOut = 0;
    for (let i = 0; i < LAT_SERVICES; i++) {
      const s = await measureOne(lab, probers, `lat-${i}`, 10_000);
      created.push(s.created);
      if (s.perNode.some((x) => x === undefined)) timedOut++;
      else all.push(Math.max(...(s.perNode as number[])));
      await new Promise((r) => setTimeout(r, 20));
    }
    const late = timedOut ? `, ${timedOut} timed out` : '';
    put(`d. programming latency p50 / p99, all ${NODES} nodes (POST→201 floor)`, mode, `${ms(percentile(all, 50))} / ${ms(percentile(all, 99))} (floor ${ms(percentile(created, 50))}${late})`);
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    put(`d. programming latency p50 / p99, all ${NODES} nodes (POST→201 floor)`, mode, `failed: ${msg.replace(/^minik up .*?: /, '')}`);
    log(`${mode} lab: ${msg}`);
  } finally {
    await Promise.all(probers.map((p) => p.kill()));
    await lab?.down().catch((err) => log(`minik down: ${(err as Error).message}`));
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('SKIP: bench/modes needs root (network namespaces)');
    return;
  }
  const started = performance.now();
  for (const mode of MODES) {
    if (SECTIONS.has('a') || SECTIONS.has('b') || SECTIONS.has('c')) await benchMode(mode);
    if (SECTIONS.has('d')) await programmingLatency(mode);
  }
  for (const mode of unavailable.keys()) for (const row of table.values()) row.set(mode, 'n/a (below)');
  const rows = [...table.keys()].sort((x, y) => (x[0] !== y[0] ? (x < y ? -1 : 1) : 0)).map((row) => [row, ...MODES.map((m) => table.get(row)!.get(m) ?? '-')]);
  console.log(
    `\nProxy modes side by side (${quick ? '--quick' : 'full'} run, ${ENDPOINTS} endpoints per service, ${COUNT} fresh connections per first-packet figure, wrk -t1 -c16 -d${WRK_SECONDS}s, ${LAT_SERVICES} services × ${NODES} nodes for d; ${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
  printTable(['measure', ...MODES], rows);
  for (const [mode, why] of unavailable) console.log(`${mode}: ${why}`);
}

await main();
