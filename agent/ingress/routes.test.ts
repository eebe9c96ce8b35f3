import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import type { Endpoints, Ingress, IngressPath, IngressRule, Service } from '../../api/types.ts';
import { buildRouteTable, hostOf, route, type RouteResult, type RouteTable } from './routes.ts';

// ---- fixtures ---------------------------------------------------------------

/** A one-port service `name` on port 80 (named `http` when asked), endpoints 10.0.0.N:8080. */
function service(name: string, opts: { namespace?: string; portName?: string; ips?: string[]; port?: number } = {}) {
  const namespace = opts.namespace ?? 'default';
  const port = opts.port ?? 80;
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { ports: [{ port, targetPort: 8080, protocol: 'TCP', ...(opts.portName ? { name: opts.portName } : {}) }] },
  };
  const ep: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace },
    subsets: [{ addresses: (opts.ips ?? ['10.0.0.1']).map((ip) => ({ ip })), ports: [{ port: 8080, protocol: 'TCP', ...(opts.portName ? { name: opts.portName } : {}) }] }],
  };
  return { svc, ep };
}

const backend = (svc: string, port: number | string = 80) => ({
  service: { name: svc, port: typeof port === 'number' ? { number: port } : { name: port } },
});

function ingress(name: string, rules: IngressRule[], opts: { defaultBackend?: string; created?: string; namespace?: string } = {}): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: opts.namespace ?? 'default', creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z' },
    spec: { rules, ...(opts.defaultBackend ? { defaultBackend: backend(opts.defaultBackend) } : {}) },
  };
}

const path = (p: string, pathType: IngressPath['pathType'], svc: string): IngressPath => ({ path: p, pathType, backend: backend(svc) });

function tableOf(ingresses: Ingress[], names: string[]): RouteTable {
  const made = names.map((n) => service(n));
  return buildRouteTable(ingresses, made.map((m) => m.svc), made.map((m) => m.ep));
}

/** The service a request reaches, or the status code. */
function outcome(r: RouteResult): string | number {
  return r.status === 200 ? r.backend.service : r.status;
}

// ---- the Kubernetes documentation's path examples ------------------------------
// (https://kubernetes.io/docs/concepts/services-networking/ingress/#examples)

