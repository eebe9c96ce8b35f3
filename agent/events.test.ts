import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Node, Pod, Service } from '../api/types.ts';
import { lbEvents, lbHolders, podEvents, syncFailedEvent } from './events.ts';

const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'web', image: 'echo' }] } };

test('pod events: started once, a restart is a BackOff warning, a failure says why', () => {
  const started = podEvents(pod, { phase: 'Pending' }, { phase: 'Running', podIP: '10.244.1.2', restartCount: 0 }, 'node1');
  assert.equal(started.map((e) => [e.type, e.reason, e.message]), [['Normal', 'Started', 'Started container web on node1 (pod IP 10.244.1.2)']]);
  const restarted = podEvents(pod, { phase: 'Running', restartCount: 0 }, { phase: 'Running', restartCount: 1 }, 'node1');
  assert.equal(restarted.map((e) => [e.type, e.reason, e.message]), [['Warning', 'BackOff', 'Container web exited and was restarted (restart count 1)']]);
  const failed = podEvents(pod, { phase: 'Running' }, { phase: 'Failed', conditions: [{ type: 'Ready', status: 'False', reason: 'UnsupportedImage' }] }, 'node1');
  assert.equal(failed.map((e) => [e.reason, e.message]), [['Failed', 'Error: UnsupportedImage']]);
  assert.equal(podEvents(pod, { phase: 'Running' }, { phase: 'Running' }, 'node1'), [], 'nothing changed: nothing said');
});

const node = (name: string, ready: boolean): Node => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {}, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'Unknown' }] },
});
const lb: Service = {
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'test-lb', namespace: 'demo' },
  spec: { type: 'LoadBalancer', ports: [{ port: 80 }] }, status: { loadBalancer: { ingress: [{ ip: '192.168.77.200' }] } },
};

test('lb events: the winner says it announces; after its death the next one says it took over', () => {
  const all = { services: [lb], endpoints: [], nodes: [node('node1', true), node('node2', true), node('node3', true)] };
  const holder = lbHolders(all).get('192.168.77.200')!;
  const first = lbEvents(new Map(), all, holder);
  assert.equal(first.map((e) => [e.reason, e.involved === lb, e.message]), [['nodeAssigned', true, `announcing 192.168.77.200 from node "${holder}" with protocol "layer2"`]]);
  const others = ['node1', 'node2', 'node3'].filter((n) => n !== holder);
  for (const n of others) assert.equal(lbEvents(new Map(), all, n), [], 'losers say nothing');
  const before = lbHolders(all);
  const after = { ...all, nodes: all.nodes.map((n) => (n.metadata.name === holder ? node(holder, false) : n)) };
  const next = lbHolders(after).get('192.168.77.200')!;
  assert.ok(others.includes(next));
  assert.equal(lbEvents(before, after, next).map((e) => e.message), [
    `announcing 192.168.77.200 from node "${next}" with protocol "layer2" (failover from node "${holder}")`,
  ]);
  assert.equal(lbEvents(lbHolders(after), after, next), [], 'said once');
});

test('a failed sync is a warning on the node', () => {
  const e = syncFailedEvent('node2', 'nft: syntax error');
  assert.equal([e.type, e.reason, e.involved, e.message], ['Warning', 'SyncProxyRulesFailed', { kind: 'Node', name: 'node2', apiVersion: 'v1' }, 'Failed to sync the data plane: nft: syntax error']);
});

test.run();
