// Durable Service creates per second through REST (goal: >= 2,000/s).
//
//   node --import tsx bench/api-creates.ts [COUNT]
//
// A real apiserver process on loopback with a fresh LevelDB; every create is
// acknowledged only after its batch was fsynced. The client is node:https,
// trusting the apiserver's CA, with keep-alive (fetch costs the client more
// CPU than the server spends on a create, on a 2-core machine; keep-alive
// means one TLS handshake per client, not per create). Baseline rows in the same run: GET /healthz
// with the same clients (the HTTP floor of this machine), one create at a
// time (no batching possible), and raw LevelDB puts with fsync, one at a time
// (what durability costs without group commit). CPU per request (apiserver
// process and this client, TLS included) is printed beside the rates: on a
// shared machine the rates swing with other load, the CPU cost much less.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { killAll, startApiserverProcess } from '../e2e/support/minik-process.ts';
import { printTable } from './support/table.ts';

const COUNT = Number(process.argv[2] ?? 4000);

function call(agent: Agent, url: URL, method: string, token: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface LoadResult {
  perSecond: number;
  /** CPU time (user + system) per request, in microseconds */
  serverCpuUs: number;
  clientCpuUs: number;
}

/** utime + stime of a process, in ms (from /proc; 0 where there is none). */
function processCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    // after "pid (comm) ": state is field 0, utime 11, stime 12 (in clock ticks of 10 ms)
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

async function restLoad(what: 'create' | 'healthz', concurrency: number, count: number): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'minik-bench-'));
  const server = await startApiserverProcess(dir);
  const token = readFileSync(join(dir, 'token'), 'utf8').trim();
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca: server.ca });
  const services = new URL(`${server.url}/api/v1/namespaces/default/services`);
  const healthz = new URL(`${server.url}/healthz`);
  let next = 0;
  const serverCpu0 = processCpuMs(server.proc.child.pid);
  const clientCpu0 = process.cpuUsage();
  const started = performance.now();
  async function worker() {
    while (next < count) {
      const name = `svc-${next++}`;
      if (what === 'healthz') {
        await call(agent, healthz, 'GET', token);
        continue;
      }
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }] } });
      const status = await call(agent, services, 'POST', token, body);
      if (status !== 201) throw new Error(`create ${name}: ${status}`);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const serverCpuMs = processCpuMs(server.proc.child.pid) - serverCpu0;
  const clientCpu = process.cpuUsage(clientCpu0);
  agent.destroy();
  await server.proc.kill();
  rmSync(dir, { recursive: true, force: true });
  return { perSecond: count / seconds, serverCpuUs: (serverCpuMs * 1000) / count, clientCpuUs: (clientCpu.user + clientCpu.system) / count };
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
  const us = (v: number) => Math.round(v).toLocaleString('en-US');
  const add = (what: string, r: LoadResult | number) =>
    typeof r === 'number'
      ? rows.push([what, Math.round(r).toLocaleString('en-US'), '', ''])
      : rows.push([what, Math.round(r.perSecond).toLocaleString('en-US'), us(r.serverCpuUs), us(r.clientCpuUs)]);
  add(`minik REST, 64 clients, ${COUNT} creates`, await restLoad('create', 64, COUNT));
  add(`minik REST, 16 clients, ${COUNT} creates`, await restLoad('create', 16, COUNT));
  add(`baseline: GET /healthz, 64 clients (HTTPS floor)`, await restLoad('healthz', 64, COUNT));
  add(`baseline: 1 client, no batching, ${Math.min(COUNT, 1000)} creates`, await restLoad('create', 1, Math.min(COUNT, 1000)));
  add(`raw LevelDB put + fsync, serial (baseline), ${Math.min(COUNT, 1000)} puts`, await rawLevelPuts(Math.min(COUNT, 1000)));
  printTable(['durable writes', 'per second', 'apiserver CPU µs/req', 'client CPU µs/req'], rows);
  console.log('goal: >= 2,000 durable service creates/s');
} finally {
  await killAll();
}
