// The CLI against the real apiserver, in-process on loopback (ephemeral
// ports, a temporary data dir): the shared examples, apply's unchanged and
// configured paths, errors as the server words them, status and svc url.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningApiserver } from '../../apiserver/server.ts';
import { runCli } from './run-cli.ts';
import type { Io } from './types.ts';

const EXAMPLES = join(import.meta.dirname, '../../../shared/examples');
const manifest = (name: string) =>
  existsSync(join(EXAMPLES, name)) ? readFile(join(EXAMPLES, name), 'utf8') : Promise.resolve(FALLBACK[name]);

// The same manifests, for checkouts without ../shared.
const FALLBACK: Record<string, string> = {
  'namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n',
  'nodeport.yaml':
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: test-nodeport\n  namespace: demo\nspec:\n  type: NodePort\n  selector:\n    app: echo\n  ports:\n    - port: 8080\n      targetPort: 8080\n      nodePort: 32540\n',
  'loadbalancer.yaml':
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: test-lb\n  namespace: demo\nspec:\n  type: LoadBalancer\n  selector:\n    app: echo\n  ports:\n    - port: 80\n      targetPort: 8080\n      name: http\n',
};

let dir = '';
let server: RunningApiserver | undefined;
let env: Record<string, string> = {};

async function minik(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return minikWith({}, ...argv);
}

async function minikWith(extra: Partial<Io> & { onOut?: (text: string) => void }, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const files = new Map<string, string>();
  for (const name of ['namespace.yaml', 'nodeport.yaml', 'loadbalancer.yaml']) files.set(name, await manifest(name));
  const io: Io = {
    out: (t) => {
      out.push(t);
      extra.onOut?.(out.join(''));
    },
    err: (t) => void err.push(t),
    readStdin: async () => '',
    readFile: async (p) => {
      if (p.startsWith(dir)) return readFile(p, 'utf8'); // the apiserver's CA
      const text = files.get(p) ?? files.get(p.replace(/^stdin:/, ''));
      if (text === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return text;
    },
    env,
    now: () => new Date(),
    untilSignal: () => new Promise(() => {}),
    selfArgv: ['minik'],
    ...(extra.untilSignal ? { untilSignal: extra.untilSignal } : {}),
  };
  const code = await runCli(argv, io);
  return { code, out: out.join(''), err: err.join('') };
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'minik-cli-'));
  const { startApiserver } = await import('../../apiserver/server.ts');
  server = await startApiserver({
    dataDir: dir,
    listen: [{ host: '127.0.0.1', port: 0 }],
    grpcListen: [{ host: '127.0.0.1', port: 0 }],
    serviceCidr: '10.96.0.0/12',
    nodePortRange: '30000-32767',
    clusterCidr: '10.244.0.0/16',
    lbPool: '192.168.77.200-192.168.77.250',
    tokenFile: join(dir, 'token'),
  });
  env = { HOME: dir, MINIK_SERVER: server.urls[0], MINIK_TOKEN: server.token, MINIK_CA_FILE: server.caFile };
});

test.after(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('examples apply: created, then unchanged; get svc shows allocations', async () => {
  for (const f of ['namespace.yaml', 'nodeport.yaml', 'loadbalancer.yaml']) {
    const r = await minik('apply', '-f', f);
    assert.equal([r.code, r.err], [0, ''], f);
    // loadbalancer.yaml selects app=echo, which no pod carries yet: apply says so.
    assert.match(r.out, / created( \(no pods match [^)]*\))?\n$/);
  }
  for (const f of ['namespace.yaml', 'nodeport.yaml', 'loadbalancer.yaml']) assert.match((await minik('apply', '-f', f)).out, / unchanged\n$/, f);
  const r = await minik('get', 'svc', '-n', 'demo');
  assert.match(r.out, /test-nodeport\s+NodePort\s+10\.\d+\.\d+\.\d+\s+<none>\s+8080:32540\/TCP/);
  assert.match(r.out, /test-lb\s+LoadBalancer\s+10\.\d+\.\d+\.\d+\s+192\.168\.77\.2\d\d\s+80:3\d{4}\/TCP/);
});

