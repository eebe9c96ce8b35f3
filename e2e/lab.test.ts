// The netns lab for real: `up` builds lab `mkl` (2 nodes, 192.168.79.0/24) in
// real namespaces and starts stand-in daemons (cli/lab/testing/standin.ts,
// same flags as the real apiserver and agent) through nsenter; the test checks
// the topology, the host's routes, the daemons' namespaces, restart on a
// second `up`, and that `down` leaves nothing. Lab `mkl2` (192.168.80.0/24,
// 3 nodes) is timed for the "< 5 s up" goal. Both are torn down in `after`,
// also when a test fails.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { labLayout } from '../api/layout.ts';
import { trustingFetch } from '../api/tls-fetch.ts';
import { writeMinikConfig } from '../cli/lab/config.ts';
import { isRunning, pidFilePath } from '../cli/lab/daemons.ts';
import { realExec } from '../api/exec/exec.ts';
import { applyLab, destroyLab, inspectLab, planLab } from '../cli/lab/netns.ts';
import { pickApiPort } from '../cli/lab/ports.ts';
import { oraProgress } from '../cli/lab/progress.ts';
import { waitForNodesReady } from '../cli/lab/ready.ts';
import { down } from '../cli/lab/down.ts';
import { up, type UpDeps, type UpOptions } from '../cli/lab/up.ts';
import { netnsUnavailable, skipTest } from './support/skip.ts';

const LAB = 'mkl';
const LAN = '192.168.79.0/24';
const TIMED_LAB = 'mkl2';
const TIMED_LAN = '192.168.80.0/24';

const unavailable = netnsUnavailable();
// A fixed place, so a run interrupted before its teardown is cleaned up (pid files included) by the next.
const scratch = join(tmpdir(), 'minik-e2e-lab');
const labsRoot = join(scratch, 'labs');
const configPath = join(scratch, 'config');
const standin = join(import.meta.dirname, '..', 'cli', 'lab', 'testing', 'standin.ts');
const minikArgv = [process.execPath, '--import', createRequire(import.meta.url).resolve('tsx'), standin];

const sh = (...argv: string[]) => execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const succeeds = (...argv: string[]) => {
  try {
    sh(...argv);
    return true;
  } catch {
    return false;
  }
};
const pidOf = (lab: string, daemon: string) => Number(readFileSync(pidFilePath(labLayout(lab, labsRoot), daemon), 'utf8'));
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Route = { dst: string; dev?: string; gateway?: string };
interface HostSnapshot {
  devices: string[];
  routes: Route[];
  routes6: Route[];
  tables: string;
}

function hostSnapshot(): HostSnapshot {
  return {
    devices: (JSON.parse(sh('ip', '-j', 'link', 'show')) as { ifname: string }[]).map((l) => l.ifname),
    routes: JSON.parse(sh('ip', '-j', 'route', 'show', 'table', 'main')),
    routes6: JSON.parse(sh('ip', '-j', '-6', 'route', 'show', 'table', 'main') || '[]'),
    tables: sh('nft', 'list', 'tables'),
  };
}

/**
 * Routes this test may judge: those on the host's own devices (present before
 * we started) or on our labs' links. Other helpers may build their own labs in
 * parallel; routes on their links are not ours to assert on.
 */
function judged(routes: Route[], before: HostSnapshot): string[] {
  const ours = (dev?: string) => !dev || before.devices.includes(dev) || dev.startsWith(`${LAB}-`) || dev.startsWith(`${TIMED_LAB}-`);
  return routes.filter((r) => ours(r.dev)).map((r) => JSON.stringify(r)).sort();
}

const progress = oraProgress(process.stdout);
const deps = (): UpDeps => ({
  exec: realExec,
  progress,
  waitForReady: waitForNodesReady,
  writeConfig: (c) => writeMinikConfig(c, configPath),
});
let apiPort = 0;
let before: HostSnapshot;
const timings: [string, number][] = [];

async function tearDown(): Promise<void> {
  for (const name of [LAB, TIMED_LAB]) {
    try {
      await down({ name, labsRoot, graceMs: 1000 }, { exec: realExec, progress });
    } catch (err) {
      console.error(`teardown of lab ${name} failed: ${(err as Error).message}`);
      await destroyLab(name, realExec).catch(() => {});
    }
  }
}

