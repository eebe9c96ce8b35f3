// Where a full nftables sync goes, at N services × 10 endpoints, in a
// throwaway namespace: minik's compile and render (JS), then the one
// `nft -f` that loads the table, split by the nft process' own CPU time:
// user = nft parsing and evaluating the text, sys = the kernel building and
// committing the netlink batch. `nft --check` (parse + evaluate, no commit)
// is the cross-check. Repeats R times, medians.
//
//   node --import tsx bench/nft-sync-breakdown.ts [--sizes 10000] [--repeats 3]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fullSyncTransaction } from '../agent/nft/index.ts';
import { compile } from '../agent/proxy/nftables/compile.ts';
import { median, syntheticModel } from './support/synthetic-services.ts';
import { printTable } from './support/table.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10000' }, repeats: { type: 'string', default: '3' } } });
const NS = `mknft-bd${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'minik-nft-bd-'));

/** real, user and sys ms of one command in the namespace (bash's `time`, written to a file). */
function timedStderr(argv: string[]): { real: number; user: number; sys: number } {
  execFileSync('bash', ['-c', `TIMEFORMAT='%R %U %S'; { time nsenter --net=/run/netns/${NS} ${argv.join(' ')} >/dev/null ; } 2>${dir}/t`], { stdio: 'ignore' });
  const [real, user, sys] = execFileSync('cat', [`${dir}/t`], { encoding: 'utf8' }).trim().split(/\s+/).slice(-3).map(Number);
  return { real: real * 1000, user: user * 1000, sys: sys * 1000 };
}

async function main() {
  if (process.getuid?.() !== 0) {
    console.log('SKIP: bench/nft-sync-breakdown needs root (network namespaces)');
    return;
  }
  const rows: string[][] = [];
  try {
    execFileSync('ip', ['netns', 'add', NS]);
    for (const n of values.sizes!.split(',').map(Number)) {
      const r = { compile: [] as number[], render: [] as number[], real: [] as number[], user: [] as number[], sys: [] as number[], check: [] as number[], bytes: 0 };
      for (let i = 0; i < Number(values.repeats); i++) {
        const model = syntheticModel(n, 10);
        let t = performance.now();
        const ruleset = compile(model);
        r.compile.push(performance.now() - t);
        t = performance.now();
        const text = fullSyncTransaction(ruleset).render();
        r.render.push(performance.now() - t);
        r.bytes = text.length;
        const file = join(dir, 'table.nft');
        writeFileSync(file, text);
        execFileSync('nsenter', [`--net=/run/netns/${NS}`, 'nft', 'flush', 'ruleset']);
        r.check.push(timedStderr(['nft', '--check', '-f', file]).real);
        const load = timedStderr(['nft', '-f', file]);
        r.real.push(load.real);
        r.user.push(load.user);
        r.sys.push(load.sys);
      }
      const f = (xs: number[]) => `${Math.round(median(xs))} ms`;
      const total = median(r.compile) + median(r.render) + median(r.real);
      rows.push([String(n), `${(r.bytes / 1e6).toFixed(1)} MB`, f(r.compile), f(r.render), f(r.real), f(r.user), f(r.sys), f(r.check), `${Math.round(total)} ms`]);
      console.error(`done ${n}`);
    }
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', NS]);
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\nWhere a full nftables sync goes (10 endpoints per service; nft user = parsing/evaluation in the nft process, nft sys = kernel work in its syscalls)');
  printTable(['services', 'script', 'compile (JS)', 'render (JS)', 'nft -f wall', 'nft user CPU', 'nft sys CPU', 'nft --check wall', 'total'], rows);
}

await main();
