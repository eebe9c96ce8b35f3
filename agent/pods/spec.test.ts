import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pod } from '../../api/types.ts';
import { hostVethName, podProcessSpec, resolvConf, restartDelayMs, shouldRestart, UNSUPPORTED_IMAGE_MESSAGE } from './spec.ts';

const ctx = { nodeName: 'node2', podIP: '10.244.2.7', echoCommand: (ports: { port: number; protocol: string }[]) => ['minik', 'echo', ...ports.map((p) => `${p.port}/${p.protocol}`)] };
const pod = (containers: Pod['spec']['containers']): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team' }, spec: { containers } });

test('echo image serves every containerPort of every container, TCP by default', () => {
  const r = podProcessSpec(
    pod([
      { name: 'a', image: 'echo:latest', ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }] },
      { name: 'b', image: 'sidecar', ports: [{ containerPort: 9000 }] },
    ]),
    ctx,
  );
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.spec.argv, ['minik', 'echo', '80/TCP', '53/UDP', '9000/TCP']);
  assert.is(r.spec.readinessPort, 80);
  assert.is(r.spec.restartPolicy, 'Always');
  assert.equal([r.spec.env.MINIK_POD, r.spec.env.MINIK_NAMESPACE, r.spec.env.MINIK_NODE, r.spec.env.MINIK_POD_IP], ['p', 'team', 'node2', '10.244.2.7']);
});

test('image names with registry and tag still mean echo; echo without ports listens on 8080', () => {
  for (const image of ['echo', 'docker.io/library/echo:1.0', 'localhost:5000/echo']) {
    const r = podProcessSpec(pod([{ name: 'a', image }]), ctx);
    assert.ok(r.ok, image);
    if (r.ok) assert.equal(r.spec.argv, ['minik', 'echo', '8080/TCP']);
  }
});

test('UDP-only pods have no readiness port (Ready while running)', () => {
  const r = podProcessSpec(pod([{ name: 'a', image: 'echo', ports: [{ containerPort: 53, protocol: 'UDP' }] }]), ctx);
  assert.ok(r.ok && r.spec.readinessPort === undefined);
});

test('other images need a command; no containers is an error too', () => {
  const r = podProcessSpec(pod([{ name: 'a', image: 'nginx' }]), ctx);
  assert.equal(r, { ok: false, reason: 'UnsupportedImage', message: `${UNSUPPORTED_IMAGE_MESSAGE} (image "nginx")` });
  assert.is(podProcessSpec(pod([]), ctx).ok, false);
  const cmd = podProcessSpec(pod([{ name: 'a', image: 'nginx', command: ['python3', '-m'], args: ['http.server'] }]), ctx);
  assert.ok(cmd.ok && cmd.spec.argv.join(' ') === 'python3 -m http.server');
});

test('host veth names are stable, distinct and fit in 15 characters', () => {
  const a = hostVethName('default', 'web-0');
  assert.match(a, /^veth[0-9a-f]{8}$/);
  assert.is(a, hostVethName('default', 'web-0'));
  assert.is.not(a, hostVethName('default', 'web-1'));
  assert.is.not(hostVethName('a', 'b_c'), hostVethName('a_b', 'c'));
});

test('restart backoff doubles and caps; restart policy', () => {
  assert.equal([1, 2, 3, 4, 10].map((n) => restartDelayMs(n, 1000, 5000)), [1000, 2000, 4000, 5000, 5000]);
  assert.equal([shouldRestart('Always', 0), shouldRestart('OnFailure', 0), shouldRestart('OnFailure', 1), shouldRestart('Never', 1)], [true, false, true, false]);
});

test('resolv.conf follows the design', () => {
  assert.is(resolvConf('team', '10.96.0.10', 'cluster.local'), 'nameserver 10.96.0.10\nsearch team.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
});

test.run();