if (unavailable) {
  skipTest(test, 'netns lab e2e', unavailable);
} else {
  test.before(async () => {
    await tearDown(); // leftovers of an earlier, interrupted run
    before = hostSnapshot();
    apiPort = await pickApiPort(26443);
  });

  test.after(async () => {
    await tearDown();
    rmSync(scratch, { recursive: true, force: true });
    if (timings.length) {
      console.log('\n| step (lab mkl2, 3 nodes, stand-in daemons) | ms |\n| --- | ---: |');
      for (const [what, ms] of timings) console.log(`| ${what} | ${ms.toFixed(0)} |`);
    }
  });

  test('the 3-node topology builds fast, and a full up/down cycle is timed', async () => {
    const plan = planLab({ name: TIMED_LAB, lan: TIMED_LAN, nodes: 3 });
    let t = performance.now();
    const built = await applyLab(plan, realExec);
    timings.push(['build lab network (5 namespaces, host link)', performance.now() - t]);
    assert.is(built.skipped, 0);
    const state = await inspectLab(TIMED_LAB, realExec);
    assert.equal(state.namespaces, ['mkl2-client', 'mkl2-lan', 'mkl2-node1', 'mkl2-node2', 'mkl2-node3']);
    assert.equal(state.hostAddresses, ['192.168.80.1/24']);

    t = performance.now();
    const again = await applyLab(plan, realExec);
    timings.push(['re-apply on a complete lab', performance.now() - t]);
    assert.is(again.skipped, plan.steps.filter((s) => s.creates).length);

    t = performance.now();
    await destroyLab(TIMED_LAB, realExec);
    timings.push(['destroy lab network', performance.now() - t]);
    assert.equal((await inspectLab(TIMED_LAB, realExec)).namespaces, []);

    t = performance.now();
    const result = await up(
      { name: TIMED_LAB, lan: TIMED_LAN, nodes: 3, proxyMode: 'nftables', minikArgv, labsRoot, apiPort: apiPort + 2, readyTimeoutMs: 20_000 },
      deps(),
    );
    timings.push(['up: network + apiserver + 3 agents, all Ready', performance.now() - t]);
    assert.equal(result.nodes, ['node1', 'node2', 'node3']);

    t = performance.now();
    await down({ name: TIMED_LAB, labsRoot }, { exec: realExec, progress });
    timings.push(['down', performance.now() - t]);
  });

  const upOptions = (): UpOptions => ({ name: LAB, lan: LAN, nodes: 2, proxyMode: 'nftables', minikArgv, labsRoot, apiPort, readyTimeoutMs: 20_000 });

  test('up builds lab mkl with 2 Ready nodes and writes the config', async () => {
    const result = await up(upOptions(), deps());
    assert.equal(result.started, ['apiserver', 'agent-node1', 'agent-node2']);
    assert.equal(result.nodes, ['node1', 'node2']);
    const config = parse(readFileSync(configPath, 'utf8'));
    const caFile = join(labLayout(LAB, labsRoot).serverDataDir, 'ca.crt');
    assert.equal(config, {
      server: `https://127.0.0.1:${apiPort}`,
      token: result.token,
      'certificate-authority-data': Buffer.from(readFileSync(caFile, 'utf8')).toString('base64'),
      'certificate-authority': caFile,
      lab: LAB,
    });
  });

  test('another lab on the same LAN is refused before it creates anything', async () => {
    try {
      await up({ ...upOptions(), name: TIMED_LAB, apiPort: apiPort + 2 }, deps());
      assert.unreachable();
    } catch (err) {
      assert.is((err as { code?: string }).code, 'LAB_INVALID_LAN');
      assert.match((err as Error).message, '192.168.79.0/24 on mkl-host');
    }
    assert.equal((await inspectLab(TIMED_LAB, realExec)).namespaces, []);
  });

  test('client, host and nodes reach each other over the lab LAN', () => {
    for (const ip of ['192.168.79.11', '192.168.79.12', '192.168.79.1']) {
      assert.ok(succeeds('ip', 'netns', 'exec', 'mkl-client', 'ping', '-c1', '-W2', ip), `client → ${ip}`);
    }
    assert.ok(succeeds('ip', 'netns', 'exec', 'mkl-node1', 'ping', '-c1', '-W2', '192.168.79.12'), 'node1 → node2');
    const [route] = JSON.parse(sh('ip', '-j', 'route', 'get', '192.168.79.11')) as Route[];
    assert.is(route.dev, 'mkl-host', 'the host reaches the LAN through mkl-host');
    assert.ok(succeeds('ping', '-c1', '-W2', '192.168.79.11'), 'host → node1');
    assert.is(sh('ip', 'netns', 'exec', 'mkl-node1', 'sysctl', '-n', 'net.ipv4.ip_forward').trim(), '1', 'nodes forward');
  });

  test('the host gained only the lab connected route: no default route, no other change', () => {
    const now = hostSnapshot();
    const added = judged(now.routes, before).filter((r) => !judged(before.routes, before).includes(r));
    const removed = judged(before.routes, before).filter((r) => !judged(now.routes, before).includes(r));
    assert.equal(removed, []);
    assert.is(added.length, 1, `added: ${added.join(', ')}`);
    const route = JSON.parse(added[0]) as Route & { protocol: string; scope: string };
    assert.equal([route.dst, route.dev, route.protocol, route.scope, route.gateway], ['192.168.79.0/24', 'mkl-host', 'kernel', 'link', undefined]);
    const defaults = (s: HostSnapshot) => JSON.stringify(s.routes.filter((r) => r.dst === 'default'));
    assert.is(defaults(now), defaults(before), 'default routes unchanged');
    assert.equal(judged(now.routes6, before), judged(before.routes6, before), 'no IPv6 route (the host link has no link-local address)');
    assert.is(now.tables, before.tables, 'host nft tables unchanged');
    const newDevices = now.devices.filter((d) => !before.devices.includes(d) && d.startsWith(`${LAB}-`));
    assert.equal(newDevices, ['mkl-host']);
  });

  test('daemons run via nsenter: agents in their node namespace, the apiserver in the host', async () => {
    const identify = (pid: number) => sh('ip', 'netns', 'identify', String(pid)).trim();
    assert.is(identify(pidOf(LAB, 'agent-node1')), 'mkl-node1');
    assert.is(identify(pidOf(LAB, 'agent-node2')), 'mkl-node2');
    assert.is(identify(pidOf(LAB, 'apiserver')), '');
    const cmdline = readFileSync(`/proc/${pidOf(LAB, 'agent-node1')}/cmdline`, 'utf8').split('\0');
    assert.is(cmdline[0], process.execPath, 'nsenter exec-ed the daemon: the pid is the agent itself');
    assert.ok(cmdline.includes('--node-ip') && cmdline.includes('192.168.79.11'));

    // The agents' heartbeats crossed the LAN: the stand-in apiserver saw them come from the node IPs.
    const config = parse(readFileSync(configPath, 'utf8')) as { server: string; token: string; 'certificate-authority-data': string };
    const fetch = trustingFetch(Buffer.from(config['certificate-authority-data'], 'base64').toString('utf8'));
    const res = await fetch(`${config.server}/api/v1/nodes`, { headers: { authorization: `Bearer ${config.token}` } });
    const list = (await res.json()) as { items: { metadata: { name: string }; status: { addresses: { address: string }[] } }[] };
    const seenFrom = Object.fromEntries(list.items.map((n) => [n.metadata.name, n.status.addresses[0].address]));
    assert.equal(seenFrom, { node1: '192.168.79.11', node2: '192.168.79.12' });
    assert.ok(readFileSync(join(labLayout(LAB, labsRoot).logsDir, 'agent-node1.log'), 'utf8').includes('heartbeating to https://192.168.79.1:'));
  });

  test('a second up restarts the agent that was killed and leaves the rest', async () => {
    const layout = labLayout(LAB, labsRoot);
    const apiPid = pidOf(LAB, 'apiserver');
    const agent1 = pidOf(LAB, 'agent-node1');
    const killed = pidOf(LAB, 'agent-node2');
    process.kill(killed, 'SIGKILL');
    for (let i = 0; i < 100 && isRunning(pidFilePath(layout, 'agent-node2')); i++) await sleep(20);
    assert.not.ok(isRunning(pidFilePath(layout, 'agent-node2')));

    const result = await up(upOptions(), deps());
    assert.equal(result.started, ['agent-node2']);
    assert.equal(result.alreadyRunning, ['apiserver', 'agent-node1']);
    assert.ok(result.network.skipped > 0 && result.network.ran > 0);
    assert.is(pidOf(LAB, 'apiserver'), apiPid);
    assert.is(pidOf(LAB, 'agent-node1'), agent1);
    const restarted = pidOf(LAB, 'agent-node2');
    assert.is.not(restarted, killed);
    assert.is(sh('ip', 'netns', 'identify', String(restarted)).trim(), 'mkl-node2');
  });

  test('down leaves no namespace, link, process, route or nft table; a second down is fine', async () => {
    const layout = labLayout(LAB, labsRoot);
    const pids = ['apiserver', 'agent-node1', 'agent-node2'].map((d) => pidOf(LAB, d));
    const result = await down({ name: LAB, labsRoot }, { exec: realExec, progress });
    assert.equal(result.stopped, ['agent-node1', 'agent-node2', 'apiserver']);

    assert.equal(sh('ip', 'netns', 'list').split('\n').filter((l) => l.startsWith(`${LAB}-`)), []);
    assert.not.ok(succeeds('ip', 'link', 'show', 'dev', 'mkl-host'), 'host link gone');
    for (const pid of pids) assert.not.ok(alive(pid), `process ${pid} gone`);
    const now = hostSnapshot();
    assert.equal(judged(now.routes, before), judged(before.routes, before));
    assert.is(now.tables, before.tables);
    assert.equal(readdirSync(layout.dir), ['logs'], 'only the logs stay');
    assert.not.ok(existsSync(layout.runDir));

    assert.equal(await down({ name: LAB, labsRoot }, { exec: realExec, progress }), { stopped: [], killed: 0, removed: [] });
  });
}

test.run();
