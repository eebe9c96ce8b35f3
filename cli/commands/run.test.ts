import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pod } from '../../api/types.ts';
import { buildPods } from './run.ts';
import { harness } from './testing.ts';

test('--port PORT/udp and PORT/tcp set the container port protocol; the same number over both is two ports', () => {
  const [pod] = buildPods('dns', 'default', { ports: ['5353/udp', '5353/TCP', '8080'] });
  assert.equal(pod.spec.containers[0].ports, [
    { containerPort: 5353, protocol: 'UDP' },
    { containerPort: 5353, protocol: 'TCP' },
    { containerPort: 8080, protocol: 'TCP' },
  ]);
  assert.throws(() => buildPods('x', 'default', { ports: ['53/sctp'] }), /invalid --port "53\/sctp": expected PORT, PORT\/tcp or PORT\/udp/);
  assert.throws(() => buildPods('x', 'default', { ports: ['53/udp', '53/UDP'] }), /same port twice/);
});

test('buildPods: one pod NAME, labelled run=NAME, echo image, container ports', () => {
  assert.equal(buildPods('web', 'demo', { ports: ['8080', '9090'], labels: 'app=web' }), [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'demo', labels: { run: 'web', app: 'web' } },
      spec: {
        restartPolicy: 'Always',
        containers: [{ name: 'web', image: 'echo', ports: [{ containerPort: 8080, protocol: 'TCP' }, { containerPort: 9090, protocol: 'TCP' }] }],
      },
    },
  ]);
});

test('buildPods: replicas NAME-0..N-1, --node, -- CMD replaces echo', () => {
  const pods = buildPods('echo', 'd', { replicas: '3', node: 'node2' });
  assert.equal(pods.map((p) => p.metadata.name), ['echo-0', 'echo-1', 'echo-2']);
  assert.ok(pods.every((p) => p.spec.nodeName === 'node2'));
  const cmd = buildPods('sleeper', 'd', { image: 'busybox', command: ['sleep', '3600'] });
  assert.equal(cmd[0].spec.containers[0], { name: 'sleeper', image: 'busybox', command: ['sleep', '3600'] });
});

test('buildPods: clear errors', () => {
  const bad: [Parameters<typeof buildPods>[2], string, string?][] = [
    [{ image: 'nginx' }, '--image nginx is not available'],
    [{ ports: ['0'] }, 'invalid --port "0"'],
    [{ ports: ['65536'] }, 'invalid --port "65536"'],
    [{ ports: ['http'] }, 'invalid --port "http"'],
    [{ ports: ['80', '80'] }, 'same port twice'],
    [{ replicas: '0' }, 'invalid --replicas "0"'],
    [{ replicas: 'two' }, 'invalid --replicas "two"'],
    [{ labels: 'app' }, 'invalid --labels'],
    [{ labels: 'app=-bad-' }, 'invalid --labels'],
    [{}, 'invalid pod name', 'Bad_Name'],
  ];
  for (const [flags, message, name] of bad) {
    assert.throws(() => buildPods(name ?? 'web', 'd', flags), (err: Error) => err.message.includes(message), message);
  }
});

test('run creates the pods and prints pod/NAME created', async () => {
  const h = harness();
  const r = await h.run('run', 'echo', '--replicas', '2', '--port', '8080', '--labels', 'app=echo', '-n', 'demo');
  assert.equal([r.code, r.out, r.err], [0, 'pod/echo-0 created\npod/echo-1 created\n', '']);
  const pod = h.server.objects.get('pods/demo/echo-1') as Pod;
  assert.equal(pod.metadata.labels, { run: 'echo', app: 'echo' });
  assert.equal(pod.spec.containers[0].ports, [{ containerPort: 8080, protocol: 'TCP' }]);
  const cmd = await h.run('run', 'shell', '--', 'sh', '-c', 'sleep 1; echo -n hi');
  assert.is(cmd.code, 0);
  assert.equal((h.server.objects.get('pods/default/shell') as Pod).spec.containers[0].command, ['sh', '-c', 'sleep 1; echo -n hi']);
});

test('a bad flag or an existing pod creates nothing', async () => {
  const h = harness();
  await h.run('run', 'echo', '--replicas', '3');
  const before = h.server.objects.size;
  let r = await h.run('run', 'web', '--replicas', '2', '--port', '99999');
  assert.equal([r.code, r.err], [1, 'error: invalid --port "99999": must be a number between 1 and 65535\n']);
  r = await h.run('run', 'web', '--labels', 'a=b,c');
  assert.equal([r.code, r.err], [1, 'error: invalid --labels: unexpected label spec: c\n']);
  r = await h.run('run', 'web', '--image', 'nginx');
  assert.is(r.code, 1);
  r = await h.run('run', 'echo', '--replicas', '4');
  assert.equal([r.code, r.err], [1, 'Error from server (AlreadyExists): pods "echo-0" already exists\n']);
  assert.is(h.server.objects.size, before);
});

test.run();
