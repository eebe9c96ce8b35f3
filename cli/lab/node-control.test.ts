import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { labLayout } from '../../api/layout.ts';
import { writeLabRecord } from './config.ts';
import { FakeDaemons } from './daemons.fake.ts';
import { FakeExec } from '../../api/exec/fake.ts';
import { applyLab, planLab } from './netns.ts';
import { isNodeStopped, startNode, stopNode, unstopNodes } from './node-control.ts';

async function world() {
  const root = mkdtempSync(join(tmpdir(), 'minik-node-'));
  const layout = labLayout('mkn', root);
  mkdirSync(layout.runDir, { recursive: true });
  writeLabRecord(layout, { name: 'mkn', lan: '192.168.81.0/24', nodes: 3, proxyMode: 'nftables', apiPort: 7443 });
  const exec = new FakeExec({ modelIp: true });
  await applyLab(planLab({ name: 'mkn', lan: '192.168.81.0/24', nodes: 3 }), exec);
  exec.calls.length = 0;
  const daemons = new FakeDaemons();
  const stopped: string[] = [];
  const deps = {
    exec,
    daemons,
    stopDaemon: async (name: string) => {
      stopped.push(name);
      const was = daemons.status(name).running;
      daemons.kill(name);
      return was;
    },
  };
  return { root, layout, exec, daemons, stopped, deps, done: () => rmSync(root, { recursive: true, force: true }) };
}

test('node stop: agent stopped, eth0 down in the node namespace, marked stopped; start undoes all three', async () => {
  const w = await world();
  try {
    await w.daemons.start({ name: 'agent-node2', argv: ['minik', 'agent'] });
    const stop = await stopNode(w.layout, 'node2', w.deps);
    assert.ok(stop.agentWasRunning);
    assert.equal(w.stopped, ['agent-node2']);
    assert.equal(w.exec.lines(), ['ip -n mkn-node2 link set dev eth0 down']);
    assert.ok(isNodeStopped(w.layout, 'node2'));

    w.exec.calls.length = 0;
    const start = await startNode(w.layout, 'node2', ['/usr/local/bin/minik'], w.deps);
    assert.ok(start.started);
    assert.equal(w.exec.lines(), ['ip -n mkn-node2 link set dev eth0 up']);
    assert.not.ok(isNodeStopped(w.layout, 'node2'));
    const spec = w.daemons.started[w.daemons.started.length - 1];
    assert.equal([spec.name, spec.netns], ['agent-node2', 'mkn-node2']);
    assert.ok(spec.argv.includes('192.168.81.12'), 'node2 keeps its address');
    assert.ok(spec.argv.includes('https://192.168.81.1:7443'), 'the agent speaks TLS to the lab apiserver');
  } finally {
    w.done();
  }
});

test('an unknown node is refused before anything happens; up brings stopped nodes back', async () => {
  const w = await world();
  try {
    let error: Error | undefined;
    await stopNode(w.layout, 'node9', w.deps).catch((e: Error) => (error = e));
    assert.match(error!.message, 'lab mkn has no node "node9"');
    assert.equal([w.stopped, w.exec.calls], [[], []]);
    await stopNode(w.layout, 'node1', w.deps);
    await stopNode(w.layout, 'node3', w.deps);
    w.exec.calls.length = 0;
    assert.equal(await unstopNodes(w.layout, ['node1', 'node2', 'node3'], w.exec), ['node1', 'node3']);
    assert.equal(w.exec.lines(), ['ip -n mkn-node1 link set dev eth0 up', 'ip -n mkn-node3 link set dev eth0 up']);
    assert.not.ok(isNodeStopped(w.layout, 'node1'));
  } finally {
    w.done();
  }
});

test.run();
