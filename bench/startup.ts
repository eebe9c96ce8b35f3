// Start time of the single executable against bare Node:
//
//   node --import tsx bench/startup.ts [--runs 50] [--binary dist/minik]
//
// Runs `minik --version`, `minik --help` and `node -e 0` interleaved (so
// machine noise hits all three alike), takes the median of each, and prints
// them with the binary's size, raw and gzipped. Builds the binary first when
// it is missing or older than the sources.

import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { ensureBinary, realCliExists, SMOKE_ENTRY, SMOKE_OUT } from '../scripts/binary/ensure.ts';

interface Case {
  label: string;
  argv: string[];
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

function timeOnce(argv: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '50' }, binary: { type: 'string' } } });
  const runs = Number(values.runs);
  let binary = values.binary;
  if (!binary) {
    const smoke = !realCliExists();
    if (smoke) console.log('cli/main.ts does not exist yet: measuring the smoke entry');
    binary = (await (smoke ? ensureBinary(SMOKE_ENTRY, SMOKE_OUT) : ensureBinary())).path;
  }
  const cases: Case[] = [
    { label: 'node -e 0', argv: [process.execPath, '-e', '0'] },
    { label: 'minik --version', argv: [binary, '--version'] },
    { label: 'minik --help', argv: [binary, '--help'] },
  ];
  // The first start unpacks nothing (no LevelDB here) but warms the page cache.
  for (const c of cases) timeOnce(c.argv);
  const samples = new Map<string, number[]>(cases.map((c) => [c.label, []]));
  for (let i = 0; i < runs; i++) for (const c of cases) samples.get(c.label)!.push(timeOnce(c.argv));

  const baseline = median(samples.get('node -e 0')!);
  const table = new Table({ style: { head: [], border: [] }, head: ['command', `median of ${runs} (ms)`, 'min (ms)', 'vs node -e 0'] });
  for (const c of cases) {
    const xs = samples.get(c.label)!;
    const m = median(xs);
    table.push([c.label, m.toFixed(1), Math.min(...xs).toFixed(1), `${(((m - baseline) / baseline) * 100).toFixed(1)}%`]);
  }
  console.log(table.toString());

  const raw = statSync(binary).size;
  const gzip = gzipSync(readFileSync(binary)).length;
  const sizes = new Table({ style: { head: [], border: [] }, head: ['binary', 'raw (MB)', 'gzip (MB)'] });
  sizes.push([relative(process.cwd(), binary), (raw / 1e6).toFixed(1), (gzip / 1e6).toFixed(1)]);
  console.log(sizes.toString());
}

await main();
