import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Node } from '../../api/types.ts';
import { isHeartbeatOnly } from './node-change.ts';

const node = (patch: { rv?: string; beat?: string; status?: 'True' | 'False' | 'Unknown'; podCIDR?: string; ip?: string } = {}): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'node1', resourceVersion: patch.rv ?? '5' },
  spec: { podCIDR: patch.podCIDR ?? '10.244.1.0/24' },
  status: {
    addresses: [{ type: 'InternalIP', address: patch.ip ?? '192.168.77.11' }],
    conditions: [{ type: 'Ready', status: patch.status ?? 'True', lastHeartbeatTime: patch.beat ?? '2026-12-04T20:00:00Z', lastTransitionTime: '2026-12-04T19:00:00Z' }],
  },
});

test('a refreshed heartbeat alone is not a change', () => {
  assert.ok(isHeartbeatOnly(node(), node({ rv: '9', beat: '2026-12-04T20:00:30Z' })));
});

test('readiness, pod CIDR and address changes are changes', () => {
  assert.not.ok(isHeartbeatOnly(node(), node({ rv: '9', status: 'Unknown' })));
  assert.not.ok(isHeartbeatOnly(node(), node({ rv: '9', podCIDR: '10.244.2.0/24' })));
  assert.not.ok(isHeartbeatOnly(node(), node({ rv: '9', ip: '192.168.77.99', beat: '2026-12-04T20:00:30Z' })));
});

test('a new Node, or another kind, is a change', () => {
  assert.not.ok(isHeartbeatOnly(undefined, node()));
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'node1' } } as never;
  assert.not.ok(isHeartbeatOnly(svc, svc));
});

test.run();
