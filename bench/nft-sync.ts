// Sync cost of the nftables proxier in a throwaway network namespace, side by
// side with the baselines it claims to beat, in the same run:
//   - minik: NftablesProxier (compile → diff → one transaction), applied by a
//     long-lived `nft -i` (InteractiveApplier, the agent's default) and by a
//     fresh `nft -f -` per transaction (ExecApplier, the fallback)
//   - "nft -f rewrite": the same ruleset rewritten whole for every change (no diff)
//   - "chain/svc": the classic shape (a chain per service whose rules pick an
//     endpoint), as kube-proxy-style rulesets do; plain `nft -f` per change
//
//   node --import tsx bench/nft-sync.ts [--sizes 1000,10000,30000] [--endpoints 10] [--changes 5] [--no-chain-baseline]
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { ExecApplier, InteractiveApplier, Transaction, fullSyncTransaction, type NftApplier, type Ruleset } from '../agent/nft/index.ts';
import { compile } from '../agent/proxy/nftables/compile.ts';
import { NftablesProxier } from '../agent/proxy/nftables/proxier.ts';
import { printTable } from './support/table.ts';
import { endpointIp, median, serviceIp, syntheticModel, withChangedEndpoint, servicePort } from './support/synthetic-services.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,30000' },
    endpoints: { type: 'string', default: '10' },
    changes: { type: 'string', default: '5' },
    'no-chain-baseline': { type: 'boolean', default: false },
  },
});
const sizes = values.sizes!.split(',').map(Number);
const E = Number(values.endpoints);
const CHANGES = Number(values.changes);
const NS = `mknft-bench-${process.pid}`;

const ms = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
const fmt = (x: number) => (Number.isNaN(x) ? '-' : x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`);

function freshNetns(): void {
  try {
    execFileSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  } catch {}
  execFileSync('ip', ['netns', 'add', NS]);
}

/** The classic shape: service-ips vmap → one chain per service, endpoints picked by a cascade of numgen rules. */
function chainPerServiceRuleset(n: number, offset = 0): Ruleset {
  const chains = [
    { name: 'nat-prerouting', base: { type: 'nat' as const, hook: 'prerouting' as const, priority: 'dstnat' }, rules: ['ip daddr . meta l4proto . th dport vmap @service-ips'] },
    { name: 'nat-output', base: { type: 'nat' as const, hook: 'output' as const, priority: -100 }, rules: ['ip daddr . meta l4proto . th dport vmap @service-ips'] },
  ];
  const elements = [];
  for (let i = offset; i < offset + n; i++) {
    const rules = [];
    for (let e = 0; e < E; e++) {
      const cond = e === E - 1 ? '' : `numgen random mod ${E - e} 0 `;
      rules.push(`${cond}meta l4proto tcp dnat to ${endpointIp(i * E + e)}:8080`);
    }
    chains.push({ name: `svc-${i}`, rules } as never);
    elements.push({ key: `${serviceIp(i)} . tcp . 80`, value: `goto svc-${i}` });
  }
  return { family: 'ip', table: 'minik', chains, sets: [{ name: 'service-ips', key: 'ipv4_addr . inet_proto . inet_service', data: 'verdict', elements }] };
}

async function benchMinik(n: number, applier: NftApplier) {
  const proxier = new NftablesProxier(applier, { driftCheckIntervalMs: 3_600_000, fullResyncIntervalMs: 0 });
  let model = syntheticModel(n, E);
  const compileMs = await ms(async () => compile(model));
  const full = await ms(() => proxier.sync(model));
  const changes: number[] = [];
  for (let c = 0; c < CHANGES; c++) {
    model = withChangedEndpoint(model, (c * 7919) % n, c + 1);
    changes.push(await ms(() => proxier.sync(model)));
  }
  const added = { ...model, servicePorts: [...model.servicePorts, servicePort(n + 1, [{ ip: '10.251.0.1', port: 8080, isLocal: false }, { ip: '10.251.0.2', port: 8080, isLocal: false }])] };
  const addMs = await ms(() => proxier.sync(added));
  // Without a diff: every change rewrites the table (what a naive applier does).
  const rewrite = await ms(() => applier.apply(fullSyncTransaction(compile(added))));
  return { compileMs, full, change: median(changes), addMs, rewrite };
}

async function benchChains(n: number, applier: NftApplier) {
  const full = await ms(() => applier.apply(fullSyncTransaction(chainPerServiceRuleset(n))));
  const adds: number[] = [];
  for (let c = 0; c < Math.min(CHANGES, 3); c++) {
    const one = chainPerServiceRuleset(1, n + 10 + c);
    const tx = new Transaction('ip', 'minik');
    for (const ch of one.chains.filter((x) => x.name.startsWith('svc-'))) tx.addChain(ch);
    tx.addElements('service-ips', one.sets[0].elements);
    adds.push(await ms(() => applier.apply(tx)));
  }
  return { full, add: median(adds) };
}

async function main() {
  if (process.getuid?.() !== 0) {
    console.log('SKIP: bench/nft-sync needs root (network namespaces)');
    return;
  }
  const rows: (string | number)[][] = [];
  try {
    for (const n of sizes) {
      freshNetns();
      const exec = new ExecApplier({ netns: NS });
      const m = await benchMinik(n, exec);
      freshNetns();
      const ia = new InteractiveApplier({ netns: NS });
      const inter = await benchMinik(n, ia);
      ia.close();
      let chain = { full: NaN, add: NaN };
      if (!values['no-chain-baseline']) {
        freshNetns();
        chain = await benchChains(n, exec);
      }
      rows.push([
        n,
        E,
        fmt(m.compileMs),
        fmt(inter.full),
        fmt(inter.change),
        fmt(inter.addMs),
        fmt(m.full),
        fmt(m.change),
        fmt(m.addMs),
        fmt(m.rewrite),
        fmt(chain.full),
        fmt(chain.add),
      ]);
      console.error(`done ${n}`);
    }
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
    } catch {}
  }
  printTable(
    [
      'services',
      'eps/svc',
      'compile (all)',
      'minik full sync',
      'minik 1-svc change p50 (nft -i)',
      'minik +1 svc (nft -i)',
      'full sync (nft -f)',
      '1-svc change p50 (nft -f)',
      '+1 svc (nft -f)',
      'nft -f rewrite',
      'chain/svc full',
      'chain/svc +1 svc',
    ],
    rows,
  );
}

await main();
