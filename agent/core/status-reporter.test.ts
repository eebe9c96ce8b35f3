import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError } from '../../api/errors.ts';
import type { Pod } from '../../api/types.ts';
import type { PodRuntimeStatus } from '../pods/status.ts';
import { StatusReporter } from './status-reporter.ts';

const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'default', uid: 'u1', resourceVersion: '5' }, spec: { nodeName: 'n1', containers: [] } };
const running: PodRuntimeStatus = { namespace: 'default', name: 'a', uid: 'u1', netns: 'x', phase: 'Running', ready: true, podIP: '10.244.1.5', restartCount: 0 };

function setup(put: (p: Pod) => Promise<void>, cached: Pod | undefined = pod) {
  const logs: string[] = [];
  const r = new StatusReporter({ nodeIp: '10.0.0.1', getPod: () => cached, putStatus: put, log: (l) => logs.push(l) });
  return { r, logs };
}

test('one write per change and resourceVersion', async () => {
  const puts: Pod[] = [];
  const { r } = setup(async (p) => void puts.push(p));
  await r.report(running);
  await r.report(running);
  assert.is(puts.length, 1);
  assert.is(puts[0].status?.podIP, '10.244.1.5');
  assert.is(puts[0].status?.hostIP, '10.0.0.1');
});

test('a status for another incarnation of the pod (uid) or a removed pod is not written', async () => {
  const puts: Pod[] = [];
  const { r } = setup(async (p) => void puts.push(p));
  await r.report({ ...running, uid: 'old' });
  await r.report({ ...running, removed: true });
  assert.is(puts.length, 0);
});

test('a failed write is logged and retried next time; NotFound (pod deleted) is quiet', async () => {
  let fail: Error | undefined = new ApiError('ServiceUnavailable', 'down');
  const puts: Pod[] = [];
  const { r, logs } = setup(async (p) => {
    if (fail) throw fail;
    puts.push(p);
  });
  await r.report(running);
  assert.equal(logs, ['reporting default/a: down']);
  fail = new ApiError('NotFound', 'pods "a" not found');
  await r.report(running);
  assert.is(logs.length, 1);
  fail = undefined;
  await r.report(running);
  assert.is(puts.length, 1);
});

test.run();
