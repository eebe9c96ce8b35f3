// End-to-end: a real 3-node lab (network namespaces, the real apiserver and
// agents, real nftables) and real packets through ClusterIP services.
// Lab `mke` on 192.168.81.0/24, torn down in `after` even when a test fails.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { labLayout } from '../api/layout.ts';
import type { Endpoints, Node, Pod, Service } from '../api/types.ts';
import { eventually, labLeftovers, makeLab, run } from './support/lab.ts';
import { netnsUnavailable, skipTest } from './support/skip.ts';

const LAB = 'mke';
const LAN = '192.168.81.0/24';
const lab = makeLab(LAB, LAN);
const FLOW_PROBE = join(import.meta.dirname, 'support', 'flow-probe.mjs');

interface Echo {
  pod: string;
  node: string;
  podIP: string;
  clientIP: string;
}

async function getJson<T>(args: string[]): Promise<T> {
  return JSON.parse((await lab.minik(['get', ...args, '-o', 'json'])).stdout) as T;
}

const pods = async () => (await getJson<{ items: Pod[] }>(['pods'])).items;
const readyPods = async () => (await pods()).filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

/** `count` HTTP requests from inside a pod, one curl each (fresh connections). */
async function requestsFromPod(pod: Pod, url: string, count: number): Promise<Echo[]> {
  const script = `for i in $(seq ${count}); do curl -s -m 2 ${url}; echo; done`;
  const res = await lab.minik(['exec', pod.metadata.name, '--', 'sh', '-c', script]);
  return res.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Echo);
}

async function clusterIp(name: string): Promise<string> {
  return (await getJson<Service>(['svc', name])).spec.clusterIP!;
}

const podOn = (all: Pod[], node: string) => {
  const pod = all.find((p) => p.spec.nodeName === node);
  if (!pod) throw new Error(`no pod on ${node}: ${all.map((p) => `${p.metadata.name}@${p.spec.nodeName}`).join(', ')}`);
  return pod;
};

