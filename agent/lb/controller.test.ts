import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Node, Service } from '../../api/types.ts';
import { type Exec, ExecError } from '../../api/exec/exec.ts';
import { FakeExec } from '../../api/exec/fake.ts';
import { createLoadBalancerAnnouncer } from './controller.ts';
import { announcerFor } from './election.ts';

const node = (name: string, ready = true): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: {},
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'Unknown' }] },
});

const lb = (name: string, ip: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { type: 'LoadBalancer', clusterIP: '10.96.0.30', ports: [{ port: 80 }] },
  status: { loadBalancer: { ingress: [{ ip }] } },
});

/** One interface `eth0` holding 192.168.83.11 and whatever was added since. */
function fakeKernel() {
  const extra = new Map<string, string>();
  const exec = new FakeExec();
  const link = () => ({
    ifname: 'eth0',
    addr_info: [
      { family: 'inet', local: '192.168.83.11', prefixlen: 24, label: 'eth0' },
      ...[...extra].map(([local, label]) => ({ family: 'inet', local, prefixlen: 32, label })),
    ],
  });
  exec.on('ip -j addr show', () => ({ stdout: JSON.stringify([link()]) }));
  exec.on('ip addr add', (argv) => (extra.set(argv[3].split('/')[0], argv[argv.indexOf('label') + 1]), {}));
  exec.on('ip addr del', (argv) => (extra.delete(argv[3].split('/')[0]), {}));
  return { exec, held: () => [...extra.keys()].sort() };
}

/** An IP that `me` wins among `nodes`, so tests do not depend on the hash's particular answers. */
function ipWonBy(me: string, nodes: string[]): string {
  for (let i = 200; i <= 250; i++) if (announcerFor(`192.168.83.${i}`, nodes) === me) return `192.168.83.${i}`;
  throw new Error(`no IP won by ${me}`);
}

test('update: holds the IPs this node wins, drops them when another node wins, releases on close', async () => {
  const kernel = fakeKernel();
  const lbs = createLoadBalancerAnnouncer({ nodeName: 'node1', nodeIp: '192.168.83.11', exec: kernel.exec, log: () => {} });
  const mine = ipWonBy('node1', ['node1', 'node2']);
  const theirs = ipWonBy('node2', ['node1', 'node2']);
  const nodes = [node('node1'), node('node2')];
  lbs.update({ services: [lb('a', mine), lb('b', theirs)], endpoints: [], nodes });
  await lbs.idle();
  assert.equal(kernel.held(), [mine]);
  assert.equal(lbs.holding(), [mine]);

  // node2 goes NotReady: node1 is the only candidate left for both.
  lbs.update({ services: [lb('a', mine), lb('b', theirs)], endpoints: [], nodes: [node('node1'), node('node2', false)] }, { force: true });
  await lbs.idle();
  assert.equal(kernel.held(), [mine, theirs].sort());

  // node1 itself NotReady (as the apiserver sees it): it lets go.
  lbs.update({ services: [lb('a', mine), lb('b', theirs)], endpoints: [], nodes: [node('node1', false), node('node2')] });
  await lbs.idle();
  assert.equal(kernel.held(), []);

  lbs.update({ services: [lb('a', mine)], endpoints: [], nodes });
  await lbs.idle();
  assert.equal(kernel.held(), [mine]);
  await lbs.close();
  assert.equal(kernel.held(), [], 'close releases');
});

test('a failing ip command is logged once and retried until it works; the data plane never waits for it', async () => {
  const kernel = fakeKernel();
  let failures = 2;
  const exec: Exec = {
    async run(argv, options) {
      if (argv.join(' ').startsWith('ip addr add') && failures-- > 0) throw new ExecError(argv, 2, 'RTNETLINK answers: Operation not permitted');
      return kernel.exec.run(argv, options);
    },
  };
  const lines: string[] = [];
  const lbs = createLoadBalancerAnnouncer({ nodeName: 'node1', nodeIp: '192.168.83.11', exec, log: (l) => lines.push(l), retryMs: 1 });
  lbs.update({ services: [lb('a', '192.168.83.200')], endpoints: [], nodes: [node('node1')] });
  for (let i = 0; i < 1000 && kernel.held().length === 0; i++) {
    await new Promise((r) => setTimeout(r, 2));
    await lbs.idle();
  }
  assert.equal(kernel.held(), ['192.168.83.200']);
  assert.is(failures, -1, 'both failures happened, then the retry succeeded');
  assert.is(lines.filter((l) => l.includes('Operation not permitted')).length, 1, 'the same error is logged once');
  await lbs.close();
});

test('close without any update removes addresses a previous agent left', async () => {
  const kernel = fakeKernel();
  await kernel.exec.run(['ip', 'addr', 'add', '192.168.83.230/32', 'dev', 'eth0', 'label', 'eth0:mlb']);
  await kernel.exec.run(['ip', 'addr', 'add', '192.168.83.231/32', 'dev', 'eth0', 'label', 'eth0']);
  const lbs = createLoadBalancerAnnouncer({ nodeName: 'node1', nodeIp: '192.168.83.11', exec: kernel.exec, log: () => {} });
  await lbs.close();
  assert.equal(kernel.held(), ['192.168.83.231']);
});

test.run();
