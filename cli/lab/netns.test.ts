import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyLab, destroyLab, inspectLab, isLabNetns, planLab } from './netns.ts';
import { FakeExec } from '../../api/exec/fake.ts';
import { isLabError } from './errors.ts';

// UPDATE_GOLDEN=1 rewrites the golden file from the current plan (review the diff).
const GOLDEN = join(import.meta.dirname, 'testdata', 'plan-mkl-2-nodes.txt');

test('the plan for lab mkl with 2 nodes matches the golden command list', () => {
  const plan = planLab({ name: 'mkl', lan: '192.168.79.0/24', nodes: 2 });
  const text = plan.steps.map((s) => s.argv.join(' ')).join('\n') + '\n';
  if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, text);
  assert.fixture(text, readFileSync(GOLDEN, 'utf8'));
});

test('the plan adds exactly one thing to the host namespace: the host link', () => {
  const plan = planLab({ name: 'mkl', lan: '192.168.79.0/24', nodes: 3 });
  const hostCommands = plan.steps.map((s) => s.argv).filter((a) => a[0] === 'ip' && a[1] !== '-n' && a[1] !== 'netns');
  for (const argv of hostCommands) assert.ok(argv.includes('mkl-host'), `host command touches only mkl-host: ${argv.join(' ')}`);
  assert.not.ok(plan.steps.some((s) => s.argv.includes('route')), 'no route commands at all');
  assert.not.ok(plan.steps.some((s) => s.argv.includes('default')), 'no default route');
  assert.equal(plan.namespaces, ['mkl-lan', 'mkl-client', 'mkl-node1', 'mkl-node2', 'mkl-node3']);
});

test('every node gets its address and forwarding', () => {
  const plan = planLab({ name: 'mkl', lan: '192.168.79.0/24', nodes: 3 });
  const lines = plan.steps.map((s) => s.argv.join(' '));
  for (const [i, node] of plan.nodes.entries()) {
    assert.ok(lines.includes(`ip -n mkl-${node} addr replace 192.168.79.${11 + i}/24 dev eth0`), node);
    assert.ok(lines.includes(`ip netns exec mkl-${node} sysctl -qw net.ipv4.ip_forward=1`), node);
  }
  assert.ok(lines.includes('ip -n mkl-client addr replace 192.168.79.2/24 dev eth0'));
  assert.ok(lines.includes('ip addr replace 192.168.79.1/24 dev mkl-host'));
});

test('planLab refuses a bad name or LAN', () => {
  for (const [opts, code] of [
    [{ name: 'mk-l', lan: '192.168.79.0/24', nodes: 1 }, 'LAB_INVALID_NAME'],
    [{ name: 'mkl', lan: '192.168.79.0/25', nodes: 1 }, 'LAB_INVALID_LAN'],
    [{ name: 'mkl', lan: '192.168.79.0/24', nodes: 0 }, 'LAB_INVALID_OPTION'],
  ] as const) {
    try {
      planLab(opts);
      assert.unreachable();
    } catch (err) {
      assert.ok(isLabError(err, code), `${JSON.stringify(opts)} → ${code}`);
    }
  }
});

test('applyLab builds everything once, then only re-asserts', async () => {
  const exec = new FakeExec({ modelIp: true });
  const plan = planLab({ name: 'mkl', lan: '192.168.79.0/24', nodes: 2 });
  const first = await applyLab(plan, exec);
  assert.is(first.skipped, 0);
  assert.is(first.ran, plan.steps.length);

  const state = await inspectLab('mkl', exec);
  assert.equal(state.namespaces, ['mkl-client', 'mkl-lan', 'mkl-node1', 'mkl-node2']);
  assert.ok(state.hostLink);
  assert.equal(state.hostAddresses, ['192.168.79.1/24']);
  assert.equal(state.lanLinks, ['client', 'host', 'lo', 'mkl-br', 'node1', 'node2']);

  exec.calls.length = 0;
  const second = await applyLab(plan, exec);
  const creating = plan.steps.filter((s) => s.creates).length;
  assert.is(second.skipped, creating);
  assert.not.ok(exec.mutations().some((l) => / add /.test(l) && !l.includes('addr')), 'nothing created twice');
});

