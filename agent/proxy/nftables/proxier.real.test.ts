// The compiled rules really forward traffic: a node namespace with two
// backend "pods" and a client "pod" on veth pairs, echo servers (socat) in the
// backends, and real TCP connections to a ClusterIP, a NodePort, a service
// without endpoints, and a pod's own service (hairpin). All namespaces are
// named mknft-px<pid>-* and removed in `after`, also on failure.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { netnsUnavailable, skipTest } from '../../../e2e/support/skip.ts';
import { InteractiveApplier } from '../../nft/index.ts';
import { buildProxyModel } from '../model.ts';
import { NftablesProxier } from './proxier.ts';
import { endpoints, service } from './scenarios.ts';

const P = `mknft-px${process.pid}`;
const NODE = `${P}-node`;
const ns = (n: string) => `${P}-${n}`;
const PODS = [
  { name: 'b1', ip: '10.244.1.2', gw: '10.244.1.1' },
  { name: 'b2', ip: '10.244.2.2', gw: '10.244.2.1' },
  { name: 'c', ip: '10.244.3.2', gw: '10.244.3.1' },
];
const why = netnsUnavailable() ?? (hasSocat() ? undefined : 'needs socat');

function hasSocat(): boolean {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const sh = (...args: string[]) => execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const inNs = (netns: string, ...args: string[]) => sh('nsenter', `--net=/run/netns/${netns}`, ...args);

/** One TCP connection from a namespace; resolves with what the server said, or `ERR <reason>`, and the time taken. */
function connect(from: string, ip: string, port: number): Promise<{ out: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      'nsenter',
      [`--net=/run/netns/${from}`, 'socat', '-T', '3', '-u', `TCP:${ip}:${port},connect-timeout=3`, 'STDOUT'],
      { timeout: 5000 },
      (err, stdout, stderr) => resolve({ out: err ? `ERR ${String(stderr).trim() || err.message}` : String(stdout).trim(), ms: Date.now() - started }),
    );
  });
}

const servers: ChildProcess[] = [];

