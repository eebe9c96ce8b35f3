// Crash test: creates stream into a real apiserver process, which is killed
// with SIGKILL mid-stream and restarted on the same data dir. Every create
// that was answered 201 must be there with its allocations, and no allocation
// may be held by nothing or by two objects.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allocationProblems } from '../apiserver/allocators/consistency.ts';
import { openLevel } from '../apiserver/store/kv.ts';
import { Store } from '../apiserver/store/store.ts';
import { killAll, startApiserverProcess } from './support/minik-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'minik-crash-'));

test.after(async () => {
  await killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

test('every acknowledged create survives kill -9 with consistent allocations', async () => {
  const first = await startApiserverProcess(dataDir);
  const token = readFileSync(join(dataDir, 'token'), 'utf8').trim();
  const acknowledged = new Map<string, { clusterIP: string; nodePort: number }>();
  let stop = false;
  let next = 0;

  async function writer() {
    while (!stop) {
      const name = `svc-${next++}`;
      try {
        const res = await first.fetch(`${first.url}/api/v1/namespaces/default/services`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }),
        });
        if (res.status === 201) {
          const body = await res.json();
          acknowledged.set(name, { clusterIP: body.spec.clusterIP, nodePort: body.spec.ports[0].nodePort });
        }
      } catch {
        return; // the server is gone
      }
    }
  }
  const writers = Array.from({ length: 16 }, writer);
  while (acknowledged.size < 400) await new Promise((r) => setTimeout(r, 5));
  await first.proc.kill("SIGKILL");
  stop = true;
  await Promise.all(writers);
  assert.ok(acknowledged.size >= 400);

  const second = await startApiserverProcess(dataDir);
  assert.is(second.ca, first.ca, 'a restart keeps the CA clients trust');
  const list = await (await second.fetch(`${second.url}/api/v1/namespaces/default/services`, { headers: { authorization: `Bearer ${token}` } })).json();
  const stored = new Map<string, any>(list.items.map((s: any) => [s.metadata.name, s]));
  for (const [name, allocated] of acknowledged) {
    const svc = stored.get(name);
    assert.ok(svc, `${name} was acknowledged but is gone`);
    assert.is(svc.spec.clusterIP, allocated.clusterIP);
    assert.is(svc.spec.ports[0].nodePort, allocated.nodePort);
  }
  await second.proc.kill("SIGTERM");

  const store = await Store.open(await openLevel(join(dataDir, 'db')));
  try {
    assert.equal(allocationProblems(store), []);
    console.log(`crash test: ${acknowledged.size} acknowledged, ${stored.size} stored after restart`);
  } finally {
    await store.close();
  }
});

test.run();
