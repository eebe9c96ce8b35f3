import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError } from '../../api/errors.ts';
import type { Node } from '../../api/types.ts';
import { FakeClock } from './clock.ts';
import { registerWithRetry } from './registration.ts';

const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: '10.244.1.0/24' } };
const unreachable = () => new ApiError('ServiceUnavailable', 'cannot reach the gRPC server at 127.0.0.1:6444');

test('an apiserver that does not answer yet is retried with growing backoff until it does', async () => {
  const clock = new FakeClock();
  const logs: string[] = [];
  const attempts: number[] = [];
  const done = registerWithRetry(
    { name: 'n1', internalIP: '10.0.0.1' },
    {
      register: async () => {
        attempts.push(clock.now());
        if (attempts.length < 4) throw unreachable();
        return node;
      },
      log: (l) => logs.push(l),
      clock,
      initialMs: 100,
      maxMs: 1000,
      random: () => 1,
    },
  );
  await clock.advance(10_000);
  assert.equal(await done, node);
  assert.equal(attempts, [0, 100, 300, 700], 'backoff doubles');
  assert.equal(logs, ['register: cannot reach the gRPC server at 127.0.0.1:6444 (retrying with backoff)', 'registered after 3 failed attempts']);
});

test('an answer that waiting cannot fix (wrong token) fails at once', async () => {
  const clock = new FakeClock();
  let calls = 0;
  const err = await registerWithRetry(
    { name: 'n1', internalIP: '10.0.0.1' },
    {
      register: async () => {
        calls++;
        throw new ApiError('Unauthorized', 'Unauthorized: the server rejected the token');
      },
      log: () => {},
      clock,
    },
  ).catch((e: Error) => e);
  assert.is(calls, 1);
  assert.match((err as Error).message, 'rejected the token');
});

test.run();
