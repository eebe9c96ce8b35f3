// One proxy mode running inside a benchmark's node namespace, built through
// the mode registry exactly as the agent builds it (so every registered mode
// plugs in), and driven over stdin/stdout by bench/modes.ts:
//
//   stdin   full N E PROBE_IPS PROBE_PORT   synthetic model of N services with E endpoints each;
//                                           the LAST service's endpoints are PROBE_IPS (comma list):PROBE_PORT
//           change I SALT                   replace service I's last endpoint (a one-service change)
//           cleanup                         remove the mode's state (also done at exit)
//   stdout  ready | ok MS KIND | error MESSAGE
//
//   nsenter --net=/run/netns/NODE node --import tsx bench/support/mode-host.ts MODE NODE_IP
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { realExec } from '../../api/exec/exec.ts';
import type { ModeProxier, ModeSyncResult, ProxyModeBackend } from '../../agent/proxy/types.ts';
import { loadProxyMode, proxyModeProblem } from '../../agent/proxy/registry.ts';
import type { ProxyModel } from '../../agent/proxy/model.ts';
import { syntheticModel, withChangedEndpoint } from './synthetic-services.ts';

const [mode, nodeIp] = process.argv.slice(2);
const stateDir = mkdtempSync(join(tmpdir(), `minik-bench-${mode}-`));
let backend: ProxyModeBackend | undefined;
let proxier: ModeProxier | undefined;
let model: ProxyModel | undefined;

const say = (line: string): void => void process.stdout.write(line + '\n');

async function timed(next: ProxyModel, first: boolean): Promise<string> {
  const prev = model;
  const before = new Map((prev?.servicePorts ?? []).map((sp) => [sp.key, sp]));
  const changed = first ? next.servicePorts.map((after) => ({ after })) : next.servicePorts.filter((sp) => before.get(sp.key) !== sp).map((after) => ({ before: before.get(after.key), after }));
  const t = performance.now();
  const r: ModeSyncResult = await proxier!.sync({ model: next, changed, first });
  const ms = performance.now() - t;
  model = next;
  return `ok ${ms.toFixed(3)} ${r.kind}`;
}

async function handle(line: string): Promise<string> {
  const [cmd, ...a] = line.trim().split(/\s+/);
  if (cmd === 'full') {
    const [n, e, ips, port] = [Number(a[0]), Number(a[1]), a[2].split(','), Number(a[3])];
    await backend!.cleanup(realExec);
    await proxier?.close();
    proxier = await backend!.create({ nodeName: 'bench', nodeIp, serviceCidr: '10.96.0.0/12', clusterCidr: '10.244.0.0/16', podCIDR: '10.244.1.0/24', stateDir, exec: realExec, log: () => {} });
    model = undefined;
    const m = syntheticModel(n, e);
    const last = m.servicePorts.find((sp) => sp.name === `svc${n - 1}`)!;
    last.endpoints = ips.map((ip) => ({ ip, port, isLocal: false }));
    return timed(m, true);
  }
  if (cmd === 'change') return timed(withChangedEndpoint(model!, Number(a[0]), Number(a[1])), false);
  if (cmd === 'cleanup') {
    await proxier?.close();
    proxier = undefined;
    await backend!.cleanup(realExec);
    return 'ok 0 cleanup';
  }
  return `error unknown command ${cmd}`;
}

async function main() {
  const problem = await proxyModeProblem(mode, realExec);
  if (problem) {
    say(`unavailable ${problem}`);
    return;
  }
  backend = await loadProxyMode(mode);
  say('ready');
  let queue = Promise.resolve();
  createInterface({ input: process.stdin })
    .on('line', (line) => {
      queue = queue.then(() =>
        handle(line).then(
          (answer) => void say(answer),
          (err: Error) => void say(`error ${err.message.split('\n')[0]}`),
        ),
      );
    })
    .on('close', () => {
      queue.then(async () => {
        await proxier?.close().catch(() => {});
        await backend?.cleanup(realExec).catch(() => {});
        rmSync(stateDir, { recursive: true, force: true });
        process.exit(0);
      });
    });
}

await main();
