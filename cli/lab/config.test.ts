import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { labLayout } from '../../api/layout.ts';
import { resolveConfig } from '../config.ts';
import { minikConfigPath, readLabRecord, tokenFilePath, writeLabRecord, writeMinikConfig } from './config.ts';

const dir = mkdtempSync(join(tmpdir(), 'minik-config-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('MINIK_CONFIG overrides ~/.minik/config', () => {
  assert.is(minikConfigPath({ MINIK_CONFIG: '/x/config' }), '/x/config');
  assert.match(minikConfigPath({}), /\.minik\/config$/);
});

test('the config is YAML with server, token and lab, readable only by its owner', async () => {
  const path = join(dir, 'sub', 'config');
  await writeMinikConfig({ server: 'http://127.0.0.1:6443', token: 'abc', lab: 'mkl' }, path);
  assert.equal(parse(readFileSync(path, 'utf8')), { server: 'http://127.0.0.1:6443', token: 'abc', lab: 'mkl' });
  assert.is(statSync(path).mode & 0o777, 0o600);
});

test('the CLI reads back what up writes', async () => {
  const path = join(dir, 'cli-config');
  await writeMinikConfig({ server: 'http://127.0.0.1:26443', token: 'xyz', lab: 'mkl' }, path);
  const resolved = resolveConfig({}, { MINIK_CONFIG: path }, (p) => readFileSync(p, 'utf8'));
  assert.equal([resolved.server, resolved.token, resolved.lab, resolved.serverSource], ['http://127.0.0.1:26443', 'xyz', 'mkl', 'file']);
});

test('the lab record round-trips', () => {
  const layout = labLayout('mkl', dir);
  assert.is(readLabRecord(layout), undefined);
  const record = { name: 'mkl', lan: '192.168.79.0/24', nodes: 2, proxyMode: 'nftables' as const, apiPort: 6443 };
  writeLabRecord(layout, record);
  assert.equal(readLabRecord(layout), record);
  assert.is(tokenFilePath(layout), join(dir, 'mkl', 'server', 'token'));
});

test.run();
