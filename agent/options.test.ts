import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { agentOptions } from './options.ts';

const REQUIRED = { 'node-name': 'node1', 'node-ip': '192.168.77.11', 'token-file': '/t' };

test('https by default; --ca-file is kept; gRPC on the REST port + 1 of the same host', () => {
  const o = agentOptions({ ...REQUIRED, server: 'https://192.168.77.1:6443', 'ca-file': '/srv/ca.crt' }, {});
  assert.equal([o.server, o.grpcServer, o.caFile, o.plaintext], ['https://192.168.77.1:6443', '192.168.77.1:6444', '/srv/ca.crt', false]);
  assert.is(agentOptions(REQUIRED, {}).server, 'https://127.0.0.1:6443');
  assert.is(agentOptions(REQUIRED, { MINIK_CA_FILE: '/env/ca.crt' }).caFile, '/env/ca.crt');
});

test('an http:// server means no TLS at all (a test server); another scheme is refused', () => {
  assert.is(agentOptions({ ...REQUIRED, server: 'http://127.0.0.1:6443' }, {}).plaintext, true);
  assert.throws(() => agentOptions({ ...REQUIRED, server: 'ftp://127.0.0.1:6443' }, {}), /--server must be an https:\/\/ URL/);
});

test.run();
