import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, DEFAULT_SERVER, configPath, formatConfigFile, loadCa, parseConfigFile, resolveConfig } from './config.ts';

const files = (map: Record<string, string>) => {
  const reads: string[] = [];
  return { reads, read: (path: string) => (reads.push(path), map[path]) };
};

const HOME_CONFIG = '/home/u/.minik/config';
const fileText = 'server: http://192.168.77.1:6443\ntoken: filetoken\nlab: mkt\n';

test('flags beat environment beat the config file', () => {
  const f = files({ [HOME_CONFIG]: fileText });
  const env = { HOME: '/home/u', MINIK_SERVER: 'http://env:1', MINIK_TOKEN: 'envtoken' };
  assert.equal(resolveConfig({ server: 'http://flag:2', token: 'flagtoken' }, env, f.read), {
    server: 'http://flag:2',
    token: 'flagtoken',
    lab: 'mkt',
    configPath: HOME_CONFIG,
    serverSource: 'flag',
  });
  const fromEnv = resolveConfig({}, env, f.read);
  assert.is(fromEnv.server, 'http://env:1');
  assert.is(fromEnv.token, 'envtoken');
  assert.is(fromEnv.serverSource, 'env');
  const fromFile = resolveConfig({}, { HOME: '/home/u' }, f.read);
  assert.is(fromFile.server, 'http://192.168.77.1:6443');
  assert.is(fromFile.token, 'filetoken');
  assert.is(fromFile.serverSource, 'file');
});

test('each key falls back on its own: flag server with file token', () => {
  const f = files({ [HOME_CONFIG]: fileText });
  const c = resolveConfig({ server: 'http://flag:2' }, { HOME: '/home/u' }, f.read);
  assert.is(c.server, 'http://flag:2');
  assert.is(c.token, 'filetoken');
});

test('MINIK_CONFIG overrides the path; missing file gives the defaults', () => {
  const f = files({ '/tmp/alt': 'server: http://alt:6443\n' });
  assert.is(resolveConfig({}, { HOME: '/home/u', MINIK_CONFIG: '/tmp/alt' }, f.read).server, 'http://alt:6443');
  const none = resolveConfig({}, { HOME: '/nobody' }, files({}).read);
  assert.equal([none.server, none.token, none.lab, none.serverSource], [DEFAULT_SERVER, undefined, 'minik', 'default']);
  assert.is(configPath({ HOME: '/x' }), '/x/.minik/config');
});

test('the file is not read when flags and env give everything', () => {
  const f = files({ [HOME_CONFIG]: ': : not yaml [' });
  resolveConfig({ server: 's', token: 't', lab: 'l' }, { HOME: '/home/u' }, f.read);
  assert.equal(f.reads, []);
});

test('a broken config file is a ConfigError naming the file', () => {
  const f = files({ [HOME_CONFIG]: 'server: [unclosed' });
  try {
    resolveConfig({}, { HOME: '/home/u' }, f.read);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, `error loading config file "${HOME_CONFIG}"`);
  }
  assert.throws(() => parseConfigFile('- a\n- b\n', '/p'), /expected a map/);
});

test('host:port servers get https:// (the apiserver speaks only HTTPS); trailing slashes go; http:// is kept', () => {
  assert.is(resolveConfig({ server: '127.0.0.1:6443/' }, {}, () => undefined).server, 'https://127.0.0.1:6443');
  assert.is(resolveConfig({ server: 'http://127.0.0.1:6443' }, {}, () => undefined).server, 'http://127.0.0.1:6443');
});

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const B64 = Buffer.from(PEM).toString('base64');

test('the CA: --ca-file beats MINIK_CA_FILE beats the file; the file\'s data beats its path; a relative path is the file\'s', () => {
  const withBoth = files({ [HOME_CONFIG]: `server: https://h:1\ntoken: t\ncertificate-authority-data: ${B64}\ncertificate-authority: /etc/ca.crt\n` });
  const env = { HOME: '/home/u' };
  assert.equal(resolveConfig({ caFile: '/flag.crt' }, { ...env, MINIK_CA_FILE: '/env.crt' }, withBoth.read).ca, { file: '/flag.crt' });
  assert.equal(resolveConfig({}, { ...env, MINIK_CA_FILE: '/env.crt' }, withBoth.read).ca, { file: '/env.crt' });
  assert.equal(resolveConfig({}, env, withBoth.read).ca, { pem: PEM });
  const pathOnly = files({ [HOME_CONFIG]: 'server: https://h:1\ncertificate-authority: certs/ca.crt\n' });
  assert.equal(resolveConfig({}, env, pathOnly.read).ca, { file: '/home/u/.minik/certs/ca.crt' });
  assert.is(resolveConfig({}, env, files({ [HOME_CONFIG]: 'server: https://h:1\n' }).read).ca, undefined);
});

test("the file's CA goes with the file's server: a server from a flag or MINIK_SERVER does not get it", () => {
  const f = files({ [HOME_CONFIG]: `server: https://lab:6443\ntoken: t\ncertificate-authority-data: ${B64}\n` });
  assert.is(resolveConfig({ server: 'https://elsewhere:6443' }, { HOME: '/home/u' }, f.read).ca, undefined);
  assert.is(resolveConfig({}, { HOME: '/home/u', MINIK_SERVER: 'https://elsewhere:6443' }, f.read).ca, undefined);
  assert.equal(resolveConfig({ server: 'https://elsewhere:6443', caFile: '/x.crt' }, { HOME: '/home/u' }, f.read).ca, { file: '/x.crt' });
});

test('certificate-authority-data that is not a base64 PEM certificate is a config error naming the file', () => {
  const f = files({ [HOME_CONFIG]: 'server: https://h:1\ncertificate-authority-data: bm90IGEgY2VydA==\n' });
  assert.throws(() => resolveConfig({}, { HOME: '/home/u' }, f.read), (err: unknown) => err instanceof ConfigError && /certificate-authority-data/.test((err as Error).message));
});

test('loadCa: PEM as is, a file through the reader, a missing file as a ConfigError naming it', async () => {
  assert.is(await loadCa({ pem: PEM }, async () => 'unused'), PEM);
  assert.is(await loadCa({ file: '/ca.crt' }, async (p) => (p === '/ca.crt' ? PEM : '')), PEM);
  assert.is(await loadCa(undefined, async () => PEM), undefined);
  try {
    await loadCa({ file: '/nope.crt' }, async () => {
      throw new Error('ENOENT');
    });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.match((err as Error).message, 'error loading certificate authority "/nope.crt": ENOENT');
  }
});

test('formatConfigFile round-trips through parseConfigFile', () => {
  const text = formatConfigFile({ server: 'http://h:1', token: 'abc', lab: 'minik' });
  assert.equal(parseConfigFile(text, '/p'), { server: 'http://h:1', token: 'abc', lab: 'minik' });
});

test.run();
