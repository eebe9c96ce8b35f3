// PodRuntime against its fakes: commands recorded, processes and probes
// scripted. The real kernel version is runtime.netns.test.ts.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pod } from '../../api/types.ts';
import { FakeExec } from '../../api/exec/fake.ts';
import { MemoryLeaseStore } from './ipam.ts';
import { FakeProcessLauncher } from './process.ts';
import { FakeProber } from './readiness.ts';
import { PodRuntime, type PodRuntimeOptions } from './runtime.ts';
import { UNSUPPORTED_IMAGE_MESSAGE } from './spec.ts';
import type { PodRuntimeStatus } from './status.ts';

const echoPod = (name: string, extra: Partial<Pod['spec']['containers'][0]> = {}, uid = `uid-${name}`): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid },
  spec: { containers: [{ name: 'main', image: 'echo', ports: [{ containerPort: 8080 }], ...extra }] },
});

const waitFor = async (what: string, check: () => boolean, ms = 2000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

function setup(overrides: Partial<PodRuntimeOptions> = {}) {
  const stateDir = mkdtempSync(join(tmpdir(), 'mkpod-rt-'));
  const exec = new FakeExec();
  const launcher = new FakeProcessLauncher();
  const prober = new FakeProber();
  const leaseStore = new MemoryLeaseStore();
  const options: PodRuntimeOptions = {
    nodeName: 'node1',
    podCIDR: '10.244.1.0/24',
    stateDir,
    netnsPrefix: 'mkpod-n1',
    echoCommand: (ports) => ['/bin/minik', 'echo', ...ports.map((p) => `--port=${p.port}`)],
    exec,
    launcher,
    prober,
    leaseStore,
    etcNetnsDir: join(stateDir, 'etc-netns'),
    readinessIntervalMs: 5,
    restartBackoff: { initialMs: 5, maxMs: 20, resetAfterMs: 60_000 },
    baseEnv: { PATH: '/usr/bin' },
    ...overrides,
  };
  const runtime = new PodRuntime(options);
  const events: PodRuntimeStatus[] = [];
  runtime.onChange((s) => events.push(s));
  const cleanup = () => {
    runtime.shutdown();
    rmSync(stateDir, { recursive: true, force: true });
  };
  return { runtime, exec, launcher, prober, leaseStore, stateDir, options, events, cleanup };
}

test('ensure builds namespace, veth, address, route, resolv.conf, then starts the echo command in the pod netns', async () => {
  const t = setup();
  try {
    const status = await t.runtime.ensure(echoPod('web'));
    assert.is(status.podIP, '10.244.1.2');
    assert.is(status.phase, 'Running');
    assert.is(status.netns, 'mkpod-n1_default_web');
    const cmds = t.exec.commands().filter((c) => !c.startsWith('ip -j'));
    assert.ok(cmds.includes('ip netns add mkpod-n1_default_web'));
    const veth = cmds.find((c) => c.startsWith('ip link add veth'))!;
    assert.match(veth, /^ip link add veth[0-9a-f]{8} type veth peer name eth0 netns mkpod-n1_default_web$/);
    assert.ok(cmds.includes(`ip link set ${veth.split(' ')[3]} master minik0`));
    assert.ok(cmds.includes('ip -n mkpod-n1_default_web addr add 10.244.1.2/24 dev eth0'));
    assert.ok(cmds.includes('ip -n mkpod-n1_default_web route replace default via 10.244.1.1 dev eth0'));
    const resolv = readFileSync(join(t.options.etcNetnsDir!, 'mkpod-n1_default_web', 'resolv.conf'), 'utf8');
    assert.is(resolv, 'nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
    const [spawned] = t.launcher.started;
    assert.equal(spawned.argv, ['ip', 'netns', 'exec', 'mkpod-n1_default_web', '/bin/minik', 'echo', '--port=8080']);
    assert.equal(spawned.env, {
      PATH: '/usr/bin',
      HOSTNAME: 'web',
      MINIK_POD: 'web',
      MINIK_NAMESPACE: 'default',
      MINIK_NODE: 'node1',
      MINIK_POD_IP: '10.244.1.2',
    });
    assert.is(spawned.logPath, join(t.stateDir, 'pods/default_web/output.log'));
  } finally {
    t.cleanup();
  }
});

test('ensure is idempotent: a second call changes nothing', async () => {
  const t = setup();
  try {
    const first = await t.runtime.ensure(echoPod('web'));
    const calls = t.exec.calls.length;
    const second = await t.runtime.ensure(echoPod('web'));
    assert.is(t.exec.calls.length, calls);
    assert.is(t.launcher.started.length, 1);
    assert.is(second.podIP, first.podIP);
  } finally {
    t.cleanup();
  }
});

test('an unknown image without a command fails clearly and creates nothing', async () => {
  const t = setup();
  try {
    const status = await t.runtime.ensure(echoPod('db', { image: 'postgres:16' }));
    assert.is(status.phase, 'Failed');
    assert.is(status.reason, 'UnsupportedImage');
    assert.ok(status.message!.startsWith(UNSUPPORTED_IMAGE_MESSAGE));
    assert.is(t.exec.calls.length, 0);
    assert.is(t.launcher.started.length, 0);
    assert.is(t.leaseStore.list().length, 0);
  } finally {
    t.cleanup();
  }
});

test('an explicit command replaces the echo server, any image', async () => {
  const t = setup();
  try {
    await t.runtime.ensure(echoPod('job', { image: 'busybox', command: ['sleep'], args: ['1000'], env: [{ name: 'A', value: 'b' }] }));
    assert.equal(t.launcher.started[0].argv.slice(4), ['sleep', '1000']);
    assert.is(t.launcher.started[0].env.A, 'b');
  } finally {
    t.cleanup();
  }
});

test('readiness follows the probe; a process exit makes it not ready and restarts with a count', async () => {
  const t = setup();
  try {
    const status = await t.runtime.ensure(echoPod('web'));
    await new Promise((r) => setTimeout(r, 20));
    assert.is(t.runtime.get('default', 'web')!.ready, false);
    t.prober.ready.add(`${status.podIP}:8080`);
    await waitFor('ready', () => t.runtime.get('default', 'web')!.ready);
    assert.ok(t.events.some((e) => e.ready));

    t.launcher.exit(status.pid!, 1);
    await waitFor('restart', () => t.runtime.get('default', 'web')!.restartCount === 1 && t.launcher.running.size === 1);
    assert.ok(t.events.some((e) => !e.ready && e.reason === 'Restarting'), 'a not-ready event was emitted');
    assert.is.not(t.runtime.get('default', 'web')!.pid, status.pid);
    await waitFor('ready again', () => t.runtime.get('default', 'web')!.ready);
  } finally {
    t.cleanup();
  }
});

test('restartPolicy Never: an exited process stays down with phase Succeeded/Failed', async () => {
  const t = setup();
  try {
    const pod = echoPod('once');
    pod.spec.restartPolicy = 'Never';
    const status = await t.runtime.ensure(pod);
    t.launcher.exit(status.pid!, 0);
    await waitFor('succeeded', () => t.runtime.get('default', 'once')!.phase === 'Succeeded');
    await new Promise((r) => setTimeout(r, 30));
    assert.is(t.launcher.started.length, 1);
  } finally {
    t.cleanup();
  }
});

test('remove stops the process, deletes namespace and /etc/netns, releases the IP, reports removed', async () => {
  const t = setup();
  try {
    const status = await t.runtime.ensure(echoPod('web'));
    // The namespace now "exists" for the fake, so remove must delete it.
    t.exec.on('ip -j netns list', { stdout: JSON.stringify([{ name: status.netns }]) });
    await t.runtime.remove('default', 'web');
    assert.is(t.launcher.running.size, 0);
    assert.ok(t.exec.commands().includes(`ip netns del ${status.netns}`));
    assert.not.ok(existsSync(join(t.options.etcNetnsDir!, status.netns)));
    assert.not.ok(existsSync(join(t.stateDir, 'pods/default_web')));
    assert.is(t.leaseStore.list().length, 0);
    assert.is(t.runtime.list().length, 0);
    assert.ok(t.events.at(-1)!.removed);
  } finally {
    t.cleanup();
  }
});

test('agent restart: a pod whose network and process survive is adopted, not recreated', async () => {
  const t = setup();
  try {
    const status = await t.runtime.ensure(echoPod('web'));
    t.runtime.shutdown();
    const netns = status.netns;
    const exec = new FakeExec()
      .on('ip -j netns list', { stdout: JSON.stringify([{ name: netns }]) })
      .on('ip -j link show dev veth', { stdout: JSON.stringify([{ ifname: 'vethx', master: 'minik0', flags: ['UP'] }]) })
      .on(`ip -j -n ${netns} addr show dev eth0`, {
        stdout: JSON.stringify([{ ifname: 'eth0', flags: ['UP'], addr_info: [{ family: 'inet', local: status.podIP, prefixlen: 24 }] }]),
      })
      .on(`ip -j -n ${netns} route show default`, { stdout: JSON.stringify([{ dst: 'default', gateway: '10.244.1.1' }]) });
    const again = new PodRuntime({ ...t.options, exec });
    try {
      const adopted = await again.ensure(echoPod('web'));
      assert.is(adopted.podIP, status.podIP);
      assert.is(adopted.pid, status.pid);
      assert.is(t.launcher.started.length, 1, 'no second process');
      assert.equal(exec.commands().filter((c) => !c.startsWith('ip -j')), []);
    } finally {
      again.shutdown();
    }
  } finally {
    t.cleanup();
  }
});

test('a pod recreated under the same name (new uid) gets a fresh process', async () => {
  const t = setup();
  try {
    const first = await t.runtime.ensure(echoPod('web', {}, 'uid-1'));
    const second = await t.runtime.ensure(echoPod('web', {}, 'uid-2'));
    assert.is(t.launcher.started.length, 2);
    assert.is.not(second.pid, first.pid);
    assert.is(t.launcher.running.size, 1);
  } finally {
    t.cleanup();
  }
});

test.run();