const skip = netnsUnavailable();
if (skip) {
  skipTest(test, 'dataplane e2e', skip);
} else {
  test.before(async () => {
    await lab.minik(['down', '--name', LAB], { allowFailure: true }); // leftovers of a killed run
    await lab.minik(['up', '--name', LAB, '--lan', LAN, '--nodes', '3']);
    await lab.minik(['run', 'echo', '--replicas', '3', '--port', '8080']);
    await lab.minik(['svc', 'create', 'echo', '--tcp', '80:8080', '--selector', 'run=echo']);
    await eventually('3 ready echo pods', async () => ((await readyPods()).length === 3 ? true : undefined), 30_000);
  });

  test.after(async () => {
    await lab.down();
  });

  test('pods are spread over the 3 nodes', async () => {
    const nodes = new Set((await pods()).map((p) => p.spec.nodeName));
    assert.equal([...nodes].sort(), ['node1', 'node2', 'node3']);
  });

  test('from a pod on node1, 60 requests to the ClusterIP reach all 3 pods, which see the client pod\'s own IP', async () => {
    const client = podOn(await pods(), 'node1');
    const ip = await clusterIp('echo');
    const answers = await requestsFromPod(client, `http://${ip}/`, 60);
    assert.is(answers.length, 60, 'every request answered');
    assert.equal([...new Set(answers.map((a) => a.node))].sort(), ['node1', 'node2', 'node3']);
    const fromOthers = answers.filter((a) => a.pod !== client.metadata.name);
    assert.ok(fromOthers.length > 0);
    for (const a of fromOthers) assert.is(a.clientIP, client.status!.podIP, 'source preserved pod -> ClusterIP');
  });

  test('hairpin: a pod reaches its own service and sometimes itself', async () => {
    const client = podOn(await pods(), 'node2');
    const answers = await requestsFromPod(client, `http://${await clusterIp('echo')}/`, 40);
    assert.is(answers.length, 40);
    assert.ok(answers.some((a) => a.pod === client.metadata.name), 'some answers come from the client pod itself');
  });

  test('cluster DNS: a pod resolves its service by name', async () => {
    const client = podOn(await pods(), 'node3');
    const answers = await requestsFromPod(client, 'http://echo.default.svc.cluster.local/', 3);
    assert.is(answers.length, 3);
    const short = await requestsFromPod(client, 'http://echo/', 1);
    assert.is(short.length, 1, 'search path resolves the short name');
  });

  test("a node's own processes reach a ClusterIP", async () => {
    const ip = await clusterIp('echo');
    const res = await lab.inNetns(lab.nodeNetns('node2'), ['curl', '-s', '-m', '2', `http://${ip}/`]);
    assert.is(res.code, 0, res.stderr);
    assert.ok(JSON.parse(res.stdout).pod.startsWith('echo-'));
  });

  test('a service with no endpoints refuses connections at once (TCP reset), no timeout', async () => {
    await lab.minik(['svc', 'create', 'empty', '--tcp', '80', '--selector', 'run=nothing']);
    const ip = await clusterIp('empty');
    const client = podOn(await pods(), 'node1');
    const netns = lab.podNetns('node1', 'default', client.metadata.name);
    // curl exit 7 = connection refused; 28 = timed out (what an unprogrammed address does).
    const code = await eventually('the empty service to be rejected', async () => {
      const res = await lab.inNetns(netns, ['curl', '-s', '--connect-timeout', '1', `http://${ip}/`]);
      return res.code === 7 ? res.code : undefined;
    }, 5_000);
    assert.is(code, 7);
  });

  test('deleting a backend: within 2 s no request goes to it and endpoints show 2 addresses', async () => {
    const all = await pods();
    const victim = podOn(all, 'node3');
    const client = podOn(all, 'node1');
    await lab.minik(['delete', 'pod', victim.metadata.name]);
    const addresses = await eventually('endpoints without the deleted pod', async () => {
      const eps = await getJson<Endpoints>(['endpoints', 'echo']);
      const ips = (eps.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
      return ips.length === 2 ? ips : undefined;
    }, 2_000);
    assert.not.ok(addresses.includes(victim.status!.podIP!));
    const answers = await requestsFromPod(client, `http://${await clusterIp('echo')}/`, 30);
    assert.is(answers.length, 30);
    assert.not.ok(answers.some((a) => a.pod === victim.metadata.name), 'no answer from the deleted pod');
    const left = (await run(['ip', 'netns', 'list'])).stdout;
    assert.not.ok(left.includes(lab.podNetns('node3', 'default', victim.metadata.name)), 'its namespace is gone');
  });

  test('kill -9 an agent: flows keep working, the node goes NotReady and its pods not ready; after `minik up` all converge, pods keep IPs, a new service works', async () => {
    const layout = labLayout(LAB);
    const before = await pods();
    const client = podOn(before, 'node1');
    const ip = await clusterIp('echo');
    const probe = lab.inNetns(lab.podNetns('node1', 'default', client.metadata.name), [process.execPath, FLOW_PROBE, ip, '80', '4000'], 20_000);
    await new Promise((r) => setTimeout(r, 500));
    const pid = Number(readFileSync(`${layout.runDir}/agent-node1.pid`, 'utf8'));
    process.kill(pid, 'SIGKILL');
    const flow = JSON.parse((await probe).stdout);
    assert.equal(flow.errors, [], 'the established connection kept working');
    assert.ok(flow.ok >= 30, `answers over the flow: ${flow.ok}`);

    // Three missed heartbeats: node1 is NotReady and its pod's address not ready.
    const nodeReady = async (name: string) =>
      (await getJson<Node>(['nodes', name])).status?.conditions?.find((c) => c.type === 'Ready')?.status;
    await eventually('node1 to be NotReady', async () => ((await nodeReady('node1')) !== 'True' ? true : undefined), 6_000);
    const notReady = await eventually('node1\'s pod in notReadyAddresses', async () => {
      const eps = await getJson<Endpoints>(['endpoints', 'echo']);
      const ips = (eps.subsets ?? []).flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip));
      return ips.includes(client.status!.podIP!) ? ips : undefined;
    }, 3_000);
    assert.ok(notReady.length >= 1);

    const up = await lab.minik(['up', '--name', LAB, '--lan', LAN, '--nodes', '3']);
    assert.match(up.stdout + up.stderr, /node1/);
    await lab.minik(['svc', 'create', 'after', '--tcp', '80:8080', '--selector', 'run=echo']);
    const newIp = await clusterIp('after');
    const answers = await eventually('the new service to answer on node1', async () => {
      const a = await requestsFromPod(client, `http://${newIp}/`, 3);
      return a.length === 3 ? a : undefined;
    }, 10_000);
    assert.is(answers.length, 3);
    const rules = (await lab.minik(['rules', '--node', 'node1'])).stdout;
    assert.ok(rules.includes(newIp), 'node1 programmed the new service');
    await eventually('node1 Ready again and its pod ready again', async () => {
      const ready = (await readyPods()).map((p) => p.metadata.name);
      return (await nodeReady('node1')) === 'True' && ready.includes(client.metadata.name) ? true : undefined;
    }, 10_000);
    const after = await pods();
    for (const p of before) {
      const same = after.find((q) => q.metadata.name === p.metadata.name);
      assert.is(same?.status?.podIP, p.status?.podIP, `${p.metadata.name} kept its IP`);
    }
  });

  test('kill -9 the apiserver: the data plane keeps serving; after restart every object and allocation is there', async () => {
    const layout = labLayout(LAB);
    const before = await getJson<{ items: Service[] }>(['svc', '-A']);
    await lab.minik(['svc', 'create', 'np', '--type', 'NodePort', '--tcp', '80:8080', '--selector', 'run=echo']);
    const np = await getJson<Service>(['svc', 'np']);
    const client = podOn(await pods(), 'node2');
    const pid = Number(readFileSync(`${layout.runDir}/apiserver.pid`, 'utf8'));
    process.kill(pid, 'SIGKILL');
    const answers = await requestsFromPod(client, `http://${await clusterIpFromList(before, 'echo')}/`, 10).catch(() => []);
    // `minik exec` needs the apiserver to find the pod: go straight to the namespace instead.
    const direct = await lab.inNetns(lab.podNetns('node2', 'default', client.metadata.name), ['curl', '-s', '-m', '2', `http://${clusterIpFromList(before, 'echo')}/`]);
    assert.is(direct.code, 0, 'ClusterIP answers while the apiserver is down');
    assert.is(answers.length, 0, 'the CLI cannot reach a dead apiserver (sanity check of the kill)');
    const nodePort = np.spec.ports![0].nodePort!;
    const viaNodePort = await lab.inNetns(`${LAB}-client`, ['curl', '-s', '-m', '2', `http://${LAN.replace('0/24', '11')}:${nodePort}/`]);
    assert.is(viaNodePort.code, 0, 'NodePort answers from the outside client while the apiserver is down');

    await lab.minik(['up', '--name', LAB, '--lan', LAN, '--nodes', '3']);
    const afterList = await getJson<{ items: Service[] }>(['svc', '-A']);
    for (const svc of [...before.items, np]) {
      const same = afterList.items.find((s) => s.metadata.name === svc.metadata.name && s.metadata.namespace === svc.metadata.namespace);
      assert.ok(same, `${svc.metadata.name} survived`);
      assert.is(same!.spec.clusterIP, svc.spec.clusterIP);
      assert.equal(same!.spec.ports?.map((p) => p.nodePort), svc.spec.ports?.map((p) => p.nodePort));
    }
  });

  test('minik down leaves no namespace, link, nft table or process behind', async () => {
    await lab.minik(['down', '--name', LAB]);
    assert.equal(await labLeftovers(LAB), []);
    const again = await lab.minik(['down', '--name', LAB]);
    assert.is(again.code, 0, 'down is idempotent');
  });
}

function clusterIpFromList(list: { items: Service[] }, name: string): string {
  return list.items.find((s) => s.metadata.name === name && s.metadata.namespace === 'default')!.spec.clusterIP!;
}

test.run();
