import { createServer, type AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError } from '../../api/errors.ts';
import { formatError } from './errors.ts';

test('an address in use is one line that suggests --listen', async () => {
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  const port = (holder.address() as AddressInfo).port;
  const second = createServer();
  const err = await new Promise<Error>((resolve) => {
    second.once('error', resolve);
    second.listen(port, '127.0.0.1');
  });
  holder.close();
  const line = formatError(err);
  assert.is(line, `error: 127.0.0.1:${port} is already in use (a running lab or another apiserver?): pick a free one with --listen HOST:PORT`);
  assert.not.match(line, 'EADDRINUSE');
});

test('API errors and plain errors keep their shapes', () => {
  assert.is(formatError(new ApiError('NotFound', 'services "x" not found')), 'Error from server (NotFound): services "x" not found');
  assert.is(formatError(new Error('boom')), 'error: boom');
});

test.run();
