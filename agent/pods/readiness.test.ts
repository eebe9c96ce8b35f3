import { createServer } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { realExec } from '../../api/exec/exec.ts';
import { commandProber, tcpProber } from './readiness.ts';

test('tcp and command probers: true while something listens, false after it stops', async () => {
  const server = createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  for (const prober of [tcpProber(), commandProber(realExec)]) assert.ok(await prober.tcp('127.0.0.1', port));
  await new Promise<void>((r) => server.close(() => r()));
  for (const prober of [tcpProber(), commandProber(realExec)]) assert.not.ok(await prober.tcp('127.0.0.1', port));
});

test.run();
