import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KubeObject, Service } from '../../api/types.ts';
import { buildService, serviceUrls } from './svc.ts';
import { harness, node, service } from './testing.ts';

test('buildService: ports named by protocol and port, defaults as kubectl create service', () => {
  assert.equal(buildService('web', 'demo', { type: 'NodePort', tcp: ['80:8080'], udp: ['53'], nodePort: undefined }), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'demo' },
    spec: {
      type: 'NodePort',
      ports: [
        { name: 'tcp-80', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: 'udp-53', protocol: 'UDP', port: 53, targetPort: 53 },
      ],
      selector: { app: 'web' },
    },
  });
});

test('buildService: every flag', () => {
  const s = buildService('web', 'd', {
    type: 'LoadBalancer',
    tcp: ['80:http'],
    selector: 'run=web,tier=front',
    nodePort: '30080',
    sessionAffinity: 'ClientIP',
    externalTrafficPolicy: 'Local',
  });
  assert.equal(s.spec, {
    type: 'LoadBalancer',
    ports: [{ name: 'tcp-80', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080 }],
    selector: { run: 'web', tier: 'front' },
    sessionAffinity: 'ClientIP',
    externalTrafficPolicy: 'Local',
  });
  assert.equal(buildService('h', 'd', { type: 'headless' }).spec, { type: 'ClusterIP', clusterIP: 'None', selector: { app: 'h' } });
  assert.equal(buildService('docs', 'd', { type: 'ExternalName', externalName: 'docs.example.com' }).spec, {
    type: 'ExternalName',
    externalName: 'docs.example.com',
  });
});

test('buildService: clear errors for bad flags', () => {
  const bad: [Parameters<typeof buildService>[2], string][] = [
    [{ type: 'Fancy', tcp: ['80'] }, 'invalid --type "Fancy": must be one of ClusterIP, NodePort, LoadBalancer, ExternalName, Headless'],
    [{ type: 'ClusterIP' }, '--type ClusterIP needs at least one --tcp or --udp port'],
    [{ tcp: ['0'] }, 'invalid --tcp port "0": must be a number between 1 and 65535'],
    [{ tcp: ['70000'] }, 'invalid --tcp port "70000"'],
    [{ tcp: ['80:8080:1'] }, 'expected PORT or PORT:TARGET'],
    [{ tcp: ['80', '80'] }, 'port 80/TCP is given twice'],
    [{ type: 'ExternalName' }, '--type ExternalName needs --external-name HOST'],
    [{ tcp: ['80'], externalName: 'x.com' }, '--external-name is only for --type ExternalName'],
    [{ tcp: ['80'], nodePort: '30000' }, '--node-port is only for --type NodePort or LoadBalancer'],
    [{ type: 'NodePort', tcp: ['80', '81'], nodePort: '30000' }, '--node-port needs exactly one'],
    [{ tcp: ['80'], sessionAffinity: 'Sticky' }, 'invalid --session-affinity "Sticky"'],
    [{ tcp: ['80'], externalTrafficPolicy: 'Local' }, '--external-traffic-policy is only for --type NodePort or LoadBalancer'],
    [{ tcp: ['80'], selector: 'novalue' }, 'invalid --selector'],
  ];
  for (const [flags, message] of bad) {
    assert.throws(() => buildService('web', 'd', flags), (err: Error) => err.message.includes(message), message);
  }
});

const pod = (name: string, namespace: string, labels: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'main', image: 'echo' }] },
});

