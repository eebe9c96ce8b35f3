import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { pickApiPort, portFree } from './ports.ts';

test('pickApiPort takes the preferred port when it and the next are free', async () => {
  assert.is(await pickApiPort(6443, async () => true), 6443);
});

test('pickApiPort steps past a pair where either port is taken', async () => {
  const taken = new Set([6443, 6446]);
  assert.is(await pickApiPort(6443, async (p) => !taken.has(p)), 6447);
});

test('portFree sees a port bound on 127.0.0.1', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    assert.is(await portFree(port), false);
  } finally {
    await new Promise((r) => server.close(r));
  }
  assert.is(await portFree(port), true);
});

test.run();
