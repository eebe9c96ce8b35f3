// Runs every `*.test.ts` file (uvu, one process per file), then prints the
// closing line `N passed, N failed, N skipped` that CI reads.
//
//   node --import tsx scripts/run-tests.ts [--unit|--e2e] [FILTER...]
//
// Unit files run two at a time; e2e files (under e2e/) one at a time, since
// they build labs in network namespaces. A file that crashes or times out
// without uvu's summary counts as one failure. A test that cannot run on this
// machine prints `SKIP: <why>` and is counted (uvu's own skips count too).

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const TEST_DIRS = ['api', 'apiserver', 'agent', 'cli', 'proto', 'scripts', 'bench', 'e2e'];
const FILE_TIMEOUT_MS = 15 * 60_000;

/**
 * A file that boots VMs under software emulation may need longer: it says so
 * in its first lines with `// test-timeout: 30 min`.
 */
function fileTimeoutMs(text: string): number {
  const m = /^\/\/ test-timeout: (\d+) min$/m.exec(text.split('\n').slice(0, 20).join('\n'));
  return m ? Number(m[1]) * 60_000 : FILE_TIMEOUT_MS;
}
const UNIT_PARALLELISM = 2;

interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  skipReasons: string[];
  output: string;
  ms: number;
}

function findTests(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out.sort();
}

function summaryNumber(output: string, label: string): number | undefined {
  const match = output.match(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm'));
  return match ? Number(match[1]) : undefined;
}

function runFile(file: string): Promise<FileResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timeoutMs = fileTimeoutMs(readFileSync(file, 'utf8'));
    const timer = setTimeout(() => {
      output += `\n(timed out after ${timeoutMs / 1000} s)\n`;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {}
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const total = summaryNumber(output, 'Total');
      const passed = summaryNumber(output, 'Passed') ?? 0;
      const uvuSkipped = summaryNumber(output, 'Skipped') ?? 0;
      const skipReasons = [...output.matchAll(/^SKIP: (.*)$/gm)].map((m) => m[1]);
      let failed = total === undefined ? 1 : total - passed;
      if (failed === 0 && code !== 0) failed = 1; // crashed after its summary
      resolve({
        file: relative(ROOT, file),
        passed,
        failed,
        skipped: Math.max(uvuSkipped, skipReasons.length),
        skipReasons,
        output,
        ms: Date.now() - started,
      });
    });
  });
}

async function runPool(files: string[], parallelism: number, onDone: (r: FileResult) => void): Promise<FileResult[]> {
  const results: FileResult[] = [];
  let next = 0;
  async function worker() {
    while (next < files.length) {
      const file = files[next++];
      const result = await runFile(file);
      onDone(result);
      results.push(result);
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallelism, files.length) }, worker));
  return results;
}

function report(r: FileResult): void {
  const mark = r.failed > 0 ? 'FAIL' : 'ok  ';
  const skip = r.skipped ? `, ${r.skipped} skipped` : '';
  console.log(`${mark} ${r.file}  (${r.passed} passed, ${r.failed} failed${skip}; ${(r.ms / 1000).toFixed(1)} s)`);
  for (const reason of r.skipReasons) console.log(`     skipped: ${reason}`);
  if (r.failed > 0) console.log(r.output.replace(/^/gm, '     | '));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const onlyUnit = args.includes('--unit');
  const onlyE2e = args.includes('--e2e');
  const filters = args.filter((a) => !a.startsWith('--'));
  const all = TEST_DIRS.flatMap((d) => findTests(join(ROOT, d))).filter(
    (f) => filters.length === 0 || filters.some((flt) => relative(ROOT, f).includes(flt)),
  );
  const isE2e = (f: string) => relative(ROOT, f).startsWith('e2e/');
  const unit = onlyE2e ? [] : all.filter((f) => !isE2e(f));
  const e2e = onlyUnit ? [] : all.filter(isE2e);

  const results = [...(await runPool(unit, UNIT_PARALLELISM, report)), ...(await runPool(e2e, 1, report))];
  const sum = (k: 'passed' | 'failed' | 'skipped') => results.reduce((n, r) => n + r[k], 0);
  const failedFiles = results.filter((r) => r.failed > 0).map((r) => r.file);
  if (failedFiles.length) console.log(`\nfailing files: ${failedFiles.join(', ')}`);
  if (results.length === 0) console.log('no test files matched');
  console.log(`${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
  process.exitCode = sum('failed') > 0 || results.length === 0 ? 1 : 0;
}

await main();
