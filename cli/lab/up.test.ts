import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labLayout } from '../../api/layout.ts';
import { down } from './down.ts';
import { labStatus } from './status.ts';
import { up, type UpDeps, type UpOptions } from './up.ts';
import { FakeExec } from '../../api/exec/fake.ts';
import { FakeDaemons } from './daemons.fake.ts';
import { RecordingProgress } from './progress.ts';
import type { MinikConfig } from './config.ts';
import { isLabError } from './errors.ts';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n';
const roots: string[] = [];
test.after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function world() {
  const labsRoot = mkdtempSync(join(tmpdir(), 'minik-up-'));
  roots.push(labsRoot);
  const exec = new FakeExec({ modelIp: true });
  const daemons = new FakeDaemons();
  const progress = new RecordingProgress();
  const configs: MinikConfig[] = [];
  const readyCalls: unknown[][] = [];
  const deps: UpDeps = {
    exec,
    progress,
    daemons: () => daemons,
    uid: () => 0,
    pickPort: async () => 6443,
    waitForApiserver: async () => {},
    readToken: () => 'tok',
    readCa: () => CA_PEM,
    waitForReady: async (...args) => void readyCalls.push(args.slice(0, 4)),
    writeConfig: async (c) => void configs.push(c),
  };
  const opts: UpOptions = {
    name: 'mkl',
    lan: '192.168.79.0/24',
    nodes: 2,
    proxyMode: 'nftables',
    minikArgv: ['/usr/local/bin/minik'],
    labsRoot,
  };
  return { labsRoot, exec, daemons, progress, configs, readyCalls, deps, opts };
}

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return isLabError(err) ? err.code : String(err);
  }
  return undefined;
}

test('up builds the lab, starts apiserver then agents, waits for Ready and writes the config', async () => {
  const w = world();
  const result = await up(w.opts, w.deps);

  assert.equal(result.started, ['apiserver', 'agent-node1', 'agent-node2']);
  assert.equal(result.alreadyRunning, []);
  const layout = labLayout('mkl', w.labsRoot);
  const caFile = `${layout.serverDataDir}/ca.crt`;
  assert.is(result.server, 'https://127.0.0.1:6443');
  assert.is(result.ca, CA_PEM);
  assert.equal(w.configs, [{ server: 'https://127.0.0.1:6443', token: 'tok', ca: { pem: CA_PEM, file: caFile }, lab: 'mkl' }]);
  assert.equal(w.readyCalls, [['https://127.0.0.1:6443', 'tok', ['node1', 'node2'], 60_000]]);

  const [api, agent1] = w.daemons.started;
  assert.is(api.netns, undefined, 'apiserver runs in the host namespace');
  assert.equal(api.argv, [
    '/usr/local/bin/minik', 'apiserver',
    '--listen', '127.0.0.1:6443',
    '--extra-listen', '192.168.79.1:6443',
    '--data-dir', layout.serverDataDir,
    '--lb-pool', '192.168.79.200-192.168.79.250',
    '--token-file', `${layout.serverDataDir}/token`,
  ]);
  assert.is(agent1.netns, 'mkl-node1');
  assert.equal(agent1.argv, [
    '/usr/local/bin/minik', 'agent',
    '--server', 'https://192.168.79.1:6443',
    '--token-file', `${layout.serverDataDir}/token`,
    '--ca-file', caFile,
    '--node-name', 'node1',
    '--node-ip', '192.168.79.11',
    '--state-dir', layout.nodeStateDir('node1'),
    '--netns-prefix', 'mkl-node1',
    '--proxy-mode', 'nftables',
  ]);
  assert.is(w.daemons.started[2].argv[w.daemons.started[2].argv.indexOf('--node-ip') + 1], '192.168.79.12');

  assert.ok(w.exec.lines().includes('ip netns add mkl-node2'), 'network built');
  const steps = w.progress.lines.filter((l) => l.startsWith('ok:'));
  assert.match(steps[0], 'Lab network mkl: 4 namespaces');
  assert.match(steps[1], 'apiserver ready on https://127.0.0.1:6443 and https://192.168.79.1:6443');
  assert.match(steps[2], 'Agents started on node1, node2');
  assert.match(steps[3], 'Nodes Ready: node1, node2');
  assert.ok(w.progress.lines.includes('Try next:'), 'ends with what to type next');
  assert.ok(w.progress.lines.includes('  minik down --name mkl'));
});

test('up waits for the apiserver and the nodes trusting the lab CA file', async () => {
  const w = world();
  const caFiles: (string | undefined)[] = [];
  w.deps.waitForApiserver = async (_server, _timeout, opts) => void caFiles.push(opts?.caFile);
  w.deps.waitForReady = async (_s, _t, _n, _ms, opts) => void caFiles.push(opts?.caFile);
  await up(w.opts, w.deps);
  const caFile = `${labLayout('mkl', w.labsRoot).serverDataDir}/ca.crt`;
  assert.equal(caFiles, [caFile, caFile]);
});

