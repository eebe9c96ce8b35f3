// End-to-end: Ingress on a real 2-node lab. Every node serves HTTP on :80
// and :30080 and routes by host and path to service endpoints; requests come
// from the lab's outside client namespace, as a browser on the LAN would.
// Lab `mking` on 192.168.84.0/24, torn down in `after` even when a test fails.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { labLayout } from '../api/layout.ts';
import type { Pod } from '../api/types.ts';
import { eventually, makeLab } from './support/lab.ts';
import { netnsUnavailable, skipTest } from './support/skip.ts';

const LAB = 'mking';
const LAN = '192.168.84.0/24';
const NODE1 = '192.168.84.11';
const NODE2 = '192.168.84.12';
const lab = makeLab(LAB, LAN);
const CLIENT = labLayout(LAB).clientNetns;

interface Answer {
  status: number;
  body: string;
  /** the echo pod that answered, when it was one */
  pod?: string;
}

/** One request from the outside client, with the Host header set. */
async function fromClient(url: string, host: string): Promise<Answer> {
  const res = await lab.inNetns(CLIENT, ['curl', '-s', '-m', '3', '-H', `Host: ${host}`, '-w', '\n%{http_code}', url]);
  if (res.code !== 0) throw new Error(`curl ${url} (Host ${host}) exited ${res.code}: ${res.stderr}`);
  const lines = res.stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  const body = lines.join('\n');
  let pod: string | undefined;
  try {
    pod = (JSON.parse(body) as { pod?: string }).pod;
  } catch {
    pod = undefined;
  }
  return { status, body, pod };
}

/** Polls until a request answers as `accept` wants (the agents program new ingresses within a sync). */
const until = (what: string, url: string, host: string, accept: (a: Answer) => boolean) =>
  eventually(what, async () => {
    const a = await fromClient(url, host);
    if (!accept(a)) throw new Error(`got ${a.status} ${a.body.slice(0, 120)}`);
    return a;
  }, 15_000, 200);

const readyPods = async () =>
  (JSON.parse((await lab.minik(['get', 'pods', '-o', 'json'])).stdout) as { items: Pod[] }).items.filter((p) =>
    p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );

const skip = netnsUnavailable();
if (skip) {
  skipTest(test, 'ingress e2e', skip);
} else {
  test.before(async () => {
    await lab.minik(['down', '--name', LAB], { allowFailure: true }); // leftovers of a killed run
    await lab.minik(['up', '--name', LAB, '--lan', LAN, '--nodes', '2']);
    await lab.minik(['run', 'a', '--replicas', '2', '--port', '8080']);
    await lab.minik(['run', 'b', '--port', '8080']);
    await lab.minik(['svc', 'create', 'a', '--tcp', '8080', '--selector', 'run=a']);
    await lab.minik(['svc', 'create', 'b', '--tcp', '8080', '--selector', 'run=b']);
    await lab.minik(['svc', 'create', 'empty', '--tcp', '8080', '--selector', 'run=nothing']);
    await lab.minik([
      'ingress', 'create', 'demo',
      '--rule', 'sub.example.com/*=a:8080',
      '--rule', 'example.com/path/*=b:8080',
      '--rule', 'empty.example.com/*=empty:8080',
      '--default-backend', 'a:8080',
    ]);
    await eventually('3 ready pods', async () => ((await readyPods()).length === 3 ? true : undefined), 30_000);
  });

  test.after(async () => {
    await lab.down();
  });

  test('sub.example.com reaches an `a` pod through node1:80, round-robin over both', async () => {
    await until('sub.example.com to answer from a', `http://${NODE1}/`, 'sub.example.com', (a) => a.status === 200 && !!a.pod?.startsWith('a-'));
    const pods = new Set<string>();
    for (let i = 0; i < 6; i++) pods.add((await fromClient(`http://${NODE1}/anything`, 'sub.example.com')).pod ?? '?');
    assert.equal([...pods].sort(), ['a-0', 'a-1']);
  });

  test('example.com/path/x reaches `b`; /path too (Prefix ignores the trailing slash)', async () => {
    const a = await until('example.com/path/x to answer from b', `http://${NODE1}/path/x`, 'example.com', (r) => r.status === 200 && !!r.pod);
    assert.is(a.pod, 'b');
    assert.is((await fromClient(`http://${NODE1}/path`, 'example.com')).pod, 'b');
  });

  test('example.com/pathx falls to the default backend (`a`): Prefix matches whole path elements', async () => {
    const a = await fromClient(`http://${NODE1}/pathx`, 'example.com');
    assert.is(a.status, 200);
    assert.ok(a.pod?.startsWith('a-'), a.body);
  });

  test('node2 answers too, on :80 and on the ingress node port 30080', async () => {
    assert.is((await fromClient(`http://${NODE2}/path/y`, 'example.com')).pod, 'b');
    assert.is((await fromClient(`http://${NODE2}:30080/path/y`, 'example.com:30080')).pod, 'b');
    assert.ok((await fromClient(`http://${NODE1}:30080/`, 'sub.example.com')).pod?.startsWith('a-'));
  });

  test('a backend service without endpoints answers 503', async () => {
    const a = await fromClient(`http://${NODE1}/`, 'empty.example.com');
    assert.is(a.status, 503, a.body);
  });

  test('with no default backend and no matching rule: 404; an Exact rule matches only itself', async () => {
    await lab.minik(['delete', 'ingress', 'demo']);
    await lab.minik(['ingress', 'create', 'strict', '--rule', 'only.example.com/exact=b:8080']);
    // Watch events arrive in order: once `strict` routes, `demo` (deleted before) is gone.
    await until('the strict ingress to route', `http://${NODE2}/exact`, 'only.example.com', (r) => r.pod === 'b');
    assert.is((await fromClient(`http://${NODE1}/`, 'sub.example.com')).status, 404);
    assert.is((await fromClient(`http://${NODE2}/exact/x`, 'only.example.com')).status, 404);
    assert.is((await fromClient(`http://${NODE2}/exact`, 'other.example.com')).status, 404);
  });
}

test.run();