function model(backends: string[]) {
  const services = [
    service('default', 'web', { type: 'NodePort', clusterIP: '10.96.0.20', ports: [{ port: 80, nodePort: 30080 }] }),
    service('default', 'empty', { clusterIP: '10.96.0.21', ports: [{ port: 80 }] }),
    service('default', 'self', { clusterIP: '10.96.0.22', ports: [{ port: 80 }] }),
    service('default', 'dns', { clusterIP: '10.96.0.23', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
  ];
  const eps = [
    endpoints('default', 'web', backends.map((b) => `${PODS.find((p) => p.name === b)!.ip}@node1`), [[undefined, 8080]]),
    endpoints('default', 'self', ['10.244.1.2@node1'], [[undefined, 8080]]),
    endpoints('default', 'dns', ['10.244.2.2@node1'], [['dns', 5353, 'UDP']]),
  ];
  return buildProxyModel({ services, endpoints: eps, node: 'node1' });
}

if (why) {
  skipTest(test, 'real traffic through the compiled ruleset', why);
} else {
  // The agent's default applier: a long-lived nft -i (full syncs go through a fresh nft -f).
  const applier = new InteractiveApplier({ netns: NODE });
  const proxier = new NftablesProxier(applier, { driftCheckIntervalMs: 0 });

  test.before(() => {
    sh('ip', 'netns', 'add', NODE);
    inNs(NODE, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    inNs(NODE, 'ip', 'link', 'set', 'lo', 'up');
    for (const pod of PODS) {
      sh('ip', 'netns', 'add', ns(pod.name));
      sh('ip', '-n', NODE, 'link', 'add', `v${pod.name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns(pod.name));
      sh('ip', '-n', NODE, 'addr', 'add', `${pod.gw}/24`, 'dev', `v${pod.name}`);
      sh('ip', '-n', NODE, 'link', 'set', `v${pod.name}`, 'up');
      sh('ip', '-n', ns(pod.name), 'addr', 'add', `${pod.ip}/24`, 'dev', 'eth0');
      sh('ip', '-n', ns(pod.name), 'link', 'set', 'eth0', 'up');
      sh('ip', '-n', ns(pod.name), 'link', 'set', 'lo', 'up');
      sh('ip', '-n', ns(pod.name), 'route', 'add', 'default', 'via', pod.gw);
    }
    // Node processes reach ClusterIPs through a route for the service CIDR (the agent adds the same).
    sh('ip', '-n', NODE, 'route', 'add', '10.96.0.0/12', 'dev', 'vc');
    for (const b of ['b1', 'b2']) {
      const child = spawn('nsenter', [`--net=/run/netns/${ns(b)}`, 'socat', 'TCP-LISTEN:8080,reuseaddr,fork', `SYSTEM:echo ${b} $SOCAT_PEERADDR`], { stdio: 'ignore' });
      servers.push(child);
    }
    servers.push(spawn('nsenter', [`--net=/run/netns/${ns('b2')}`, 'socat', 'UDP-RECVFROM:5353,fork', 'SYSTEM:echo udp-b2 $SOCAT_PEERADDR'], { stdio: 'ignore' }));
  });

  test.after(() => {
    for (const s of servers) s.kill();
    applier.close();
    for (const n of [NODE, ...PODS.map((p) => ns(p.name))]) {
      try {
        sh('ip', 'netns', 'del', n);
      } catch {}
    }
  });

  test('a pod reaches a ClusterIP, DNATed to both backends, with its own source address', async () => {
    const r = await proxier.sync(model(['b1', 'b2']));
    assert.is(r.mode, 'full');
    await waitFor(async () => (await connect(ns('c'), '10.244.1.2', 8080)).out.startsWith('b1'));
    const seen = new Set<string>();
    for (let i = 0; i < 30 && seen.size < 2; i++) {
      const { out } = await connect(ns('c'), '10.96.0.20', 80);
      assert.match(out, /^b[12] 10\.244\.3\.2$/, `answer ${out}`);
      seen.add(out.split(' ')[0]);
    }
    assert.equal([...seen].sort(), ['b1', 'b2']);
  });

  test('the node itself reaches the ClusterIP (output hook)', async () => {
    const { out } = await connect(NODE, '10.96.0.20', 80);
    assert.match(out, /^b[12] /);
  });

  test('NodePort from the client reaches a backend, masqueraded to the node', async () => {
    const { out } = await connect(ns('c'), '10.244.3.1', 30080);
    assert.match(out, /^b[12] 10\.244\.[12]\.1$/);
  });

  test('a service without endpoints is refused at once, not a timeout', async () => {
    const { out, ms } = await connect(ns('c'), '10.96.0.21', 80);
    assert.match(out, /Connection refused/);
    assert.ok(ms < 1000, `took ${ms} ms`);
  });

  test('hairpin: a pod reaching its own service lands on itself, masqueraded', async () => {
    const { out } = await connect(ns('b1'), '10.96.0.22', 80);
    assert.is(out, 'b1 10.244.1.1');
  });

  test('UDP to a ClusterIP is DNATed to the endpoint port', async () => {
    const once = (ip: string, port: number) =>
      new Promise<string>((resolve) => {
        const child = execFile('nsenter', [`--net=/run/netns/${ns('c')}`, 'socat', '-T', '1', '-', `UDP:${ip}:${port}`], { timeout: 4000 }, (_err, stdout) =>
          resolve(String(stdout).trim()),
        );
        child.stdin!.write('ping\n');
      });
    // UDP has no handshake: a datagram lost while the forked server starts (loaded machine) is retried.
    const udp = async (ip: string, port: number) => {
      for (let i = 0; i < 4; i++) {
        const out = await once(ip, port);
        if (out) return out;
      }
      return '';
    };
    assert.is(await udp('10.244.2.2', 5353), 'udp-b2 10.244.3.2', 'the server answers directly');
    const got = await udp('10.96.0.23', 53);
    assert.is(got, 'udp-b2 10.244.3.2');
  });

  test('a partial sync removing a backend sends everything to the other one', async () => {
    const r = await proxier.sync(model(['b1']));
    assert.is(r.mode, 'partial');
    for (let i = 0; i < 10; i++) assert.match((await connect(ns('c'), '10.96.0.20', 80)).out, /^b1 /);
  });

  test('someone flushing the ruleset is repaired by the next sync', async () => {
    inNs(NODE, 'nft', 'flush', 'ruleset');
    assert.match((await connect(ns('c'), '10.96.0.20', 80)).out, /^ERR/);
    const r = await proxier.sync(model(['b1']));
    assert.is(r.mode, 'full');
    assert.is(r.reason, 'drift');
    assert.match((await connect(ns('c'), '10.96.0.20', 80)).out, /^b1 /);
  });

  test('rules() matches what nft lists, chain for chain', async () => {
    const live = (await proxier.liveRules())!;
    for (const chain of proxier.rules().matchAll(/chain (\S+) \{/g)) assert.ok(live.includes(`chain ${chain[1]} {`), chain[1]);
  });
}

async function waitFor(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

test.run();