test('an apiserver that is ready but left no CA file fails up clearly', async () => {
  const w = world();
  w.deps.readCa = (path) => {
    throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
  };
  assert.is(await code(up(w.opts, w.deps)), 'LAB_APISERVER_NOT_READY');
  assert.equal(w.configs, []);
});

test('a second up restarts only the daemon whose process is gone', async () => {
  const w = world();
  await up(w.opts, w.deps);
  w.daemons.kill('agent-node2');
  w.exec.calls.length = 0;
  w.progress.lines.length = 0;

  const again = await up(w.opts, w.deps);
  assert.equal(again.started, ['agent-node2']);
  assert.equal(again.alreadyRunning, ['apiserver', 'agent-node1']);
  assert.ok(again.network.skipped > 0);
  assert.not.ok(w.exec.lines().some((l) => l.startsWith('ip netns add')), 'no namespace made twice');
  assert.ok(w.progress.lines.some((l) => l.includes('apiserver already running')));
  assert.ok(w.progress.lines.some((l) => l.includes('agents already running on node1')));
});

test('a plain up keeps the lab\'s node count without a warning; asking for fewer warns', async () => {
  const w = world();
  await up({ ...w.opts, nodes: 5 }, w.deps);
  w.progress.lines.length = 0;
  const plain = await up({ ...w.opts, nodes: undefined }, w.deps);
  assert.is(plain.nodes.length, 5);
  assert.not.ok(w.progress.lines.some((l) => l.startsWith('warn:')), w.progress.lines.join('\n'));
  const fewer = await up({ ...w.opts, nodes: 2 }, w.deps);
  assert.is(fewer.nodes.length, 5);
  assert.ok(w.progress.lines.some((l) => l.startsWith('warn:') && l.includes('keeps its 5 nodes')));
  const fresh = world();
  assert.is((await up({ ...fresh.opts, nodes: undefined }, fresh.deps)).nodes.length, 3, 'a new lab: 3 nodes');
});

test('a second up keeps the recorded port and refuses another LAN', async () => {
  const w = world();
  await up({ ...w.opts, apiPort: 7443 }, w.deps);
  const again = await up(w.opts, w.deps);
  assert.is(again.server, 'https://127.0.0.1:7443');
  assert.is(await code(up({ ...w.opts, lan: '192.168.80.0/24' }, w.deps)), 'LAB_INVALID_OPTION');
});

test('up refuses clearly before touching anything', async () => {
  const w = world();
  assert.is(await code(up({ ...w.opts, name: 'Bad-Name' }, w.deps)), 'LAB_INVALID_NAME');
  assert.is(await code(up({ ...w.opts, lan: '192.168.79.0/16' }, w.deps)), 'LAB_INVALID_LAN');
  assert.is(await code(up({ ...w.opts, proxyMode: 'kernelspace' }, w.deps)), 'LAB_INVALID_OPTION');
  assert.is(await code(up(w.opts, { ...w.deps, uid: () => 1000 })), 'LAB_NOT_ROOT');
  assert.equal(w.exec.calls, []);
  assert.equal(w.daemons.started, []);
});

test('a proxy mode the host cannot run is refused with one line before the lab is built', async () => {
  const w = world();
  w.exec.on('test -e /proc/net/ip_vs', { code: 1 }).on('modprobe ip_vs', { code: 1, stderr: 'modprobe: FATAL: Module ip_vs not found' });
  const err = await up({ ...w.opts, proxyMode: 'ipvs' }, w.deps).then(() => undefined, (e: Error & { code?: string }) => e);
  assert.is(err?.code, 'PROXY_MODE_UNAVAILABLE');
  assert.is(err?.message, 'proxy mode "ipvs" needs the ip_vs kernel module (modprobe ip_vs: modprobe: FATAL: Module ip_vs not found)');
  assert.not.ok(w.exec.mutations().some((l) => l.startsWith('ip ')), 'no namespace or link made');
  assert.equal(w.daemons.started, []);
});

test('up with another proxy mode on a running lab restarts the agents in that mode', async () => {
  const w = world();
  await up(w.opts, w.deps);
  const again = await up({ ...w.opts, proxyMode: 'userspace' }, w.deps);
  assert.equal(again.started, ['agent-node1', 'agent-node2']);
  assert.equal(again.alreadyRunning, ['apiserver']);
  const agents = w.daemons.started.filter((s) => s.name.startsWith('agent-')).slice(-2);
  for (const spec of agents) assert.ok(spec.argv.join(' ').includes('--proxy-mode userspace'), spec.argv.join(' '));
  const same = await up({ ...w.opts, proxyMode: 'userspace' }, w.deps);
  assert.equal(same.started, [], 'same mode again: nothing restarted');
  const plain = await up({ ...w.opts, proxyMode: undefined }, w.deps);
  assert.equal(plain.started, [], 'no --proxy-mode: the lab keeps its mode');
});