const docExamples: { paths: [string, IngressPath['pathType']][]; request: string; expect: string | number }[] = [
  { paths: [['/', 'Prefix']], request: '/anything', expect: '/' },
  { paths: [['/foo', 'Exact']], request: '/foo', expect: '/foo Exact' },
  { paths: [['/foo', 'Exact']], request: '/bar', expect: 404 },
  { paths: [['/foo', 'Exact']], request: '/foo/', expect: 404 },
  { paths: [['/foo/', 'Exact']], request: '/foo', expect: 404 },
  { paths: [['/foo', 'Prefix']], request: '/foo', expect: '/foo' },
  { paths: [['/foo', 'Prefix']], request: '/foo/', expect: '/foo' },
  { paths: [['/foo/', 'Prefix']], request: '/foo', expect: '/foo/' },
  { paths: [['/foo/', 'Prefix']], request: '/foo/', expect: '/foo/' },
  { paths: [['/aaa/bb', 'Prefix']], request: '/aaa/bbb', expect: 404 },
  { paths: [['/aaa/bbb', 'Prefix']], request: '/aaa/bbb', expect: '/aaa/bbb' },
  { paths: [['/aaa/bbb/', 'Prefix']], request: '/aaa/bbb', expect: '/aaa/bbb/' },
  { paths: [['/aaa/bbb', 'Prefix']], request: '/aaa/bbb/', expect: '/aaa/bbb' },
  { paths: [['/aaa/bbb', 'Prefix']], request: '/aaa/bbb/ccc', expect: '/aaa/bbb' },
  { paths: [['/aaa/bbb', 'Prefix']], request: '/aaa/bbbxyz', expect: 404 },
  { paths: [['/', 'Prefix'], ['/aaa', 'Prefix']], request: '/aaa/ccc', expect: '/aaa' },
  { paths: [['/aaa', 'Prefix'], ['/', 'Prefix']], request: '/aaa/ccc', expect: '/aaa' },
  { paths: [['/aaa', 'Prefix'], ['/aaa/bbb', 'Prefix']], request: '/aaa/ccc', expect: '/aaa' },
  { paths: [['/aaa', 'Prefix'], ['/aaa/bbb', 'Prefix']], request: '/aaa/bbb', expect: '/aaa/bbb' },
  { paths: [['/', 'Prefix'], ['/aaa', 'Prefix']], request: '/ccc', expect: '/' },
  { paths: [['/aaa', 'Prefix']], request: '/ccc', expect: 404 },
  { paths: [['/foo', 'Prefix'], ['/foo', 'Exact']], request: '/foo', expect: '/foo Exact' },
  { paths: [['/foo', 'Exact'], ['/foo', 'Prefix']], request: '/foo', expect: '/foo Exact' },
  { paths: [['/foo', 'Exact'], ['/foo', 'Prefix']], request: '/foo/x', expect: '/foo' },
  // ImplementationSpecific is treated as Prefix.
  { paths: [['/foo', 'ImplementationSpecific']], request: '/foo/bar', expect: '/foo' },
  { paths: [['/foo', 'ImplementationSpecific']], request: '/foobar', expect: 404 },
  // Longest match wins even when the longer one is Exact and the shorter Prefix, and vice versa.
  { paths: [['/a', 'Prefix'], ['/a/b', 'Exact']], request: '/a/b', expect: '/a/b Exact' },
  { paths: [['/a/b', 'Prefix'], ['/a/b/c', 'Exact']], request: '/a/b/c/d', expect: '/a/b' },
  // Query strings do not take part in matching; matching is case-sensitive.
  { paths: [['/foo', 'Exact']], request: '/foo?x=1', expect: '/foo Exact' },
  { paths: [['/foo', 'Prefix']], request: '/FOO', expect: 404 },
];

for (const [i, ex] of docExamples.entries()) {
  const label = `${ex.paths.map(([p, t]) => `${t} ${p}`).join(' + ')} ← ${ex.request}`;
  test(`path example ${i + 1}: ${label}`, () => {
    // Each path gets its own service, named after the path (and " Exact" when Exact),
    // so the outcome says which rule won.
    const svcName = (p: string, t: string) => (t === 'Exact' ? `${p} Exact` : p);
    const names = ex.paths.map(([p, t]) => svcName(p, t));
    const ing = ingress('doc', [{ http: { paths: ex.paths.map(([p, t]) => path(p, t, svcName(p, t))) } }]);
    // Names with '/' and spaces are not valid service names, but the router does not care.
    assert.is(outcome(route(tableOf([ing], names), 'example.com', ex.request)), ex.expect);
  });
}

// ---- hosts ----------------------------------------------------------------------

const hostTable = () =>
  tableOf(
    [
      ingress('hosts', [
        { host: 'foo.bar.com', http: { paths: [path('/', 'Prefix', 'exact')] } },
        { host: '*.bar.com', http: { paths: [path('/', 'Prefix', 'wild')] } },
        { http: { paths: [path('/any', 'Prefix', 'any')] } },
      ]),
    ],
    ['exact', 'wild', 'any'],
  );

const hostCases: [string | undefined, string, string | number][] = [
  ['foo.bar.com', '/', 'exact'],
  ['FOO.Bar.com:8080', '/', 'exact'], // case-insensitive, port stripped
  ['foo.bar.com.', '/', 'exact'], // trailing dot
  ['baz.bar.com', '/', 'wild'], // one label matches the wildcard
  ['baz.foo.bar.com', '/', 404], // two labels do not
  ['bar.com', '/', 404], // nor zero
  ['baz.foo.bar.com', '/any/x', 'any'], // rules without host match every host
  ['other.com', '/any', 'any'],
  [undefined, '/any', 'any'], // no Host header at all
  ['foo.bar.com', '/any', 'exact'], // the exact host's `/` is longer than nothing: exact host wins
];
for (const [host, p, expect] of hostCases) {
  test(`host ${host ?? '(none)'} ${p} → ${expect}`, () => {
    assert.is(outcome(route(hostTable(), host, p)), expect);
  });
}