test('a taken nodePort: the Kubernetes message, nothing stored', async () => {
  const r = await minik('svc', 'create', 'np2', '-n', 'demo', '--type', 'NodePort', '--tcp', '8080', '--node-port', '32540');
  assert.is(r.code, 1);
  assert.is(r.err, 'Error from server (Invalid): Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 32540: provided port is already allocated\n');
  assert.is((await minik('get', 'svc', 'np2', '-n', 'demo')).err, 'Error from server (NotFound): services "np2" not found\n');
});

test('svc create, run, describe, delete round trip', async () => {
  assert.is((await minik('svc', 'create', 'web', '--type', 'NodePort', '--tcp', '80:8080', '--selector', 'run=web')).out, 'service/web created (no pods match run=web yet: minik run web --port 8080)\n');
  assert.is((await minik('run', 'web', '--replicas', '2', '--port', '8080')).out, 'pod/web-0 created\npod/web-1 created\n');
  const pods = await minik('get', 'pods', '-l', 'run=web', '-o', 'name');
  assert.is(pods.out, 'pod/web-0\npod/web-1\n');
  const d = await minik('describe', 'svc', 'web');
  assert.match(d.out, /Selector:\s+run=web\n/);
  assert.match(d.out, /NodePort:\s+tcp-80  3\d{4}\/TCP\n/);
  assert.is((await minik('delete', 'pod', 'web-0', 'web-1')).out, 'pod "web-0" deleted\npod "web-1" deleted\n');
  assert.is((await minik('delete', 'svc', 'web')).out, 'service "web" deleted\n');
});

test('status and svc url follow registered nodes', async () => {
  assert.is((await minik('status')).code, 1);
  await server!.nodes.register({ name: 'node1', internalIP: '192.168.77.11' });
  await server!.nodes.heartbeat('node1');
  const s = await minik('status');
  assert.equal([s.code, s.err], [0, '']);
  assert.match(s.out, /node1\s+Ready\s+192\.168\.77\.11\s+10\.244\.\d+\.0\/24/);
  const urls = await minik('svc', 'url', 'test-nodeport', '-n', 'demo');
  assert.match(urls.out, 'http://192.168.77.11:32540\n');
});

test('get svc -w over the real HTTPS watch: the list, then a row when a service appears; a signal ends it', async () => {
  let stop!: (s: string) => void;
  let sawRow!: () => void;
  const seen = new Promise<void>((r) => (sawRow = r));
  const watching = minikWith(
    { untilSignal: () => new Promise<string>((r) => (stop = r)), onOut: (text) => /\nwatched\s+ClusterIP/.test(text) && sawRow() },
    'get', 'svc', '-w', '-n', 'demo',
  );
  await new Promise((r) => setTimeout(r, 500));
  assert.is((await minik('svc', 'create', 'watched', '-n', 'demo', '--tcp', '80')).code, 0);
  await Promise.race([seen, new Promise((_, reject) => setTimeout(() => reject(new Error('no watch row within 10 s')), 10_000))]);
  stop('SIGINT');
  const r = await watching;
  assert.equal([r.code, r.err], [0, '']);
  assert.match(r.out, /^NAME\s+TYPE\s+CLUSTER-IP/);
  assert.match(r.out, /\nwatched\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP/);
});

test('HTTPS: without the CA, or with a CA file that is not there, the CLI refuses to talk and says why', async () => {
  assert.match(server!.urls[0], /^https:\/\//);
  const saved = env;
  try {
    env = { ...saved, MINIK_CA_FILE: '' };
    let r = await minik('get', 'pods');
    assert.is(r.code, 1);
    assert.match(r.err, /^Unable to connect to the server: tls: failed to verify certificate: /);
    r = await minik('get', 'pods', '--ca-file', join(dir, 'missing.crt'));
    assert.is(r.code, 1);
    assert.ok(r.err.startsWith(`error: error loading certificate authority "${join(dir, 'missing.crt')}": `), r.err);
    env = { ...saved, MINIK_CA_FILE: '' };
    r = await minik('get', 'pods', '--ca-file', server!.caFile);
    assert.equal([r.code, r.err], [0, 'No resources found in default namespace.\n'], 'the --ca-file flag works too');
  } finally {
    env = saved;
  }
});

test('a wrong token is Unauthorized', async () => {
  const r = await minik('get', 'pods', '--token', 'wrong');
  assert.equal([r.code, r.err], [1, 'Error from server (Unauthorized): Unauthorized\n']);
});

test.run();
