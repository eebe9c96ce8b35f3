import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError } from '../../api/errors.ts';
import { FakeClock } from './clock.ts';
import { Heartbeater } from './heartbeater.ts';

function setup(beat: () => Promise<void>, unhealthy: () => string | undefined = () => undefined) {
  const clock = new FakeClock();
  const logs: string[] = [];
  let reregistered = 0;
  const hb = new Heartbeater({
    beat,
    reregister: async () => void reregistered++,
    unhealthy,
    log: (l) => logs.push(l),
    clock,
    intervalMs: 1000,
  });
  hb.start();
  return { clock, logs, hb, reregistered: () => reregistered };
}

test('beats once per interval', async () => {
  let beats = 0;
  const { clock, hb } = setup(async () => void beats++);
  await clock.advance(3500);
  assert.is(beats, 3);
  await hb.stop();
  await clock.advance(5000);
  assert.is(beats, 3, 'stop stops');
});

test('while unhealthy it does not beat (the apiserver marks the node NotReady), logs the reason once, and resumes after', async () => {
  let beats = 0;
  let why: string | undefined;
  const { clock, logs } = setup(async () => void beats++, () => why);
  await clock.advance(1000);
  why = 'watch stopped for good';
  await clock.advance(5000);
  assert.is(beats, 1);
  assert.equal(logs, ['not reporting Ready: watch stopped for good']);
  why = undefined;
  await clock.advance(1000);
  assert.is(beats, 2);
  assert.equal(logs.at(-1), 'heartbeats: Ready again');
});

test('NotFound registers the node again', async () => {
  const { clock, reregistered } = setup(async () => {
    throw new ApiError('NotFound', 'nodes "n1" not found');
  });
  await clock.advance(2000);
  assert.is(reregistered(), 2);
});

test('other heartbeat errors are logged (once per streak), not swallowed', async () => {
  let fail = true;
  const { clock, logs } = setup(async () => {
    if (fail) throw new ApiError('ServiceUnavailable', 'cannot reach the gRPC server at 127.0.0.1:6444');
  });
  await clock.advance(3000);
  assert.equal(logs, ['heartbeat failed: cannot reach the gRPC server at 127.0.0.1:6444']);
  fail = false;
  await clock.advance(1000);
  assert.equal(logs.at(-1), 'heartbeats: Ready again');
});

test.run();
