import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Ingress } from '../../api/types.ts';
import { buildIngress, parseRule } from './ingress.ts';
import { harness } from './testing.ts';

test('a trailing * makes a Prefix path with the * dropped; any other path is Exact', () => {
  assert.equal(parseRule('foo.com/path*=svc:8080'), {
    host: 'foo.com',
    path: '/path',
    pathType: 'Prefix',
    backend: { service: { name: 'svc', port: { number: 8080 } } },
  });
  assert.equal(parseRule('foo.com/*=svc:http').path, '/');
  assert.equal(parseRule('foo.com/*=svc:http').backend, { service: { name: 'svc', port: { name: 'http' } } });
  assert.equal(parseRule('/exact=svc:80'), { host: '', path: '/exact', pathType: 'Exact', backend: { service: { name: 'svc', port: { number: 80 } } } });
  assert.is(parseRule('*.example.com/=svc:80').host, '*.example.com');
});

test('rules of one host share a rule; default backend and class', () => {
  const ing = buildIngress('demo', 'd', ['a.com/x*=s1:80', 'a.com/y=s2:81', 'b.com/*=s3:82'], 's0:80', 'minik');
  assert.equal(ing.spec, {
    ingressClassName: 'minik',
    defaultBackend: { service: { name: 's0', port: { number: 80 } } },
    rules: [
      {
        host: 'a.com',
        http: {
          paths: [
            { path: '/x', pathType: 'Prefix', backend: { service: { name: 's1', port: { number: 80 } } } },
            { path: '/y', pathType: 'Exact', backend: { service: { name: 's2', port: { number: 81 } } } },
          ],
        },
      },
      { host: 'b.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's3', port: { number: 82 } } } }] } },
    ],
  });
});

test('bad rules are clear errors', () => {
  const bad: [() => unknown, string][] = [
    [() => buildIngress('x', 'd', []), 'at least one --rule or --default-backend is required'],
    [() => parseRule('foo.com/path'), 'expected HOST/PATH=SERVICE:PORT'],
    [() => parseRule('foo.com=svc:80'), 'the path must start with /'],
    [() => parseRule('foo.com/=svc'), 'expected SERVICE:PORT'],
    [() => parseRule('foo.com/=svc:0'), 'port must be between 1 and 65535'],
    [() => parseRule('Foo_com/=svc:80'), 'bad host'],
  ];
  for (const [fn, message] of bad) assert.throws(fn, (err: Error) => err.message.includes(message), message);
});

test('ingress create sends it and prints ingress.networking.k8s.io/NAME created', async () => {
  const h = harness();
  const r = await h.run('ingress', 'create', 'demo', '-n', 'demo', '--rule', 'sub.example.com/*=cluster-ip:8080', '--rule', 'example.com/path/*=test-nodeport:8080', '--default-backend', 'cluster-ip:8080');
  assert.equal([r.code, r.out, r.err], [0, 'ingress.networking.k8s.io/demo created\n', '']);
  const ing = h.server.objects.get('ingresses/demo/demo') as Ingress;
  assert.equal(ing.spec.rules!.map((x) => [x.host, x.http!.paths[0].path, x.http!.paths[0].pathType]), [
    ['sub.example.com', '/', 'Prefix'],
    ['example.com', '/path/', 'Prefix'],
  ]);
  const bad = await h.run('ingress', 'create', 'x', '--rule', 'nohost');
  assert.equal([bad.code, bad.err.split('\n').length], [1, 2]);
  assert.equal(h.server.requests, ['POST /apis/networking.k8s.io/v1/namespaces/demo/ingresses']);
});

test.run();
