import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toPodStatus } from './status.ts';

const now = new Date('2026-01-01T00:00:00Z');

test('a ready running pod becomes phase, IPs, hostIP and a True Ready condition', () => {
  const s = toPodStatus(
    { namespace: 'default', name: 'a', netns: 'x', phase: 'Running', ready: true, podIP: '10.244.1.2', restartCount: 2, startTime: '2026-01-01T00:00:00.000Z', readyChangedAt: '2026-01-01T00:00:01.000Z' },
    '192.168.77.11',
    now,
  );
  assert.equal(s, {
    phase: 'Running',
    hostIP: '192.168.77.11',
    restartCount: 2,
    podIP: '10.244.1.2',
    podIPs: [{ ip: '10.244.1.2' }],
    startTime: '2026-01-01T00:00:00.000Z',
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:01.000Z' }],
  });
});

test('a failed pod carries reason and message in its Ready condition', () => {
  const s = toPodStatus({ namespace: 'default', name: 'a', netns: 'x', phase: 'Failed', ready: false, restartCount: 0, reason: 'UnsupportedImage', message: 'nope' }, '192.168.77.11', now);
  assert.is(s.phase, 'Failed');
  assert.is(s.podIP, undefined);
  assert.equal(s.conditions, [{ type: 'Ready', status: 'False', lastTransitionTime: now.toISOString(), reason: 'UnsupportedImage', message: 'nope' }]);
  assert.is(s.message, 'nope');
});

test.run();
