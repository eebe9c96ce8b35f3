import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dispatch, runCli } from './run-cli.ts';
import { COMMANDS } from './index.ts';
import { harness, service, TEST_TOKEN } from './testing.ts';
import type { CommandModule, Io } from './types.ts';

test('--version and --help print and exit 0, on the top level and on every command', async () => {
  const h = harness();
  let r = await h.run('--version');
  assert.equal([r.code, r.out, r.err], [0, 'minik v0.1.0\n', '']);
  r = await h.run('get', '--version');
  assert.is(r.out, 'minik v0.1.0\n');
  r = await h.run('--help');
  assert.is(r.code, 0);
  assert.match(r.out, 'Commands:');
  for (const c of COMMANDS) {
    assert.match(r.out, `  ${c.name}`);
    const own = await h.run(...c.name.split(' '), '--help');
    assert.is(own.code, 0, c.name);
    assert.match(own.out, `minik ${c.name}`);
    assert.match(own.out, '--server <url>');
  }
  r = await h.run('svc', 'create', '-h');
  assert.match(r.out, '--external-traffic-policy <policy>');
  r = await h.run('svc', '--help');
  assert.match(r.out, 'svc create <name>');
  assert.not.match(r.out, 'get <kind>');
  r = await h.run();
  assert.is(r.code, 0);
  assert.match(r.out, 'Usage:');
  r = await h.run('help', 'get');
  assert.match(r.out, 'minik get <kind> [name]');
  assert.equal(h.server.requests, []);
});

test('unknown commands and flags: one line on stderr, exit 1, nothing sent', async () => {
  const h = harness();
  let r = await h.run('frobnicate');
  assert.is(r.code, 1);
  assert.is(r.err, 'error: unknown command "frobnicate" for "minik" (see minik --help)\n');
  r = await h.run('svc');
  assert.equal([r.code, r.err], [1, 'error: "minik svc" needs a subcommand: create, url (see minik svc --help)\n']);
  r = await h.run('svc', 'destroy', 'x');
  assert.is(r.code, 1);
  assert.match(r.err, 'unknown command "svc destroy"');
  r = await h.run('get', 'svc', '--bogus');
  assert.equal([r.code, r.err], [1, 'error: unknown flag: --bogus\n']);
  r = await h.run('svc', 'create');
  assert.is(r.code, 1);
  assert.match(r.err, /^error: missing required args/);
  assert.is(r.err.trim().split('\n').length, 1);
  r = await h.run('get', 'svc', '-o', 'xml');
  assert.is(r.err, 'error: unable to match a printer suitable for the output format "xml", allowed formats are: json,name,wide,yaml\n');
  r = await h.run('get', 'widgets');
  assert.is(r.err, 'error: the server doesn\'t have a resource type "widgets"\n');
  assert.equal(h.server.requests, []);
});

test('an unknown flag is named as typed, not camelCased; --no-color is known everywhere', async () => {
  const h = harness();
  let r = await h.run('svc', 'create', 'x', '--tcp', '80', '--node-poort', '30001');
  assert.equal([r.code, r.err], [1, 'error: unknown flag: --node-poort\n']);
  r = await h.run('get', 'pods', '--show-lables');
  assert.equal([r.code, r.err], [1, 'error: unknown flag: --show-lables\n']);
  r = await h.run('get', 'pods', '-Z');
  assert.equal([r.code, r.err], [1, 'error: unknown flag: -Z\n']);
  r = await h.run('get', 'pods', '--no-color', '-n=default');
  assert.is(r.code, 0, r.err);
  assert.equal(h.server.requests.length, 1);
});

test('API errors print as kubectl: Error from server (Reason): message', async () => {
  const h = harness([service('web', 'default', { ports: [{ port: 80 }] })]);
  let r = await h.run('get', 'svc', 'nope');
  assert.equal([r.code, r.out, r.err], [1, '', 'Error from server (NotFound): services "nope" not found\n']);
  r = await h.run('svc', 'create', 'web', '--tcp', '80');
  assert.equal([r.code, r.err], [1, 'Error from server (AlreadyExists): services "web" already exists\n']);
  r = await h.run('get', 'svc', '--token', 'wrong');
  assert.equal([r.code, r.err], [1, 'Error from server (Unauthorized): Unauthorized\n']);
});

test('an unreachable server: "Unable to connect to the server: ..."', async () => {
  const h = harness();
  const io: Io = {
    ...h.io,
    fetch: async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    },
  };
  const err: string[] = [];
  const code = await runCli(['get', 'pods'], { ...io, err: (t) => void err.push(t) });
  assert.is(code, 1);
  assert.equal(err, ['Unable to connect to the server: ECONNREFUSED http://apiserver.test:6443\n']);
});

