// End-to-end: LoadBalancer IPs on a real 3-node lab. The apiserver assigns
// the IP, exactly one node holds it on its LAN interface and answers ARP,
// the outside client reaches the service through it, externalTrafficPolicy
// Local keeps the client's address, and when the holding node dies for real
// (agent killed, LAN link down) another node takes the IP over.
// Lab `mklb` on 192.168.83.0/24, torn down in `after` even when a test fails.

import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { labLayout } from '../api/layout.ts';
import type { Pod, Service } from '../api/types.ts';
import { eventually, labLeftovers, makeLab } from './support/lab.ts';
import { netnsUnavailable, skipTest } from './support/skip.ts';

const LAB = 'mklb';
const LAN = '192.168.83.0/24';
const CLIENT_IP = '192.168.83.2';
const NODES = ['node1', 'node2', 'node3'];
const lab = makeLab(LAB, LAN);

interface Echo {
  pod: string;
  node: string;
  clientIP: string;
}

async function getJson<T>(args: string[]): Promise<T> {
  return JSON.parse((await lab.minik(['get', ...args, '-o', 'json'])).stdout) as T;
}

const readyPods = async (label: string) =>
  (await getJson<{ items: Pod[] }>(['pods', '-l', label])).items.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

async function lbIp(name: string): Promise<string> {
  return eventually(`an LB IP for ${name}`, async () => (await getJson<Service>(['svc', name])).status?.loadBalancer?.ingress?.[0]?.ip, 10_000);
}

/** The nodes whose LAN interface holds `ip` right now, with the address label. */
async function holders(ip: string, nodes = NODES): Promise<{ node: string; label?: string }[]> {
  const out: { node: string; label?: string }[] = [];
  for (const node of nodes) {
    const res = await lab.inNetns(lab.nodeNetns(node), ['ip', '-j', 'addr', 'show']);
    const links = JSON.parse(res.stdout || '[]') as { ifname: string; addr_info?: { local: string; label?: string }[] }[];
    for (const l of links) for (const a of l.addr_info ?? []) if (a.local === ip) out.push({ node, label: a.label });
  }
  return out;
}

async function soleHolder(ip: string, nodes = NODES, timeoutMs = 10_000): Promise<string> {
  return eventually(`exactly one node holding ${ip}`, async () => {
    const h = await holders(ip, nodes);
    return h.length === 1 ? h[0].node : undefined;
  }, timeoutMs);
}

/** `count` fresh HTTP connections from the outside client. */
async function fromClient(url: string, count: number): Promise<Echo[]> {
  const script = `for i in $(seq ${count}); do curl -s -m 2 ${url}; echo; done`;
  const res = await lab.inNetns(lab.name + '-client', ['sh', '-c', script], 60_000);
  return res.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Echo);
}

const skip = netnsUnavailable();
if (skip) {
  skipTest(test, 'loadbalancer e2e', skip);
} else {
  test.before(async () => {
    await lab.minik(['down', '--name', LAB], { allowFailure: true }); // leftovers of a killed run
    await lab.minik(['up', '--name', LAB, '--lan', LAN, '--nodes', '3']);
    await lab.minik(['run', 'echo', '--replicas', '3', '--port', '8080']);
    await lab.minik(['svc', 'create', 'lb', '--type', 'LoadBalancer', '--tcp', '80:8080', '--selector', 'run=echo']);
    await eventually('3 ready echo pods', async () => ((await readyPods('run=echo')).length === 3 ? true : undefined), 30_000);
  });

  test.after(async () => {
    await lab.down();
  });

  test('the apiserver assigns an LB IP from the lab pool; `svc url` prints it', async () => {
    const ip = await lbIp('lb');
    const last = Number(ip.split('.')[3]);
    assert.ok(ip.startsWith('192.168.83.') && last >= 200 && last <= 250, ip);
    const url = (await lab.minik(['svc', 'url', 'lb'])).stdout;
    assert.match(url, `http://${ip}:80`);
  });

  test('exactly one node holds the LB IP, labelled as minik\'s, and it stays one', async () => {
    const ip = await lbIp('lb');
    const holder = await soleHolder(ip);
    const [h] = await holders(ip);
    assert.is(h.label, 'eth0:mlb');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await holders(ip)).map((x) => x.node), [holder], 'no second node picked it up meanwhile');
  });

  test('the outside client reaches the service through the LB IP; answers come from pods on several nodes', async () => {
    const ip = await lbIp('lb');
    await soleHolder(ip);
    const answers = await fromClient(`http://${ip}/`, 30);
    assert.is(answers.length, 30, 'every request answered');
    assert.ok(new Set(answers.map((a) => a.node)).size >= 2, `pods on several nodes: ${[...new Set(answers.map((a) => a.node))]}`);
    assert.ok(answers.every((a) => a.pod.startsWith('echo-')));
  });

  test('externalTrafficPolicy Local: the node with the only endpoint announces, and the pod sees the client\'s own IP', async () => {
    await lab.minik(['run', 'solo', '--port', '8080', '--node', 'node2']);
    await lab.minik(['svc', 'create', 'lblocal', '--type', 'LoadBalancer', '--tcp', '80:8080', '--selector', 'run=solo', '--external-traffic-policy', 'Local']);
    await eventually('the solo pod ready', async () => ((await readyPods('run=solo')).length === 1 ? true : undefined), 30_000);
    const ip = await lbIp('lblocal');
    assert.is(await soleHolder(ip), 'node2', 'only node2 can serve it locally');
    const answers = await eventually('answers through the Local LB IP', async () => {
      const a = await fromClient(`http://${ip}/`, 5);
      return a.length === 5 ? a : undefined;
    });
    for (const a of answers) {
      assert.is(a.pod, 'solo');
      assert.is(a.clientIP, CLIENT_IP, 'client address preserved');
    }
  });

  test('deleting a LoadBalancer service releases its IP on every node', async () => {
    const ip = await lbIp('lblocal');
    await lab.minik(['delete', 'svc', 'lblocal']);
    await eventually(`no node holding ${ip}`, async () => ((await holders(ip)).length === 0 ? true : undefined));
  });

  test('the holding node dies (agent kill -9, LAN link down): another node takes over within seconds, the client works again', async () => {
    const ip = await lbIp('lb');
    const dead = await soleHolder(ip);
    const pid = Number(readFileSync(`${labLayout(LAB).runDir}/agent-${dead}.pid`, 'utf8'));
    const started = Date.now();
    process.kill(pid, 'SIGKILL');
    const down = await lab.inNetns(lab.nodeNetns(dead), ['ip', 'link', 'set', 'eth0', 'down']);
    assert.is(down.code, 0, down.stderr);

    const alive = NODES.filter((n) => n !== dead);
    const next = await soleHolder(ip, alive, 15_000);
    const takeoverMs = Date.now() - started;
    const answers = await eventually('the client answered through the new holder', async () => {
      const a = await fromClient(`http://${ip}/`, 5);
      return a.length === 5 ? a : undefined;
    }, 10_000);
    const recoveredMs = Date.now() - started;
    console.log(`  failover: ${dead} -> ${next}: address moved in ${takeoverMs} ms, client answered again after ${recoveredMs} ms`);
    assert.ok(takeoverMs < 10_000, `address moved within 10 s (${takeoverMs} ms)`);
    assert.ok(answers.every((a) => a.node !== dead), 'no answer from the dead node');
  });

  test('minik down leaves nothing behind', async () => {
    await lab.minik(['down', '--name', LAB]);
    assert.equal(await labLeftovers(LAB), []);
  });
}

test.run();
