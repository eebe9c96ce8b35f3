// Durable Service creates per second through REST (goal: >= 2,000/s).
//
//   node --import tsx bench/api-creates.ts [COUNT]
//
// A real apiserver process on loopback with a fresh LevelDB; every create is
// acknowledged only after its batch was fsynced. Baseline rows in the same
// run: one create at a time (no batching possible), and raw LevelDB puts
// with fsync, one at a time (what durability costs without group commit).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { killAll, startApiserverProcess } from '../e2e/support/minik-process.ts';
import { printTable } from './support/table.ts';

const COUNT = Number(process.argv[2] ?? 4000);

async function restCreates(concurrency: number, count: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'minik-bench-'));
  const server = await startApiserverProcess(dir);
  const token = readFileSync(join(dir, 'token'), 'utf8').trim();
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next < count) {
      const name = `svc-${next++}`;
      const res = await fetch(`${server.url}/api/v1/namespaces/default/services`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }] } }),
      });
      if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${await res.text()}`);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await server.proc.kill();
  rmSync(dir, { recursive: true, force: true });
  return count / seconds;
}

async function rawLevelPuts(count: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'minik-bench-level-'));
  const db = new Level<string, unknown>(dir, { valueEncoding: 'json' });
  await db.open();
  const started = performance.now();
  for (let i = 0; i < count; i++) await db.put(`k${i}`, { i }, { sync: true });
  const seconds = (performance.now() - started) / 1000;
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  return count / seconds;
}

try {
  const rows: string[][] = [];
  const add = (what: string, perSecond: number) => rows.push([what, Math.round(perSecond).toLocaleString('en-US')]);
  add(`minik REST, 64 clients, ${COUNT} creates`, await restCreates(64, COUNT));
  add(`minik REST, 16 clients, ${COUNT} creates`, await restCreates(16, COUNT));
  add(`minik REST, 1 client (baseline: no batching), ${Math.min(COUNT, 1000)} creates`, await restCreates(1, Math.min(COUNT, 1000)));
  add(`raw LevelDB put + fsync, serial (baseline), ${Math.min(COUNT, 1000)} puts`, await rawLevelPuts(Math.min(COUNT, 1000)));
  printTable(['durable writes', 'per second'], rows);
  console.log('goal: >= 2,000 durable service creates/s');
} finally {
  await killAll();
}
