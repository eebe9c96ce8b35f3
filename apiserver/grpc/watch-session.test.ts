import { status as GrpcCode, type StatusObject } from '@grpc/grpc-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { WatchEventMessage } from '../../api/proto.ts';
import type { EventSource } from '../store/types.ts';
import { MemoryEventSource } from './fake-source.ts';
import { service } from './test-support.ts';
import { startWatchSession, type WatchSink } from './watch-session.ts';

/** A transport that accepts `capacity` messages, then reports full until drained by hand. */
class FakeSink implements WatchSink {
  written: WatchEventMessage[] = [];
  failure?: Partial<StatusObject>;
  private drainCallbacks: (() => void)[] = [];
  private room: number;
  constructor(private readonly capacity = Infinity) {
    this.room = capacity;
  }
  write(message: WatchEventMessage): boolean {
    this.written.push(message);
    this.room -= 1;
    return this.room > 0;
  }
  onceDrain(callback: () => void): void {
    this.drainCallbacks.push(callback);
  }
  fail(status: Partial<StatusObject>): void {
    this.failure = status;
  }
  drain(): void {
    this.room = this.capacity;
    this.drainCallbacks.splice(0).forEach((cb) => cb());
  }
  revisions(): (string | number)[] {
    return this.written.map((m) => (m.type === 'SYNCED' ? `S${m.revision}` : m.revision));
  }
}

const options = { maxPendingEvents: 100 };

test('events committed while the catch-up is read are neither lost nor repeated', () => {
  const source = new MemoryEventSource();
  for (let i = 0; i < 5; i++) source.put('Service', service(`s${i}`));
  // A store whose listener fires while the catch-up is being read (the
  // worst case): commit two more events from inside eventsSince.
  const racing: EventSource = {
    currentRevision: () => source.currentRevision(),
    oldestResumableRevision: () => source.oldestResumableRevision(),
    snapshot: (k) => source.snapshot(k),
    subscribe: (l) => source.subscribe(l),
    eventsSince(since, kinds) {
      source.put('Service', service('race1'));
      source.put('Service', service('race2'));
      return source.eventsSince(since, kinds);
    },
  };
  const sink = new FakeSink();
  startWatchSession(racing, { kinds: [], sinceRevision: 2 }, sink, options);
  source.put('Service', service('after'));
  assert.equal(sink.revisions(), [3, 4, 5, 6, 7, 'S7', 8]);
});

test('events a store delivers late (after the snapshot already has them) are dropped', async () => {
  const source = new MemoryEventSource({ delivery: 'microtask' });
  source.put('Service', service('a'));
  source.put('Service', service('b'));
  // A store that tells a new listener about batches committed just before it subscribed.
  const lateStore: EventSource = {
    currentRevision: () => source.currentRevision(),
    oldestResumableRevision: () => source.oldestResumableRevision(),
    snapshot: (k) => source.snapshot(k),
    eventsSince: (since, k) => source.eventsSince(since, k),
    subscribe(listener) {
      const already = source.eventsSince(0)!;
      queueMicrotask(() => listener(already));
      return source.subscribe(listener);
    },
  };
  const fromSnapshot = new FakeSink();
  const fromLog = new FakeSink();
  startWatchSession(lateStore, { kinds: [], sinceRevision: 0 }, fromSnapshot, options);
  startWatchSession(lateStore, { kinds: [], sinceRevision: 1 }, fromLog, options);
  source.put('Service', service('c'));
  await new Promise((r) => setTimeout(r, 1));
  assert.equal(fromSnapshot.revisions(), [2, 2, 'S2', 3]);
  assert.equal(fromLog.revisions(), [2, 'S2', 3]);
});

test('a full transport makes the session wait for drain, then it continues in order', () => {
  const source = new MemoryEventSource();
  const sink = new FakeSink(3);
  startWatchSession(source, { kinds: [], sinceRevision: 0 }, sink, options);
  for (let i = 0; i < 10; i++) source.put('Service', service(`s${i}`));
  assert.equal(sink.revisions(), ['S0', 1, 2]);
  sink.drain();
  assert.equal(sink.revisions(), ['S0', 1, 2, 3, 4, 5]);
  while (sink.written.length < 11) sink.drain();
  assert.equal(sink.revisions(), ['S0', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.is(sink.failure, undefined);
});

test('a watcher further behind than maxPendingEvents is cut off with RESOURCE_EXHAUSTED and unsubscribed', () => {
  const source = new MemoryEventSource();
  const sink = new FakeSink(1);
  const session = startWatchSession(source, { kinds: [], sinceRevision: 0 }, sink, { maxPendingEvents: 5 });
  for (let i = 0; i < 5; i++) source.put('Service', service(`s${i}`));
  assert.is(sink.failure, undefined);
  source.put('Service', service('one-too-many'));
  assert.is(sink.failure?.code, GrpcCode.RESOURCE_EXHAUSTED);
  assert.is(sink.failure?.details, 'watcher fell more than 5 events behind at revision 6; relist');
  assert.ok(session.stopped);
  assert.is(source.listenerCount(), 0);
  sink.drain();
  assert.equal(sink.revisions(), ['S0'], 'nothing more is written after the cut');
});

test('a large catch-up does not count against maxPendingEvents', () => {
  const source = new MemoryEventSource();
  for (let i = 0; i < 50; i++) source.put('Service', service(`s${i}`));
  const sink = new FakeSink(1);
  startWatchSession(source, { kinds: [], sinceRevision: 1 }, sink, { maxPendingEvents: 5 });
  source.put('Service', service('live'));
  assert.is(sink.failure, undefined);
  while (sink.written.length < 51) sink.drain();
  assert.equal(sink.revisions().slice(-3), [50, 'S50', 51]);
});

test('kinds filter live events too, and SYNCED still moves past skipped revisions', () => {
  const source = new MemoryEventSource();
  const sink = new FakeSink();
  startWatchSession(source, { kinds: ['Pod'], sinceRevision: 0 }, sink, options);
  source.put('Service', service('web'));
  source.put('Pod', { ...service('p'), kind: 'Pod' } as any);
  assert.equal(sink.revisions(), ['S0', 2]);
});

test('OUT_OF_RANGE during catch-up stops the session before anything is written', () => {
  const source = new MemoryEventSource({ keepEvents: 2 });
  for (let i = 0; i < 5; i++) source.put('Service', service(`s${i}`));
  const sink = new FakeSink();
  const session = startWatchSession(source, { kinds: [], sinceRevision: 1 }, sink, options);
  assert.is(sink.failure?.code, GrpcCode.OUT_OF_RANGE);
  assert.is(sink.failure?.details, 'revision 1 is older than the oldest kept revision 3; relist');
  assert.equal(sink.written, []);
  assert.ok(session.stopped);
  assert.is(source.listenerCount(), 0);
});


test.run();