test('applyLab repairs a lab whose node namespace was deleted', async () => {
  const exec = new FakeExec({ modelIp: true });
  const plan = planLab({ name: 'mkl', lan: '192.168.79.0/24', nodes: 2 });
  await applyLab(plan, exec);
  await exec.run(['ip', 'netns', 'del', 'mkl-node2']);
  exec.calls.length = 0;
  await applyLab(plan, exec);
  const created = exec.mutations().filter((l) => / add /.test(l) && !l.includes('addr'));
  assert.equal(created, ['ip netns add mkl-node2', 'ip -n mkl-lan link add name node2 type veth peer name eth0 netns mkl-node2']);
});

test('applyLab replaces a host link whose LAN side is gone', async () => {
  const exec = new FakeExec({ modelIp: true });
  const plan = planLab({ name: 'mkl', lan: '192.168.79.0/24', nodes: 1 });
  // a stale host link, as when the LAN namespace is still being torn down
  await exec.run(['ip', 'link', 'add', 'name', 'mkl-host', 'type', 'veth', 'peer', 'name', 'stale']);
  await applyLab(plan, exec);
  assert.ok(exec.lines().includes('ip link del dev mkl-host'));
  assert.equal((await inspectLab('mkl', exec)).lanLinks.includes('host'), true);
});

test('destroyLab removes the host link and every lab namespace, pods included, and leaves other labs', async () => {
  const exec = new FakeExec({ modelIp: true });
  await applyLab(planLab({ name: 'mkl', lan: '192.168.79.0/24', nodes: 2 }), exec);
  await applyLab(planLab({ name: 'mkl2', lan: '192.168.80.0/24', nodes: 1 }), exec);
  await exec.run(['ip', 'netns', 'add', 'mkl-node1_default_web']);
  const { removed } = await destroyLab('mkl', exec);
  assert.is(removed[0], 'mkl-host');
  assert.is(removed[removed.length - 1], 'mkl-lan', 'the LAN namespace goes last');
  assert.ok(removed.includes('mkl-node1_default_web'));
  const after = await inspectLab('mkl', exec);
  assert.equal(after, { name: 'mkl', namespaces: [], hostLink: false, hostAddresses: [], lanLinks: [] });
  assert.is((await inspectLab('mkl2', exec)).namespaces.length, 3);
});

test('destroyLab succeeds when nothing is there', async () => {
  const exec = new FakeExec({ modelIp: true });
  assert.equal(await destroyLab('mkl', exec), { removed: [] });
});

test('destroyLab treats "already gone" as done but reports other failures', async () => {
  const exec = new FakeExec({ modelIp: true });
  await applyLab(planLab({ name: 'mkl', lan: '192.168.79.0/24', nodes: 1 }), exec);
  exec.respond = (argv) =>
    argv.join(' ') === 'ip netns del mkl-node1' ? { code: 1, stdout: '', stderr: 'Cannot remove namespace file: Device or resource busy' } : undefined;
  try {
    await destroyLab('mkl', exec);
    assert.unreachable();
  } catch (err) {
    assert.ok(isLabError(err, 'LAB_EXEC_FAILED'));
    assert.match((err as Error).message, 'ip netns del mkl-node1');
  }
});

test('lab namespaces are told apart by prefix', () => {
  assert.ok(isLabNetns('mkl', 'mkl-node1'));
  assert.ok(isLabNetns('mkl', 'mkl-node1_default_web'));
  assert.not.ok(isLabNetns('mkl', 'mkl2-node1'));
  assert.not.ok(isLabNetns('mkl', 'minik-node1'));
});

test.run();