test('a host class whose paths do not match falls through to less specific hosts, then the default backend', () => {
  const table = tableOf(
    [
      ingress(
        'fall',
        [
          { host: 'a.example.com', http: { paths: [path('/api', 'Prefix', 'exact')] } },
          { host: '*.example.com', http: { paths: [path('/web', 'Prefix', 'wild')] } },
          { http: { paths: [path('/static', 'Exact', 'any')] } },
        ],
        { defaultBackend: 'dflt' },
      ),
    ],
    ['exact', 'wild', 'any', 'dflt'],
  );
  assert.is(outcome(route(table, 'a.example.com', '/api/v1')), 'exact');
  assert.is(outcome(route(table, 'a.example.com', '/web')), 'wild');
  assert.is(outcome(route(table, 'a.example.com', '/static')), 'any');
  assert.is(outcome(route(table, 'a.example.com', '/static/x')), 'dflt');
});

test('hostOf strips ports, brackets and a trailing dot', () => {
  assert.is(hostOf('Example.com:80'), 'example.com');
  assert.is(hostOf('[::1]:8080'), '::1');
  assert.is(hostOf('example.com.'), 'example.com');
  assert.is(hostOf(undefined), '');
});

// ---- backends -------------------------------------------------------------------

test('a backend port by number resolves the service port, then its endpoints port', () => {
  const a = service('a', { portName: 'http', ips: ['10.0.0.1', '10.0.0.2'] });
  const table = buildRouteTable([ingress('i', [{ http: { paths: [path('/', 'Prefix', 'a')] } }])], [a.svc], [a.ep]);
  const r = route(table, 'x', '/');
  assert.equal(r, {
    status: 200,
    backend: { namespace: 'default', service: 'a', port: 80 },
    endpoints: [{ ip: '10.0.0.1', port: 8080 }, { ip: '10.0.0.2', port: 8080 }],
    ingress: 'default/i',
  });
});

test('a backend port by name resolves through the service port name', () => {
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'multi', namespace: 'default' },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'admin', port: 81, targetPort: 9090 }] },
  };
  const ep: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'multi', namespace: 'default' },
    subsets: [{ addresses: [{ ip: '10.0.0.9' }], ports: [{ name: 'http', port: 8080 }, { name: 'admin', port: 9090 }] }],
  };
  const ing = ingress('i', [{ http: { paths: [{ path: '/admin', pathType: 'Prefix', backend: backend('multi', 'admin') } , { path: '/', pathType: 'Prefix', backend: backend('multi', 80) }] } }]);
  const table = buildRouteTable([ing], [svc], [ep]);
  assert.equal((route(table, 'x', '/admin') as { endpoints: unknown }).endpoints, [{ ip: '10.0.0.9', port: 9090 }]);
  assert.equal((route(table, 'x', '/') as { endpoints: unknown }).endpoints, [{ ip: '10.0.0.9', port: 8080 }]);
});

test('no ready endpoints, a missing service or a missing port answer 503', () => {
  const a = service('a');
  a.ep.subsets = [{ notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ port: 8080 }] }];
  const ing = ingress('i', [
    { host: 'a', http: { paths: [path('/', 'Prefix', 'a')] } },
    { host: 'gone', http: { paths: [path('/', 'Prefix', 'gone')] } },
    { host: 'port', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('a', 9999) }] } },
  ]);
  const table = buildRouteTable([ing], [a.svc], [a.ep]);
  for (const host of ['a', 'gone', 'port']) {
    const r = route(table, host, '/');
    assert.is(r.status, 503, host);
    assert.ok(r.status === 503 && r.reason.length > 0);
  }
});

