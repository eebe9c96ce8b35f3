import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock, settle } from './clock.ts';
import { RetryLaterError, SyncLoop } from './sync-loop.ts';

function loop(sync: (changed: Set<string>) => Promise<void>) {
  const clock = new FakeClock(1000);
  const logs: string[] = [];
  const l = new SyncLoop<string>({ sync, log: (line) => logs.push(line), clock, coalesceMs: 2, retryMs: 500 });
  return { clock, logs, l };
}

test('nothing syncs before start (the first snapshot); then one sync covers every kind marked meanwhile', async () => {
  const calls: string[][] = [];
  const { clock, l } = loop(async (c) => void calls.push([...c].sort()));
  l.mark('Service');
  l.mark('Pod');
  await clock.advance(100);
  assert.equal(calls, []);
  l.start('Node');
  await clock.advance(2);
  assert.equal(calls, [['Node', 'Pod', 'Service']]);
});

test('events inside the coalescing window land in one sync', async () => {
  const calls: string[][] = [];
  const { clock, l } = loop(async (c) => void calls.push([...c].sort()));
  l.start();
  l.mark('Service');
  await clock.advance(1);
  l.mark('Endpoints');
  await clock.advance(1);
  assert.equal(calls, [['Endpoints', 'Service']]);
});

test('events during a slow sync are coalesced into the one sync after it', async () => {
  const calls: string[][] = [];
  let release!: () => void;
  const { clock, l } = loop(async (c) => {
    calls.push([...c].sort());
    if (calls.length === 1) await new Promise<void>((r) => (release = r));
  });
  l.start('Service');
  await clock.advance(2);
  l.mark('Pod');
  l.mark('Node');
  l.mark('Pod');
  release();
  await settle();
  await l.idle();
  assert.equal(calls, [['Service'], ['Node', 'Pod']]);
});

test('a failed sync keeps its kinds dirty, retries after retryMs, logs once per distinct failure, and records since when it fails', async () => {
  let fail = 3;
  const calls: string[][] = [];
  const { clock, l, logs } = loop(async (c) => {
    calls.push([...c]);
    if (fail-- > 0) throw new Error('nft: boom');
  });
  l.start('Service');
  await clock.advance(2);
  assert.is(calls.length, 1);
  assert.is(l.failingSinceMs, 1002);
  await clock.advance(499);
  assert.is(calls.length, 1, 'no retry before retryMs');
  await clock.advance(1);
  assert.is(calls.length, 2);
  await clock.advance(1000);
  assert.is(calls.length, 4);
  assert.equal(calls.at(-1), ['Service']);
  assert.is(l.failingSinceMs, undefined, 'healthy again');
  assert.equal(logs, ['sync failed: nft: boom (retrying every 500 ms)', 'sync recovered after 3 failed attempts']);
});

test('RetryLaterError retries without making the data plane stale', async () => {
  let n = 0;
  const { clock, l } = loop(async () => {
    if (n++ === 0) throw new RetryLaterError('pods not started: default/a: CIDR full');
  });
  l.start('Pod');
  await clock.advance(2);
  assert.is(n, 1);
  assert.is(l.failingSinceMs, undefined);
  await clock.advance(500);
  assert.is(n, 2);
});

test('close stops the loop: no retry timer survives', async () => {
  const { clock, l } = loop(async () => {
    throw new Error('always');
  });
  l.start('Service');
  await clock.advance(2);
  const closing = l.close();
  await clock.advance(500);
  await closing;
  assert.is(clock.pending, 0);
});

test.run();
