import { EventEmitter } from 'node:events';
import { request } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EchoUsageError, echoArgv, parseEchoArgs, runEchoFromArgs } from './main.ts';

const env = { MINIK_POD: 'p', MINIK_NAMESPACE: 'ns', MINIK_NODE: 'n', MINIK_POD_IP: '10.244.0.2' };

test('parses repeated TCP and UDP ports and the identity from env', () => {
  const args = parseEchoArgs(['--port', '8080', '--port', '9090', '--udp-port', '53'], env);
  assert.equal(args.ports, [
    { port: 8080, protocol: 'TCP' },
    { port: 9090, protocol: 'TCP' },
    { port: 53, protocol: 'UDP' },
  ]);
  assert.equal([args.pod, args.namespace, args.node, args.podIP, args.host], ['p', 'ns', 'n', '10.244.0.2', '0.0.0.0']);
});

test('rejects bad ports, unknown flags and no ports with a usage error', () => {
  for (const argv of [['--port', '70000'], ['--port', 'http'], ['--bogus', '1'], []]) {
    assert.throws(() => parseEchoArgs(argv, env), (e: unknown) => e instanceof EchoUsageError && e.code === 'ECHO_USAGE');
  }
});

test('echoArgv builds the command line the pod runtime spawns', () => {
  assert.equal(
    echoArgv(['/usr/local/bin/minik'], [
      { port: 80, protocol: 'TCP' },
      { port: 53, protocol: 'UDP' },
    ]),
    ['/usr/local/bin/minik', 'echo', '--port', '80', '--udp-port', '53'],
  );
});

test('runEchoFromArgs serves until a signal, then closes', async () => {
  const signals = new EventEmitter();
  const server = await runEchoFromArgs(['--port', '0', '--host', '127.0.0.1'], env, signals as unknown as NodeJS.Process);
  const port = server.ports[0].port;
  const body = await new Promise<string>((resolve, reject) => {
    request({ host: '127.0.0.1', port, agent: false }, (res) => {
      let t = '';
      res.on('data', (d) => (t += d));
      res.on('end', () => resolve(t));
    })
      .on('error', reject)
      .end();
  });
  assert.is(JSON.parse(body).pod, 'p');
  signals.emit('SIGTERM');
  await server.done;
  const refused = await new Promise<boolean>((resolve) => {
    request({ host: '127.0.0.1', port, agent: false }, () => resolve(false)).on('error', () => resolve(true)).end();
  });
  assert.ok(refused, 'port closed after SIGTERM');
});

test.run();