test('backends live in the ingress namespace', () => {
  const inDemo = service('a', { namespace: 'demo', ips: ['10.0.0.7'] });
  const inDefault = service('a', { ips: ['10.0.0.1'] });
  const ing = ingress('i', [{ http: { paths: [path('/', 'Prefix', 'a')] } }], { namespace: 'demo' });
  const table = buildRouteTable([ing], [inDefault.svc, inDemo.svc], [inDefault.ep, inDemo.ep]);
  assert.equal((route(table, 'x', '/') as { endpoints: unknown }).endpoints, [{ ip: '10.0.0.7', port: 8080 }]);
});

// ---- several ingresses ------------------------------------------------------------

test('without a match: the default backend, else 404', () => {
  const ing = ingress('i', [{ host: 'h', http: { paths: [path('/x', 'Exact', 'a')] } }]);
  assert.is(outcome(route(tableOf([ing], ['a']), 'h', '/y')), 404);
  const withDefault = ingress('j', [{ host: 'h', http: { paths: [path('/x', 'Exact', 'a')] } }], { defaultBackend: 'd' });
  assert.is(outcome(route(tableOf([withDefault], ['a', 'd']), 'h', '/y')), 'd');
});

test('the oldest ingress wins a conflicting rule and the default backend, whatever the list order', () => {
  const old = ingress('old', [{ host: 'h', http: { paths: [path('/', 'Prefix', 'old')] } }], { defaultBackend: 'old', created: '2026-01-01T00:00:00Z' });
  const young = ingress('young', [{ host: 'h', http: { paths: [path('/', 'Prefix', 'young')] } }], { defaultBackend: 'young', created: '2026-02-01T00:00:00Z' });
  for (const order of [[old, young], [young, old]]) {
    const table = tableOf(order, ['old', 'young']);
    assert.is(outcome(route(table, 'h', '/')), 'old');
    assert.is(outcome(route(table, 'nomatch', '/')), 'old');
  }
});

test('rules from several ingresses for one host merge; the longest path wins across them', () => {
  const one = ingress('one', [{ host: 'h', http: { paths: [path('/', 'Prefix', 'root')] } }]);
  const two = ingress('two', [{ host: 'h', http: { paths: [path('/api', 'Prefix', 'api')] } }], { created: '2026-03-01T00:00:00Z' });
  const table = tableOf([one, two], ['root', 'api']);
  assert.is(outcome(route(table, 'h', '/api/x')), 'api');
  assert.is(outcome(route(table, 'h', '/web')), 'root');
});

// ---- the shared example manifest --------------------------------------------------

// The design's example manifests live beside the repo (../shared/examples/).
const SHARED_EXAMPLE = new URL('../../../shared/examples/ingress.yaml', import.meta.url);

test('the shared example ingress.yaml routes as its comment says', () => {
  const ing = parse(readFileSync(SHARED_EXAMPLE, 'utf8')) as Ingress;
  const clusterIp = service('cluster-ip', { namespace: 'demo', port: 8080, ips: ['10.0.0.1'] });
  const nodePort = service('test-nodeport', { namespace: 'demo', port: 8080, ips: ['10.0.0.2'] });
  const table = buildRouteTable([ing], [clusterIp.svc, nodePort.svc], [clusterIp.ep, nodePort.ep]);
  assert.is(outcome(route(table, 'sub.example.com', '/')), 'cluster-ip');
  assert.is(outcome(route(table, 'sub.example.com', '/path/x')), 'cluster-ip');
  assert.is(outcome(route(table, 'example.com', '/path/x')), 'test-nodeport');
  assert.is(outcome(route(table, 'example.com', '/path')), 'test-nodeport'); // Prefix `/path/` matches `/path`
  assert.is(outcome(route(table, 'example.com', '/pathx')), 'cluster-ip'); // default backend
  assert.is(outcome(route(table, 'other.org', '/')), 'cluster-ip'); // default backend
});

test.run();
