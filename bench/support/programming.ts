// Network programming latency, the pieces bench/programming-latency.ts and
// bench/modes.ts share: wait for pods, then for one Service note t0, POST it,
// and time each node's prober's first answer from the ClusterIP.

import { labLayout, labNodeName, podNetnsName } from '../../api/layout.ts';
import type { BenchLab } from './bench-lab.ts';
import { startProber, type ProberProcess } from './prober-process.ts';
import { wallClockMs } from './prober-protocol.ts';

export const SERVICE_PORT = 80;
export const BACKEND_PORT = 8080;

export interface ProgrammingSample {
  name: string;
  /** wall-clock ms of the POST */
  t0: number;
  /** POST → 201 */
  created: number;
  /** POST → first answer, per node; undefined = timed out */
  perNode: (number | undefined)[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitForPodsReady(lab: BenchLab, names: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await lab.rest('GET', '/api/v1/namespaces/default/pods');
    const ready = new Set(
      (json.items ?? [])
        .filter((p: any) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'))
        .map((p: any) => p.metadata.name),
    );
    const missing = names.filter((n) => !ready.has(n));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`pods not Ready after ${timeoutMs} ms: ${missing.join(', ')}`);
    await sleep(100);
  }
}

export async function measureOne(lab: BenchLab, probers: ProberProcess[], name: string, timeoutMs: number): Promise<ProgrammingSample> {
  const t0 = wallClockMs();
  const { status, json } = await lab.rest('POST', '/api/v1/namespaces/default/services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { run: 'web' }, ports: [{ port: SERVICE_PORT, targetPort: BACKEND_PORT, protocol: 'TCP' }] },
  });
  const created = wallClockMs() - t0;
  if (status !== 201) throw new Error(`POST service ${name}: ${status} ${JSON.stringify(json)}`);
  const ip: string = json.spec.clusterIP;
  const answers = await Promise.all(probers.map((p) => p.probe(name, ip, SERVICE_PORT, timeoutMs)));
  return { name, t0, created, perNode: answers.map((a) => (a ? a.at - t0 : undefined)) };
}

/** Backends `web-0..` and one idle probe pod per node, all Ready, and a prober in each probe pod. */
export async function prepareProbes(lab: BenchLab, labName: string, nodes: number, backends: number): Promise<ProberProcess[]> {
  await lab.minik('run', 'web', '--replicas', String(backends), '--port', String(BACKEND_PORT));
  const probePods = Array.from({ length: nodes }, (_, n) => `probe${n + 1}`);
  for (let n = 0; n < nodes; n++) await lab.minik('run', probePods[n], '--node', labNodeName(n), '--', 'sleep', '1000000');
  await waitForPodsReady(lab, [...Array.from({ length: backends }, (_, i) => `web-${i}`), ...probePods]);
  const layout = labLayout(labName);
  const probers: ProberProcess[] = [];
  for (let n = 0; n < nodes; n++) probers.push(await startProber(podNetnsName(layout.nodeNetns(labNodeName(n)), 'default', probePods[n])));
  return probers;
}
