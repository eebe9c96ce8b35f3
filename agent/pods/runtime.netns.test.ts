// PodRuntime against the real kernel: two fake "nodes" (namespaces
// mkpod-n1, mkpod-n2) joined by a veth pair, pods with the echo server in
// their own namespaces, host-gw routes between the nodes. The runtime runs in
// this (host) process and reaches into the node namespaces through
// netnsExec; nothing is added to the host namespace.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pod } from '../../api/types.ts';
import { netnsUnavailable, skipTest } from '../../e2e/support/skip.ts';
import type { EchoReply } from '../echo/server.ts';
import { netnsExec, realExec } from '../../api/exec/exec.ts';
import { bindServiceAddress, routeServiceCidr, setupNodeNetwork, syncPodRoutes } from '../node/network.ts';
import { addNetns, hostForwarding, listNetnsNames, run, sweepNetns, tryRun } from '../node/testdata/netns.ts';
import { commandProber } from './readiness.ts';
import { PodRuntime, type PodRuntimeOptions } from './runtime.ts';
import type { PodRuntimeStatus } from './status.ts';

const PREFIX = 'mkpod-n';
const N1 = 'mkpod-n1';
const N2 = 'mkpod-n2';
const unavailable = netnsUnavailable();

const tsxLoader = import.meta.resolve('tsx');
const echoEntry = fileURLToPath(new URL('../echo/testdata/echo-entry.ts', import.meta.url));
const echoCommand: PodRuntimeOptions['echoCommand'] = (ports) => [
  process.execPath,
  '--import',
  tsxLoader,
  echoEntry,
  'echo',
  ...ports.flatMap((p) => (p.protocol === 'UDP' ? ['--udp-port', String(p.port)] : ['--port', String(p.port)])),
];

const echoPod = (name: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  spec: {
    containers: [{ name: 'echo', image: 'echo', ports: [{ containerPort: 8080 }, { containerPort: 5353, protocol: 'UDP' }] }],
  },
});

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function curlFromPod(netns: string, url: string): EchoReply {
  return JSON.parse(run(['ip', 'netns', 'exec', netns, 'curl', '-sS', '--max-time', '5', url]));
}

const stateDirs: string[] = [];
const runtimes: PodRuntime[] = [];

function nodeRuntime(node: string, podCIDR: string, stateDir: string) {
  const exec = netnsExec(realExec, node);
  const runtime = new PodRuntime({
    nodeName: node,
    podCIDR,
    stateDir,
    netnsPrefix: node,
    echoCommand,
    exec,
    prober: commandProber(exec),
    readinessIntervalMs: 200,
    restartBackoff: { initialMs: 200, maxMs: 1000, resetAfterMs: 10_000 },
  });
  runtimes.push(runtime);
  return runtime;
}

async function makeNode(node: string, lanIp: string, podCIDR: string) {
  addNetns(node);
  await setupNodeNetwork({ podCIDR }, netnsExec(realExec, node));
}

