import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseEchoAnswer, parseProberAnswer, parseProberCommand, percentile, probeLine, STOP_LINE } from './prober-protocol.ts';

const echoBody = JSON.stringify({ pod: 'web-1', namespace: 'default', node: 'node2', podIP: '10.244.0.2', clientIP: '10.244.2.3', clientPort: 40000, port: 8080, protocol: 'TCP' }) + '\n';
const http200 = (body: string, length = Buffer.byteLength(body)) =>
  `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\nConnection: close\r\n\r\n${body}`;

test('commands the benchmark writes parse back into what the prober does', () => {
  assert.equal(parseProberCommand(probeLine('lat-7', '10.96.3.4', 80)), { kind: 'probe', id: 'lat-7', ip: '10.96.3.4', port: 80 });
  assert.equal(parseProberCommand(STOP_LINE), { kind: 'stop' });
});

test('a malformed command is reported, not guessed at', () => {
  for (const line of ['probe lat-7 10.96.3.4', 'probe x not-an-ip 80', 'probe x 10.96.3.4 70000', 'stop now', '']) {
    assert.is(parseProberCommand(line).kind, 'invalid', line);
  }
});

test('answers parse; other prober output does not count as an answer', () => {
  assert.equal(parseProberAnswer('ok lat-7 1795614567310.125 web-1 12'), { id: 'lat-7', at: 1795614567310.125, pod: 'web-1', attempts: 12 });
  assert.is(parseProberAnswer('ready'), undefined);
  assert.is(parseProberAnswer('error unknown command: "x"'), undefined);
});

test('only a complete HTTP 200 with the echo JSON is a successful answer', () => {
  assert.equal(parseEchoAnswer(http200(echoBody)), { pod: 'web-1' });
  // body still arriving
  assert.is(parseEchoAnswer(http200(echoBody.slice(0, 20), Buffer.byteLength(echoBody))), undefined);
  // headers still arriving
  assert.is(parseEchoAnswer('HTTP/1.1 200 OK\r\ncontent-length: 10'), undefined);
  // an error page, or something that is not the echo server
  assert.is(parseEchoAnswer(http200(echoBody).replace('200 OK', '503 Service Unavailable')), undefined);
  assert.is(parseEchoAnswer(http200('{"hello":"world"}')), undefined);
  assert.is(parseEchoAnswer(http200('not json')), undefined);
});

test('percentile is nearest-rank: p99 of 100 samples is not the max', () => {
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
  assert.is(percentile(xs, 50), 50);
  assert.is(percentile(xs, 99), 99);
  assert.is(percentile(xs, 100), 100);
  assert.is(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test.run();
