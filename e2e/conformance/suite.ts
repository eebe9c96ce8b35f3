// The one behaviour suite every proxy mode must pass, written once: same
// services, same traffic, same answers. A mode file (e2e/conformance-MODE.test.ts)
// calls conformanceSuite(mode, lab) with a lab; a VM lab can call it too.
// Where a mode cannot offer a behaviour (userspace loses the client's
// address) the case asserts what the README's mode table documents instead,
// so nothing is silently skipped. One lab per mode, shared by its cases.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Endpoints, Pod, Service } from '../../api/types.ts';
import { eventually } from '../support/lab.ts';
import type { ConformanceLab } from './lab.ts';

export type Mode = 'nftables' | 'iptables' | 'ipvs' | 'userspace';

export interface ModeTraits {
  /** Backends see the client's own address (pod → ClusterIP; externalTrafficPolicy Local). userspace: no, the agent dials them. */
  keepsClientIp: boolean;
  /** What `minik rules` shows in this mode. */
  rules: RegExp;
  /** What `minik trace POD http://CLUSTER-IP/` prints for one connection in this mode. */
  trace: RegExp;
  /** What this mode's state looks like on a node (raw tools), to prove it is gone after a switch. */
  stateProbe: { argv: string[]; present: RegExp };
}

const NFT_TABLES = { argv: ['nft', 'list', 'tables'] };
export const TRAITS: Record<Mode, ModeTraits> = {
  nftables: { keepsClientIp: true, rules: /table ip minik \{/, trace: /ip minik services rule .*vmap @service-ips \(verdict goto dnat-tcp-\d+\)/, stateProbe: { ...NFT_TABLES, present: /table ip minik$/m } },
  iptables: { keepsClientIp: true, rules: /-A KUBE-SERVICES /, trace: /-A KUBE-SEP-\S+ -p tcp .*DNAT --to-destination [\d.]+:8080 +\(\+\d+ packets\)/, stateProbe: { argv: ['iptables-legacy-save', '-t', 'nat'], present: /KUBE-SERVICES/ } },
  userspace: { keepsClientIp: false, rules: /userspace proxy listeners/, trace: /default\/echo:(tcp-)?80 \(tcp\) client [\d.]+:\d+ -> [\d.]+:8080 \[round-robin\]/, stateProbe: { ...NFT_TABLES, present: /table ip minik-userspace$/m } },
  ipvs: { keepsClientIp: true, rules: /minik-ipvs|TCP\s+\d+\.\d+\.\d+\.\d+:\d+ rr/, trace: /TCP\s.*:80\s/, stateProbe: { argv: ['ip', 'link', 'show', 'minik-ipvs0'], present: /minik-ipvs0/ } },
};

interface Echo {
  pod: string;
  node: string;
  podIP: string;
  clientIP: string;
  port: number;
  protocol: string;
}

const parseEchoes = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Echo);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Registers the suite for `mode` on `lab`, runs it, and prints `MODE: N passed, M failed`. */
export function conformanceSuite(mode: Mode, lab: ConformanceLab, options: { switchTo?: Mode } = {}): void {
  const traits = TRAITS[mode];
  const s = suite(`conformance ${mode}`);
  const tally = { passed: 0, failed: 0 };
  const it = (name: string, fn: () => Promise<void>) =>
    s(name, async () => {
      const started = Date.now();
      try {
        await fn();
        console.log(`  ${mode}: ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
        tally.passed++;
      } catch (err) {
        tally.failed++;
        throw err;
      }
    });

  const json = async <T>(args: string[]) => JSON.parse((await lab.minik(['get', ...args, '-o', 'json'])).stdout) as T;
  const pods = async (label?: string) => (await json<{ items: Pod[] }>(['pods', ...(label ? ['-l', label] : [])])).items;
  const clusterIp = async (name: string) => (await json<Service>(['svc', name])).spec.clusterIP!;
  const nodePort = async (name: string, i = 0) => (await json<Service>(['svc', name])).spec.ports![i].nodePort!;
  const podOn = async (node: string, label = 'run=echo') => {
    const p = (await pods(label)).find((x) => x.spec.nodeName === node && isReady(x));
    if (!p) throw new Error(`no ready ${label} pod on ${node}`);
    return p;
  };
  const readyCount = async (label: string, n: number) =>
    eventually(`${n} ready pods ${label}`, async () => ((await pods(label)).filter(isReady).length >= n ? true : undefined), 60_000);
  /** `count` fresh HTTP connections from inside a pod. */
  const fromPod = async (pod: string, url: string, count: number) =>
    parseEchoes((await lab.minik(['exec', pod, '--', 'sh', '-c', `for i in $(seq ${count}); do curl -s -m 2 ${url}; echo; done`], { timeoutMs: 120_000 })).stdout);
  const fromClient = async (url: string, count: number) =>
    parseEchoes((await lab.minik(['ssh', 'client', '--', 'sh', '-c', `for i in $(seq ${count}); do curl -s -m 2 ${url}; echo; done`], { timeoutMs: 120_000 })).stdout);
  const apply = async (name: string, docs: object[]) => {
    const path = join(lab.tmpDir, `${name}.json`);
    writeFileSync(path, docs.map((d) => JSON.stringify(d)).join('\n---\n'));
    await lab.minik(['apply', '-f', path]);
  };
  const [n1, n2] = lab.nodes;

  s.before(async () => {
    await lab.down(); // leftovers of a killed run
    await lab.up(mode);
    await lab.minik(['run', 'echo', '--replicas', '3', '--port', '8080']);
    await lab.minik(['svc', 'create', 'echo', '--tcp', '80:8080', '--selector', 'run=echo']);
    await readyCount('run=echo', 3);
  });
  s.after(async () => {
    await lab.down();
    console.log(`${mode}: ${tally.passed} passed, ${tally.failed} failed`);
  });

  it('ClusterIP from a pod reaches pods on every node', async () => {
    const client = await podOn(n1.name);
    const answers = await fromPod(client.metadata.name, `http://${await clusterIp('echo')}/`, 30);
    assert.is(answers.length, 30, 'every request answered');
    assert.equal([...new Set(answers.map((a) => a.node))].sort(), lab.nodes.map((n) => n.name));
    const fromOthers = answers.filter((a) => a.pod !== client.metadata.name);
    if (traits.keepsClientIp) for (const a of fromOthers) assert.is(a.clientIP, client.status!.podIP, 'pod -> ClusterIP keeps the source');
    else for (const a of fromOthers) assert.is.not(a.clientIP, client.status!.podIP, `${mode} dials from the node (README: client address lost)`);
  });

  it("a node's own processes reach a ClusterIP", async () => {
    const res = await lab.onNode(n2.name, ['curl', '-s', '-m', '2', `http://${await clusterIp('echo')}/`]);
    assert.is(res.code, 0, res.stderr);
    assert.match(JSON.parse(res.stdout).pod, /^echo-/);
  });

  it('a service without endpoints refuses at once (connection refused, never a timeout)', async () => {
    await lab.minik(['svc', 'create', 'empty', '--tcp', '80', '--selector', 'run=nothing']);
    const ip = await clusterIp('empty');
    const client = await podOn(n1.name);
    const code = await eventually('the empty service refused', async () => {
      const r = await lab.minik(['exec', client.metadata.name, '--', 'curl', '-s', '--connect-timeout', '2', `http://${ip}/`], { allowFailure: true });
      return r.code === 7 ? 7 : undefined; // curl 7 = refused; 28 = timed out
    }, 10_000);
    assert.is(code, 7);
  });

  it('NodePort answers from the host and from the outside client, on every node', async () => {
    await lab.minik(['svc', 'create', 'np', '--type', 'NodePort', '--tcp', '80:8080', '--selector', 'run=echo']);
    const port = await nodePort('np');
    for (const n of lab.nodes) {
      const viaHost = await eventually(`NodePort ${n.ip}:${port} from the host`, async () => {
        const r = await lab.host(['curl', '-s', '-m', '2', `http://${n.ip}:${port}/`]);
        return r.code === 0 ? (JSON.parse(r.stdout) as Echo) : undefined;
      });
      assert.match(viaHost.pod, /^echo-/);
    }
    const answers = await fromClient(`http://${n1.ip}:${port}/`, 20);
    assert.is(answers.length, 20);
    assert.ok(new Set(answers.map((a) => a.node)).size >= 2, 'policy Cluster spreads over nodes');
  });

  it('LoadBalancer: the outside client reaches the service through its LB IP', async () => {
    await lab.minik(['svc', 'create', 'lb', '--type', 'LoadBalancer', '--tcp', '80:8080', '--selector', 'run=echo']);
    const ip = await eventually('an LB IP', async () => (await json<Service>(['svc', 'lb'])).status?.loadBalancer?.ingress?.[0]?.ip, 15_000);
    const answers = await eventually('answers through the LB IP', async () => {
      const a = await fromClient(`http://${ip}/`, 10);
      return a.length === 10 ? a : undefined;
    }, 20_000);
    assert.ok(answers.every((a) => a.pod.startsWith('echo-')));
  });

  it('session affinity ClientIP: every request from one client lands on the same pod', async () => {
    await lab.minik(['svc', 'create', 'sticky', '--tcp', '80:8080', '--selector', 'run=echo', '--session-affinity', 'ClientIP']);
    const client = await podOn(n2.name);
    const answers = await fromPod(client.metadata.name, `http://${await clusterIp('sticky')}/`, 20);
    assert.is(answers.length, 20);
    assert.is(new Set(answers.map((a) => a.pod)).size, 1, `one pod: ${[...new Set(answers.map((a) => a.pod))]}`);
  });

  it('endpoints follow pods: a deleted pod gets no more requests, a new one gets them', async () => {
    const client = await podOn(n1.name);
    const ip = await clusterIp('echo');
    const victim = (await pods('run=echo')).find((p) => p.metadata.name !== client.metadata.name)!;
    await lab.minik(['delete', 'pod', victim.metadata.name]);
    await eventually('endpoints without the deleted pod', async () => {
      const eps = await json<Endpoints>(['endpoints', 'echo']);
      const ips = (eps.subsets ?? []).flatMap((x) => (x.addresses ?? []).map((a) => a.ip));
      return ips.includes(victim.status!.podIP!) ? undefined : true;
    }, 5_000);
    await new Promise((r) => setTimeout(r, 500)); // the agents' sync after the Endpoints event
    const after = await fromPod(client.metadata.name, `http://${ip}/`, 20);
    assert.is(after.length, 20, 'every request answered');
    assert.not.ok(after.some((a) => a.pod === victim.metadata.name), 'nothing from the deleted pod');
    await lab.minik(['run', 'echo-new', '--port', '8080', '--labels', 'run=echo', '--node', victim.spec.nodeName!]);
    const fresh = await eventually('the new pod answering through the service', async () => {
      const a = await fromPod(client.metadata.name, `http://${ip}/`, 15);
      return a.some((x) => x.pod === 'echo-new') ? a : undefined;
    }, 30_000);
    assert.ok(fresh.length > 0);
  });

  it('UDP: answers through the ClusterIP, and after its endpoint dies the same client flow is answered by another (conntrack flushed)', async () => {
    const udpPod = (name: string, node: string) => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { run: 'udp' } },
      spec: { nodeName: node, containers: [{ name: 'echo', image: 'echo', ports: [{ name: 'dns', containerPort: 5353, protocol: 'UDP' }] }] },
    });
    await apply('udp', [
      udpPod('udp-a', n1.name),
      udpPod('udp-b', n2.name),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'udp' }, spec: { selector: { run: 'udp' }, ports: [{ name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' }] } },
    ]);
    await readyCount('run=udp', 2);
    const ip = await clusterIp('udp');
    const client = await podOn(n1.name);
    // One fixed source port: the same conntrack entry each time, unless someone flushes it.
    const ask = async () => {
      const r = await lab.minik(['exec', client.metadata.name, '--', 'sh', '-c', `echo hi | socat -T 1 - UDP4:${ip}:53,sourceport=40053`], { allowFailure: true });
      return parseEchoes(r.stdout)[0];
    };
    const first = await eventually('a UDP answer', ask, 15_000);
    assert.is(first.protocol.toLowerCase(), 'udp');
    assert.is(first.port, 5353);
    await lab.minik(['delete', 'pod', first.pod]);
    const second = await eventually('the same flow answered by the other pod', async () => {
      const a = await ask();
      return a && a.pod !== first.pod ? a : undefined;
    }, 15_000);
    assert.match(second.pod, /^udp-/);
  });

  it('multi-port service with named target ports: each port reaches its own container port', async () => {
    await apply('multi', [
      {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'multi', labels: { run: 'multi' } },
        spec: { containers: [{ name: 'echo', image: 'echo', ports: [{ name: 'web', containerPort: 8080 }, { name: 'alt', containerPort: 9090 }] }] },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'multi' }, spec: { selector: { run: 'multi' }, ports: [{ name: 'a', port: 80, targetPort: 'web' }, { name: 'b', port: 81, targetPort: 'alt' }] } },
    ]);
    await readyCount('run=multi', 1);
    const ip = await clusterIp('multi');
    const client = await podOn(n2.name);
    const [a] = await eventually('port 80', async () => ((x) => (x.length ? x : undefined))(await fromPod(client.metadata.name, `http://${ip}:80/`, 1)));
    const [b] = await eventually('port 81', async () => ((x) => (x.length ? x : undefined))(await fromPod(client.metadata.name, `http://${ip}:81/`, 1)));
    assert.is(a.port, 8080);
    assert.is(b.port, 9090);
  });

  it('hairpin: a pod reaches a service whose only endpoint is itself', async () => {
    await lab.minik(['run', 'hairpin', '--port', '8080', '--node', n1.name]);
    await lab.minik(['svc', 'create', 'hairpin', '--tcp', '80:8080', '--selector', 'run=hairpin']);
    await readyCount('run=hairpin', 1);
    const answers = await eventually('the pod answering itself', async () => {
      const a = await fromPod('hairpin', `http://${await clusterIp('hairpin')}/`, 3);
      return a.length === 3 ? a : undefined;
    }, 15_000);
    assert.ok(answers.every((a) => a.pod === 'hairpin'));
  });

  it('externalTrafficPolicy Local: only the node with the endpoint answers, and (kernel modes) the pod sees the client', async () => {
    await lab.minik(['run', 'solo', '--port', '8080', '--node', n2.name]);
    await lab.minik(['svc', 'create', 'local', '--type', 'NodePort', '--tcp', '80:8080', '--selector', 'run=solo', '--external-traffic-policy', 'Local']);
    await readyCount('run=solo', 1);
    const port = await nodePort('local');
    const answers = await eventually('answers from the node with the endpoint', async () => {
      const a = await fromClient(`http://${n2.ip}:${port}/`, 5);
      return a.length === 5 ? a : undefined;
    }, 15_000);
    for (const a of answers) {
      assert.is(a.pod, 'solo');
      if (traits.keepsClientIp) assert.is(a.clientIP, lab.clientIp, 'client address preserved');
      else assert.is.not(a.clientIP, lab.clientIp, `${mode} dials from the node (README: client address lost)`);
    }
    const other = await lab.minik(['ssh', 'client', '--', 'curl', '-s', '-m', '2', `http://${n1.ip}:${port}/`], { allowFailure: true });
    assert.is.not(other.code, 0, 'a node without a local endpoint does not serve it');
  });

  it(`minik rules shows the ${mode} state, narrowed by --service`, async () => {
    const all = (await lab.minik(['rules', '--node', n1.name])).stdout;
    assert.match(all, traits.rules);
    const ip = await clusterIp('sticky');
    assert.ok(all.includes(ip), 'the sticky service is in the full listing');
    const one = (await lab.minik(['rules', '--node', n1.name, '--service', 'hairpin'])).stdout;
    assert.ok(one.includes(await clusterIp('hairpin')), 'the narrowed listing has the service');
    assert.not.ok(one.includes(ip), 'and not the others');
  });

  if (lab.canTrace) {
    it(`minik trace shows the ${mode} rules one connection hit`, async () => {
      const client = await podOn(n1.name);
      const out = (await lab.minik(['trace', client.metadata.name, `http://${await clusterIp('echo')}/`])).stdout;
      assert.match(out, /answer: \{"pod":"echo-/);
      assert.ok(traits.trace.test(out), `trace output:\n${out}`);
    });
  } else {
    console.log(`SKIP: minik trace: this lab provider runs no tracer yet (README: minik trace)`);
    s.skip('minik trace', async () => {});
  }

  if (options.switchTo) {
    const next = options.switchTo;
    it(`switching in place to ${next} leaves no ${mode} state, and services keep answering`, async () => {
      await lab.up(next);
      for (const n of lab.nodes) {
        await eventually(`${n.name} without ${mode} state`, async () => {
          const r = await lab.onNode(n.name, traits.stateProbe.argv);
          return traits.stateProbe.present.test(r.stdout) ? undefined : true;
        }, 15_000);
      }
      const rules = (await lab.minik(['rules', '--node', n1.name])).stdout;
      assert.match(rules, TRAITS[next].rules);
      assert.not.match(rules, traits.rules, 'never two modes');
      const client = await podOn(n1.name);
      const answers = await eventually(`answers in ${next} mode`, async () => {
        const a = await fromPod(client.metadata.name, `http://${await clusterIp('echo')}/`, 5);
        return a.length === 5 ? a : undefined;
      }, 20_000);
      assert.is(answers.length, 5);
    });
  }

  it('minik down leaves nothing behind', async () => {
    await lab.down();
    assert.equal(await lab.leftovers(), []);
  });

  s.run();
}