test('no server configured anywhere: the connection error says where one comes from', async () => {
  const h = harness([], { MINIK_SERVER: '', MINIK_TOKEN: '' });
  const err: string[] = [];
  const seen: string[] = [];
  const code = await runCli(['get', 'pods'], {
    ...h.io,
    err: (t) => void err.push(t),
    fetch: async (url) => {
      seen.push(url);
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:6443' } });
    },
  });
  assert.is(code, 1);
  assert.equal(seen, ['https://127.0.0.1:6443/api/v1/namespaces/default/pods']);
  assert.equal(err, [
    'Unable to connect to the server: connect ECONNREFUSED 127.0.0.1:6443 (no server configured: start a lab with "minik up", or pass --server / set MINIK_SERVER)\n',
  ]);
});

test('server and token: --server/--token beat env beat ~/.minik/config', async () => {
  const h = harness([], { MINIK_SERVER: '', MINIK_TOKEN: '' });
  const seen: string[] = [];
  const io: Io = {
    ...h.io,
    fetch: async (url, init) => {
      seen.push(`${url} ${(init?.headers as Record<string, string>).authorization}`);
      return h.server.fetch(url, init);
    },
  };
  h.files['/home/test/.minik/config'] = `server: http://from-file:6443\ntoken: ${TEST_TOKEN}\n`;
  await runCli(['get', 'ns'], io);
  await runCli(['get', 'ns'], { ...io, env: { ...io.env, MINIK_SERVER: 'http://from-env:1' } });
  await runCli(['get', 'ns', '--server', 'http://from-flag:2', '--token', 'flagtoken'], io);
  assert.equal(seen, [
    `http://from-file:6443/api/v1/namespaces Bearer ${TEST_TOKEN}`,
    `http://from-env:1/api/v1/namespaces Bearer ${TEST_TOKEN}`,
    'http://from-flag:2/api/v1/namespaces Bearer flagtoken',
  ]);
});

test('a broken config file is one clear error line', async () => {
  const h = harness([], { MINIK_SERVER: '', MINIK_TOKEN: '' });
  h.files['/home/test/.minik/config'] = 'server: [oops';
  const r = await h.run('get', 'pods');
  assert.is(r.code, 1);
  assert.match(r.err, /^error: error loading config file "\/home\/test\/.minik\/config"/);
});

test('dispatch: two-word commands, flags with values before the command', () => {
  let d = dispatch(['-n', 'demo', 'svc', 'create', 'web', '--tcp', '80'], COMMANDS);
  assert.is(d.module?.name, 'svc create');
  assert.equal(d.argv, ['svc create', '-n', 'demo', 'web', '--tcp', '80']);
  d = dispatch(['--server=http://x', 'get', 'svc'], COMMANDS);
  assert.is(d.module?.name, 'get');
  d = dispatch(['svc'], COMMANDS);
  assert.is(d.module, undefined);
});

test('a registered module gets args, camelCased flags, repeatable arrays and what follows --', async () => {
  let seen: unknown;
  const probe: CommandModule = {
    name: 'probe it',
    args: '<a> [b]',
    description: 'test',
    options: [{ flags: '--node-port <n>', description: '' }, { flags: '--port <p>', description: '', repeatable: true }, { flags: '-f, --filename <f>', description: '' }],
    async run(ctx, input) {
      seen = input;
      ctx.io.out('ran\n');
      return 3;
    },
  };
  const h = harness();
  const out: string[] = [];
  const code = await runCli(['probe', 'it', 'x', '--node-port', '30080', '--port', '80', '-f', '-', '--', 'sh', '-c', 'echo hi'], {
    ...h.io,
    out: (t) => void out.push(t),
  }, [probe]);
  assert.is(code, 3);
  assert.equal(out, ['ran\n']);
  const input = seen as { args: string[]; options: Record<string, unknown>; passthrough: string[] };
  assert.equal(input.args, ['x']);
  assert.is(input.options.nodePort, 30080);
  assert.equal(input.options.port, ['80']);
  assert.is(input.options.filename, '-');
  assert.equal(input.passthrough, ['sh', '-c', 'echo hi']);
});

test('a command that throws a plain Error: "error: ..." and exit 1', async () => {
  const boom: CommandModule = { name: 'boom', description: '', run: async () => { throw new Error('it broke'); } };
  const h = harness();
  const err: string[] = [];
  assert.is(await runCli(['boom'], { ...h.io, err: (t) => void err.push(t) }, [boom]), 1);
  assert.equal(err, ['error: it broke\n']);
});

test.run();