if (unavailable) {
  skipTest(test, 'pods in real network namespaces', unavailable);
} else {
  const forwardingBefore = hostForwarding();
  let n1: PodRuntime;
  let n2: PodRuntime;
  const events: PodRuntimeStatus[] = [];
  const pods: Record<string, PodRuntimeStatus> = {};

  test.before(async () => {
    sweepNetns(PREFIX);
    await makeNode(N1, '192.168.99.11', '10.244.1.0/24');
    await makeNode(N2, '192.168.99.12', '10.244.2.0/24');
    // the "LAN": one veth pair between the two node namespaces
    run(['ip', '-n', N1, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan0', 'netns', N2]);
    for (const [node, ip] of [[N1, '192.168.99.11'], [N2, '192.168.99.12']]) {
      run(['ip', '-n', node, 'addr', 'add', `${ip}/24`, 'dev', 'lan0']);
      run(['ip', '-n', node, 'link', 'set', 'lan0', 'up']);
    }
    await syncPodRoutes([{ cidr: '10.244.2.0/24', via: '192.168.99.12' }], netnsExec(realExec, N1));
    await syncPodRoutes([{ cidr: '10.244.1.0/24', via: '192.168.99.11' }], netnsExec(realExec, N2));
    for (let i = 0; i < 2; i++) stateDirs.push(mkdtempSync(join(tmpdir(), 'mkpod-state-')));
    n1 = nodeRuntime(N1, '10.244.1.0/24', stateDirs[0]);
    n2 = nodeRuntime(N2, '10.244.2.0/24', stateDirs[1]);
    n1.onChange((s) => events.push(s));
  });

  test.after(async () => {
    for (const r of runtimes) {
      await r.removeAll().catch((err) => console.error('cleanup:', err));
      r.shutdown();
    }
    sweepNetns(PREFIX);
    for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
  });

  test('two echo pods on one node become Ready and reach each other by IP', async () => {
    pods.a = await n1.ensure(echoPod('a'));
    pods.b = await n1.ensure(echoPod('b'));
    assert.equal([pods.a.podIP, pods.b.podIP], ['10.244.1.2', '10.244.1.3']);
    await waitFor('a and b ready', () => n1.get('default', 'a')!.ready && n1.get('default', 'b')!.ready);
    assert.ok(events.some((e) => e.name === 'a' && !e.ready) && events.some((e) => e.name === 'a' && e.ready), 'readiness flipped');

    const reply = curlFromPod(pods.a.netns, `http://${pods.b.podIP}:8080/`);
    assert.equal(reply, { pod: 'b', namespace: 'default', node: N1, podIP: pods.b.podIP, clientIP: pods.a.podIP, clientPort: reply.clientPort, port: 8080, protocol: 'TCP' });

    const udp = JSON.parse(run(['ip', 'netns', 'exec', pods.a.netns, 'bash', '-c', `echo hi | socat -t 3 - UDP:${pods.b.podIP}:5353`]));
    assert.equal([udp.pod, udp.protocol, udp.clientIP, udp.port], ['b', 'UDP', pods.a.podIP, 5353]);
  });

  test('a pod sees its cluster DNS resolv.conf through /etc/netns', () => {
    const resolv = run(['ip', 'netns', 'exec', pods.a.netns, 'cat', '/etc/resolv.conf']);
    assert.is(resolv, 'nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
  });

  test('a pod on n1 reaches a pod on n2 by pod IP over host-gw routes, source preserved', async () => {
    pods.c = await n2.ensure(echoPod('c'));
    assert.is(pods.c.podIP, '10.244.2.2');
    await waitFor('c ready', () => n2.get('default', 'c')!.ready);
    const reply = curlFromPod(pods.a.netns, `http://${pods.c.podIP}:8080/`);
    assert.equal([reply.pod, reply.node, reply.clientIP], ['c', N2, pods.a.podIP]);
  });

  test('node processes reach a ClusterIP through the service CIDR route and an output-hook DNAT', async () => {
    const exec = netnsExec(realExec, N1);
    await bindServiceAddress('10.96.0.10', exec);
    await routeServiceCidr({ gateway: '10.244.1.1' }, exec);
    // a stand-in for the proxier's rule, in the test's own node namespace only
    await exec.run(['nft', '-f', '-'], {
      input: `table ip mkpodtest {
        chain out { type nat hook output priority -100; ip daddr 10.96.5.5 tcp dport 80 dnat to ${pods.c.podIP}:8080; }
      }`,
    });
    const reply: EchoReply = JSON.parse((await exec.run(['curl', '-sS', '--max-time', '5', 'http://10.96.5.5/'])).stdout);
    assert.equal([reply.pod, reply.clientIP], ['c', '10.244.1.1']);
  });

  test('a killed process is restarted: not Ready, restartCount 1, Ready again', async () => {
    const before = n1.get('default', 'b')!;
    const seen = events.length;
    process.kill(before.pid!, 'SIGKILL');
    await waitFor('restarted and ready', () => {
      const s = n1.get('default', 'b')!;
      return s.restartCount === 1 && s.ready && s.pid !== before.pid;
    });
    assert.ok(events.slice(seen).some((e) => e.name === 'b' && !e.ready), 'reported not ready in between');
    assert.is(n1.get('default', 'b')!.podIP, before.podIP);
    assert.is(curlFromPod(pods.a.netns, `http://${before.podIP}:8080/`).pod, 'b');
    assert.match(readFileSync(join(stateDirs[0], 'pods/default_b/output.log'), 'utf8'), 'echo listening on 8080/TCP 5353/UDP');
  });

  test('agent restart: a new runtime adopts running pods (same pid, same IP, open connections kept)', async () => {
    // a long-lived connection from pod a to pod b across the "restart"
    const held = run(['bash', '-c', `ip netns exec ${pods.a.netns} socat -u TCP:${pods.b.podIP}:8080 /dev/null </dev/null >/dev/null 2>&1 & echo $!`]).trim();
    const before = n1.list();
    n1.shutdown();
    const restarted = nodeRuntime(N1, '10.244.1.0/24', stateDirs[0]);
    for (const name of ['a', 'b']) {
      const s = await restarted.ensure(echoPod(name));
      const old = before.find((p) => p.name === name)!;
      assert.equal([s.pid, s.podIP, s.restartCount], [old.pid, old.podIP, old.restartCount], name);
    }
    assert.ok(tryRun(['kill', '-0', held]).ok, 'held connection still open');
    tryRun(['kill', held]);
    await waitFor('ready after adoption', () => restarted.get('default', 'a')!.ready);
    const recorded = (await restarted.listRecorded()).map((r) => r.name).sort();
    assert.equal(recorded, ['a', 'b']);
    n1 = restarted;
  });

  test('remove leaves no namespace, veth, /etc/netns dir, state or process behind', async () => {
    const pidA = n1.get('default', 'a')!.pid!;
    // a process that left the pod's process group (like a `minik exec` session) goes too
    const straggler = run(['bash', '-c', `setsid ip netns exec ${pods.a.netns} sleep 60 </dev/null >/dev/null 2>&1 & echo $!`]).trim();
    await waitFor('straggler in netns', () => run(['ip', 'netns', 'pids', pods.a.netns]).split(/\s+/).length > 2);
    await n1.remove('default', 'a');
    await n1.remove('default', 'b');
    await n2.remove('default', 'c');
    assert.equal(listNetnsNames().filter((n) => n.startsWith(`${N1}_`) || n.startsWith(`${N2}_`)), []);
    assert.equal(readdirSync('/etc/netns').filter((d) => d.startsWith(PREFIX)), []);
    const links = JSON.parse(run(['ip', '-n', N1, '-j', 'link', 'show'])).map((l: { ifname: string }) => l.ifname);
    assert.equal(links.filter((l: string) => l.startsWith('veth')), []);
    assert.not.ok(existsSync(join(stateDirs[0], 'pods/default_a')));
    assert.not.ok(tryRun(['kill', '-0', String(pidA)]).ok, 'process gone');
    await waitFor('straggler gone', () => !existsSync(`/proc/${straggler}`) || readFileSync(`/proc/${straggler}/stat`, 'utf8').includes(') Z '));
    // the IP is free again: the next pod may get it once the cursor wraps; at least a lease is gone
    assert.equal(n1.list(), []);
    assert.is(hostForwarding(), forwardingBefore, 'host forwarding untouched');
  });
}

test.run();
