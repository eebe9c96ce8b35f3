// ipvs mode against a real kernel, in throwaway namespaces: a node namespace
// (IPVS, dummy link, helper table) and a backend namespace behind a veth.
// Runs where the kernel has ip_vs and dummy links (the VM lab); elsewhere it
// prints `SKIP: no ip_vs in this kernel (...)` and counts as skipped.
// Run under the shared lock: flock /tmp/minik-netns.lock node --import tsx agent/proxy/ipvs/proxier.real.test.ts
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { netnsExec, realExec } from '../../../api/exec/exec.ts';
import { netnsUnavailable, skipTest } from '../../../e2e/support/skip.ts';
import { buildProxyModel, type ProxyModel } from '../model.ts';
import { endpoints, service } from '../nftables/scenarios.ts';
import { cleanupIpvs, ipvsHostProblem } from './host.ts';
import { IpvsProxier } from './proxier.ts';
import { ipvsRules } from './show.ts';

const NODE = `mkipvs-n${process.pid}`;
const BACKEND = `mkipvs-b${process.pid}`;
const BACKEND_IP = '10.244.200.2';
const NODE_IP = '10.244.200.1';
const PROBE = join(import.meta.dirname, '..', '..', '..', 'bench', 'support', 'tcp-probe.ts');

const sh = (...a: string[]) => execFileSync(a[0], a.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const inNode = (...a: string[]) => sh('nsenter', `--net=/run/netns/${NODE}`, ...a);

/** One connection from the node namespace; resolves 'ok', 'refused' or 'timeout'. */
function connect(ip: string, port: number): string {
  try {
    inNode(process.execPath, '--import', 'tsx', PROBE, 'probe', ip, String(port), '1');
    return 'ok';
  } catch (err) {
    const text = String((err as { stderr?: Buffer }).stderr ?? err);
    return /ECONNREFUSED/.test(text) ? 'refused' : /no answer/.test(text) ? 'timeout' : text.split('\n')[0];
  }
}

function model(withEndpoints: boolean): ProxyModel {
  return buildProxyModel({
    services: [
      service('default', 'web', { clusterIP: '10.96.0.20', ports: [{ port: 80, targetPort: 8080 }] }),
      service('default', 'empty', { clusterIP: '10.96.0.21', ports: [{ port: 80 }] }),
    ],
    endpoints: withEndpoints ? [endpoints('default', 'web', [`${BACKEND_IP}@node2`], [[undefined, 8080]])] : [],
    node: 'node1',
  });
}

function setupNamespaces(): void {
  sh('ip', 'netns', 'add', NODE);
  sh('ip', 'netns', 'add', BACKEND);
}
function wire(): ChildProcess {
  sh('ip', '-n', NODE, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', BACKEND);
  sh('ip', '-n', NODE, 'addr', 'add', `${NODE_IP}/24`, 'dev', 'eth0');
  sh('ip', '-n', BACKEND, 'addr', 'add', `${BACKEND_IP}/24`, 'dev', 'eth0');
  for (const ns of [NODE, BACKEND]) for (const dev of ['eth0', 'lo']) sh('ip', '-n', ns, 'link', 'set', dev, 'up');
  sh('ip', '-n', BACKEND, 'route', 'add', 'default', 'via', NODE_IP);
  return spawn('nsenter', [`--net=/run/netns/${BACKEND}`, process.execPath, '--import', 'tsx', PROBE, 'serve', '8080'], { stdio: 'ignore' });
}
function teardown(server?: ChildProcess): void {
  server?.kill();
  for (const ns of [NODE, BACKEND]) {
    try {
      sh('ip', 'netns', 'del', ns);
    } catch {}
  }
}

const why = netnsUnavailable();
let ipvsWhy: string | undefined;
if (!why) {
  setupNamespaces();
  try {
    ipvsWhy = await ipvsHostProblem(netnsExec(realExec, NODE));
  } finally {
    if (ipvsWhy) teardown();
  }
}

if (why) {
  skipTest(test, 'ipvs proxier against the kernel', why);
} else if (ipvsWhy) {
  console.log(`SKIP: no ip_vs in this kernel (${ipvsWhy})`);
  test.skip('ipvs proxier against the kernel', () => {});
} else {
  let server: ChildProcess | undefined;
  const exec = netnsExec(realExec, NODE);
  test.before(async () => {
    server = wire();
    await new Promise((r) => setTimeout(r, 700));
  });
  test.after(() => teardown(server));

  test('sync programs IPVS, binds the addresses, and traffic reaches the backend; no endpoints rejects', async () => {
    const proxier = new IpvsProxier({ exec, nodeIps: [NODE_IP] });
    const m = model(true);
    await proxier.sync({ model: m, changed: m.servicePorts.map((after) => ({ after })), first: true });
    const list = inNode('ipvsadm', '-Ln');
    assert.match(list, /TCP\s+10\.96\.0\.20:80 rr/);
    assert.match(list, /->\s+10\.244\.200\.2:8080\s+Masq\s+1/);
    assert.match(inNode('ip', '-4', 'addr', 'show', 'dev', 'minik-ipvs0'), /10\.96\.0\.20\/32/);
    assert.is(connect('10.96.0.20', 80), 'ok');
    assert.is(connect('10.96.0.21', 80), 'refused');
    const rules = await ipvsRules(exec, { service: 'web' });
    assert.match(rules, /10\.96\.0\.20:80/);
    assert.not.match(rules, /10\.96\.0\.21/);
  });

  test('the endpoint goes: its real server goes (one partial batch), and the service rejects', async () => {
    const proxier = new IpvsProxier({ exec, nodeIps: [NODE_IP] });
    const before = model(true);
    await proxier.sync({ model: before, changed: before.servicePorts.map((after) => ({ after })), first: true });
    const after = model(false);
    const web = (x: ProxyModel) => x.servicePorts.find((sp) => sp.name === 'web')!;
    const r = await proxier.sync({ model: after, changed: [{ before: web(before), after: web(after) }], first: false });
    assert.is(r.kind, 'partial');
    assert.not.match(inNode('ipvsadm', '-Ln'), /10\.244\.200\.2/);
    assert.is(connect('10.96.0.20', 80), 'refused');
  });

  test('cleanup leaves no virtual server, no dummy link, no helper table', async () => {
    await cleanupIpvs(exec);
    assert.not.match(inNode('ipvsadm', '-Sn'), /10\.96\./);
    assert.throws(() => inNode('ip', 'link', 'show', 'minik-ipvs0'));
    assert.throws(() => inNode('nft', 'list', 'table', 'ip', 'minik-ipvs'));
  });
}

test.run();