test('svc create with a selector no pod matches says so, and which minik run would make them', async () => {
  const h = harness([pod('other', 'demo', { app: 'db' })]);
  let r = await h.run('svc', 'create', 'x', '--type', 'NodePort', '--tcp', '80');
  assert.equal([r.code, r.out, r.err], [0, 'service/x created (no pods match app=x yet: minik run x --labels app=x --port 80)\n', '']);
  r = await h.run('svc', 'create', 'web', '--tcp', '80:8080', '--udp', '53', '--selector', 'run=web', '-n', 'demo');
  assert.is(r.out, 'service/web created (no pods match run=web yet: minik run web -n demo --port 8080 --port 53/udp)\n');
  r = await h.run('svc', 'create', 'db', '--tcp', '5432', '--selector', 'app=db', '-n', 'demo');
  assert.is(r.out, 'service/db created\n', 'pod "other" matches');
  r = await h.run('svc', 'create', 'docs', '--type', 'ExternalName', '--external-name', 'docs.example.com');
  assert.is(r.out, 'service/docs created\n', 'an ExternalName selects nothing by design');
});

test('svc create sends the service and prints service/NAME created', async () => {
  const h = harness([pod('web-0', 'demo', { run: 'web' })]);
  const r = await h.run('svc', 'create', 'web', '--type', 'NodePort', '--tcp', '80:8080', '--tcp', '443', '--udp', '53', '-n', 'demo', '--selector', 'run=web');
  assert.equal([r.code, r.out, r.err], [0, 'service/web created\n', '']);
  const svc = h.server.objects.get('services/demo/web') as Service;
  assert.equal(svc.spec.ports!.map((p) => p.name), ['tcp-80', 'tcp-443', 'udp-53']);
  assert.equal(svc.spec.selector, { run: 'web' });
  const bad = await h.run('svc', 'create', 'x', '--type', 'Bogus', '--tcp', '80');
  assert.equal([bad.code, bad.err], [1, 'error: invalid --type "Bogus": must be one of ClusterIP, NodePort, LoadBalancer, ExternalName, Headless\n']);
  const np = await h.run('svc', 'create', 'y', '--type', 'NodePort', '--tcp', '80', '--node-port', '30111', '-o', 'json');
  assert.is(JSON.parse(np.out).spec.ports[0].nodePort, 30111);
  assert.is(h.server.requests.filter((q) => q.startsWith('POST')).length, 2);
});

const nodes = [node('node1', '192.168.77.11', true), node('node2', '192.168.77.12', true)];

test('serviceUrls: LB IP on the service port, every node on each nodePort; UDP as udp://', () => {
  const lb = service('lb', 'default', { type: 'LoadBalancer', ports: [{ port: 80, nodePort: 31000 }, { port: 53, protocol: 'UDP', nodePort: 31001 }] }, {
    status: { loadBalancer: { ingress: [{ ip: '192.168.77.200' }] } },
  }) as Service;
  assert.equal(serviceUrls(lb, nodes as never), [
    'http://192.168.77.200:80',
    'udp://192.168.77.200:53',
    'http://192.168.77.11:31000',
    'udp://192.168.77.11:31001',
    'http://192.168.77.12:31000',
    'udp://192.168.77.12:31001',
  ]);
});

test('svc url: NodePort URLs; ClusterIP and ExternalName explain why there is none', async () => {
  const h = harness([
    ...nodes,
    service('web', 'default', { type: 'NodePort', clusterIP: '10.96.0.5', ports: [{ port: 80, nodePort: 32000 }] }),
    service('inner', 'default', { type: 'ClusterIP', clusterIP: '10.96.0.6', ports: [{ port: 80 }] }),
    service('docs', 'default', { type: 'ExternalName', externalName: 'docs.example.com' }),
  ]);
  let r = await h.run('svc', 'url', 'web');
  assert.equal([r.code, r.out], [0, 'http://192.168.77.11:32000\nhttp://192.168.77.12:32000\n']);
  r = await h.run('svc', 'url', 'inner');
  assert.is(r.code, 1);
  assert.match(r.err, 'service "inner" is of type ClusterIP (10.96.0.6): it is reachable only inside the cluster');
  r = await h.run('svc', 'url', 'docs');
  assert.match(r.err, 'ExternalName alias for docs.example.com');
  r = await h.run('svc', 'url', 'nope');
  assert.is(r.err, 'Error from server (NotFound): services "nope" not found\n');
});

test.run();
