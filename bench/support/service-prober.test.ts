// The prober against loopback servers in this namespace: it keeps opening
// fresh connections until one gets a real echo answer, and gives up cleanly.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startProber, type ProberProcess } from './prober-process.ts';
import { wallClockMs } from './prober-protocol.ts';

const probers: ProberProcess[] = [];
const servers: net.Server[] = [];

test.after(async () => {
  await Promise.all(probers.map((p) => p.kill()));
  for (const s of servers) s.close();
});

function listen(onConnection: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer((s) => {
    s.on('error', () => {}); // the prober drops connections it no longer needs
    onConnection(s);
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

const ECHO = JSON.stringify({ pod: 'web-2', namespace: 'default', node: 'node3', podIP: '10.244.1.2', clientIP: '127.0.0.1', clientPort: 1, port: 80, protocol: 'TCP' });
const answer = (s: net.Socket) => s.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${ECHO.length}\r\n\r\n${ECHO}`);

test('retries with a fresh connection until one is answered, and names the pod that answered', async () => {
  const remotePorts = new Set<number>();
  let connections = 0;
  // The first three connections are cut without an answer, like a half-programmed path.
  const port = await listen((s) => {
    remotePorts.add(s.remotePort!);
    if (++connections <= 3) s.destroy();
    else s.once('data', () => answer(s));
  });
  const prober = await startProber(undefined);
  probers.push(prober);
  const before = wallClockMs();
  const got = await prober.probe('svc-a', '127.0.0.1', port, 10_000);
  assert.ok(got, `no answer; prober said: ${prober.messages().join(' | ')}`);
  assert.is(got!.id, 'svc-a');
  assert.is(got!.pod, 'web-2');
  assert.ok(got!.attempts >= 4, `attempts ${got!.attempts}`);
  assert.ok(remotePorts.size >= 4, 'every attempt is a new connection');
  assert.ok(got!.at >= before, 'the answer time is on the same clock as ours');
});

test('a target that never answers resolves to undefined after the timeout and the next target still works', async () => {
  const silent = await listen(() => {}); // accepts, never answers
  const good = await listen((s) => s.once('data', () => answer(s)));
  const prober = await startProber(undefined, ['--attempt-timeout', '50']);
  probers.push(prober);
  assert.is(await prober.probe('svc-silent', '127.0.0.1', silent, 300), undefined);
  const got = await prober.probe('svc-good', '127.0.0.1', good, 10_000);
  assert.is(got?.id, 'svc-good');
  assert.equal(prober.messages(), []);
});

test.run();
