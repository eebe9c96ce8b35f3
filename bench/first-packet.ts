// First-packet cost of minik's compiled ruleset as services grow: N VIPs all
// DNATed to one backend, the table in the client namespace (nat output hook,
// where a node's own processes are translated), fresh TCP connections
// (connect + first byte) to the last service. The floor is the same
// connection straight to the backend with no table. Interleaved repeats,
// medians; conntrack must show one new entry per connection.
//
//   node --import tsx bench/first-packet.ts [--sizes 10,1000,10000] [--count 500] [--repeats 3]
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ExecApplier, Transaction } from '../agent/nft/index.ts';
import { NftablesProxier } from '../agent/proxy/nftables/proxier.ts';
import { printTable } from './support/table.ts';
import { median, percentile, serviceIp, syntheticModel } from './support/synthetic-services.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,1000,10000' },
    count: { type: 'string', default: '500' },
    repeats: { type: 'string', default: '3' },
  },
});
const sizes = values.sizes!.split(',').map(Number);
const COUNT = Number(values.count);
const REPEATS = Number(values.repeats);
const P = `mknft-fp${process.pid}`;
const CLIENT = `${P}-c`;
const BACKEND = `${P}-b`;
const BACKEND_IP = '10.244.200.2';
const PROBE = join(import.meta.dirname, 'support', 'tcp-probe.ts');

const sh = (...a: string[]) => execFileSync(a[0], a.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const inNs = (ns: string, ...a: string[]) => sh('nsenter', `--net=/run/netns/${ns}`, ...a);

function probe(ip: string, port: number): number[] {
  return JSON.parse(inNs(CLIENT, process.execPath, '--import', 'tsx', PROBE, 'probe', ip, String(port), String(COUNT)));
}

/** Connections tracked towards `ip` in the client namespace (TIME_WAIT entries live 120 s, so the delta counts new ones). */
function conntrackCount(ip: string): number {
  try {
    return inNs(CLIENT, 'conntrack', '-L', '-p', 'tcp', '--orig-dst', ip).split('\n').filter((l) => l.startsWith('tcp')).length;
  } catch {
    return 0;
  }
}

async function main() {
  if (process.getuid?.() !== 0) {
    console.log('SKIP: bench/first-packet needs root (network namespaces)');
    return;
  }
  const server = (() => {
    sh('ip', 'netns', 'add', CLIENT);
    sh('ip', 'netns', 'add', BACKEND);
    sh('ip', '-n', CLIENT, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', BACKEND);
    sh('ip', '-n', CLIENT, 'addr', 'add', '10.244.200.1/24', 'dev', 'eth0');
    sh('ip', '-n', BACKEND, 'addr', 'add', `${BACKEND_IP}/24`, 'dev', 'eth0');
    for (const ns of [CLIENT, BACKEND]) {
      sh('ip', '-n', ns, 'link', 'set', 'eth0', 'up');
      sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
    }
    sh('ip', '-n', CLIENT, 'route', 'add', '10.96.0.0/12', 'via', BACKEND_IP);
    return spawn('nsenter', [`--net=/run/netns/${BACKEND}`, process.execPath, '--import', 'tsx', PROBE, 'serve', '8080'], { stdio: 'ignore' });
  })();
  const rows: (string | number)[][] = [];
  try {
    await new Promise((r) => setTimeout(r, 500));
    const applier = new ExecApplier({ netns: CLIENT });
    for (const n of sizes) {
      const model = syntheticModel(n, 1, { backend: { ip: BACKEND_IP, port: 8080 } });
      const vip = serviceIp(n - 1);
      const floor: { p50: number; p99: number }[] = [];
      const rules: { p50: number; p99: number }[] = [];
      let newEntries = 0;
      for (let r = 0; r < REPEATS; r++) {
        await applier.apply(new Transaction('ip', 'minik').destroyTable());
        const f = probe(BACKEND_IP, 8080);
        floor.push({ p50: median(f), p99: percentile(f, 99) });
        await new NftablesProxier(applier).sync(model);
        const before = conntrackCount(vip);
        const x = probe(vip, 80);
        newEntries += conntrackCount(vip) - before;
        rules.push({ p50: median(x), p99: percentile(x, 99) });
      }
      const f50 = median(floor.map((x) => x.p50));
      const r50 = median(rules.map((x) => x.p50));
      rows.push([
        n,
        Math.round(f50),
        Math.round(median(floor.map((x) => x.p99))),
        Math.round(r50),
        Math.round(median(rules.map((x) => x.p99))),
        `${r50 - f50 >= 0 ? '+' : ''}${Math.round(r50 - f50)}`,
        `${newEntries} / ${COUNT * REPEATS}`,
      ]);
      console.error(`done ${n}`);
    }
  } finally {
    server.kill();
    for (const ns of [CLIENT, BACKEND]) {
      try {
        sh('ip', 'netns', 'del', ns);
      } catch {}
    }
  }
  printTable(['services', 'floor p50 µs', 'floor p99 µs', 'minik p50 µs', 'minik p99 µs', 'p50 over floor µs', 'new conntrack entries'], rows);
}

await main();