test('an apiserver that dies while starting fails up at once, pointing at its log', async () => {
  const w = world();
  w.daemons.onStart = (spec) => spec.name === 'apiserver' && w.daemons.kill('apiserver');
  let waited = false;
  w.deps.waitForApiserver = async (_server, _timeout, opts) => {
    waited = true;
    const reason = opts?.giveUpIf?.();
    if (reason) throw new Error(reason);
  };
  try {
    await up(w.opts, w.deps);
    assert.unreachable();
  } catch (err) {
    assert.ok(waited);
    assert.match((err as Error).message, 'apiserver exited; see /fake/logs/apiserver.log');
  }
  assert.equal(w.configs, []);
});

test('an agent that dies while nodes are awaited fails up with LAB_DAEMON_FAILED', async () => {
  const w = world();
  w.daemons.onStart = (spec) => spec.name === 'agent-node2' && w.daemons.kill('agent-node2');
  w.deps.waitForReady = () => new Promise(() => {}); // never Ready: only the watcher can end this
  const failure = await code(up(w.opts, w.deps));
  assert.is(failure, 'LAB_DAEMON_FAILED');
  assert.equal(
    w.configs.map((c) => [c.server, c.ca?.pem]),
    [['https://127.0.0.1:6443', CA_PEM]],
    'config written once the apiserver answered',
  );
});

test('down stops daemons, removes the network and the state but keeps logs; a second down is a no-op', async () => {
  const w = world();
  await up(w.opts, w.deps);
  const layout = labLayout('mkl', w.labsRoot);
  mkdirSync(layout.logsDir, { recursive: true });
  writeFileSync(join(layout.logsDir, 'apiserver.log'), 'log\n');
  const etcNetns = join(w.labsRoot, 'etc-netns');
  mkdirSync(join(etcNetns, 'mkl-node1_default_web'), { recursive: true });
  mkdirSync(join(etcNetns, 'mkl2-node1_default_web'), { recursive: true });

  const result = await down({ name: 'mkl', labsRoot: w.labsRoot, etcNetnsDir: etcNetns }, w.deps);
  assert.equal(result.stopped, ['agent-node1', 'agent-node2', 'apiserver']);
  assert.ok(result.removed.includes('mkl-host'));
  assert.ok(result.removed.includes('mkl-lan'));
  assert.equal([...w.exec.namespaces], []);
  assert.not.ok(existsSync(join(layout.dir, 'lab.json')));
  assert.ok(existsSync(join(layout.logsDir, 'apiserver.log')), 'logs stay');
  assert.not.ok(existsSync(join(etcNetns, 'mkl-node1_default_web')));
  assert.ok(existsSync(join(etcNetns, 'mkl2-node1_default_web')), 'another lab is left alone');

  const again = await down({ name: 'mkl', labsRoot: w.labsRoot, etcNetnsDir: etcNetns }, w.deps);
  assert.equal(again, { stopped: [], killed: 0, removed: [] });
});

test('down refuses a non-root user and an invalid name', async () => {
  const w = world();
  assert.is(await code(down({ name: 'mkl', labsRoot: w.labsRoot }, { ...w.deps, uid: () => 1000 })), 'LAB_NOT_ROOT');
  assert.is(await code(down({ name: 'mk-l', labsRoot: w.labsRoot }, w.deps)), 'LAB_INVALID_NAME');
});

test('labStatus tells a healthy lab from a damaged one', async () => {
  const w = world();
  const before = await labStatus('mkl', { exec: w.exec, labsRoot: w.labsRoot, daemons: () => w.daemons });
  assert.is(before.exists, false);
  assert.is(before.healthy, false);

  await up(w.opts, w.deps);
  const healthy = await labStatus('mkl', { exec: w.exec, labsRoot: w.labsRoot, daemons: () => w.daemons });
  assert.ok(healthy.exists && healthy.healthy);
  assert.equal(healthy.daemons.map((d) => d.name), ['apiserver', 'agent-node1', 'agent-node2']);

  w.daemons.kill('agent-node1');
  await w.exec.run(['ip', 'netns', 'del', 'mkl-node2']);
  const damaged = await labStatus('mkl', { exec: w.exec, labsRoot: w.labsRoot, daemons: () => w.daemons });
  assert.is(damaged.healthy, false);
  assert.equal(damaged.missingNamespaces, ['mkl-node2']);
  assert.is(damaged.daemons.find((d) => d.name === 'agent-node1')?.running, false);
});

test.run();
