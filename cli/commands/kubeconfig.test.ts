import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { labLayout } from '../../api/layout.ts';
import { makeKubeconfigCommand } from './kubeconfig.ts';
import { runWithFiles } from './testing.ts';

const LABS = '/labs';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const layout = labLayout('mk2', LABS);

/** A netns lab on "this machine": its record, token and CA in the lab dir. */
const MK2_FILES = {
  [`${layout.dir}/lab.json`]: JSON.stringify({ name: 'mk2', lan: '192.168.78.0/24', nodes: 2, proxyMode: 'nftables', apiPort: 7443 }),
  [`${layout.serverDataDir}/token`]: 'mk2-token\n',
  [`${layout.serverDataDir}/ca.crt`]: CA,
};

function minik(argv: string[], files: Record<string, string>, env: Record<string, string> = {}) {
  return runWithFiles(argv, [makeKubeconfigCommand({ labsRoot: LABS })], { files, env: { MINIK_CONFIG: '/cfg', ...env } });
}

test('kubeconfig --name LAB: built from the netns lab files (port, token, CA)', async () => {
  const r = await minik(['kubeconfig', '--name', 'mk2'], MK2_FILES);
  assert.equal([r.code, r.err], [0, '']);
  const doc = parse(r.out);
  assert.is(doc['current-context'], 'minik-mk2');
  assert.equal(doc.clusters, [{ name: 'minik-mk2', cluster: { server: 'https://127.0.0.1:7443', 'certificate-authority-data': Buffer.from(CA).toString('base64') } }]);
  assert.equal(doc.users, [{ name: 'minik-mk2', user: { token: 'mk2-token' } }]);
  assert.equal(doc.contexts, [{ name: 'minik-mk2', context: { cluster: 'minik-mk2', user: 'minik-mk2' } }]);
});

test('kubeconfig without --name: the lab of ~/.minik/config, with its server, token and CA (any provider)', async () => {
  const cfg = `server: https://192.168.56.10:6443\ntoken: vm-token\ncertificate-authority-data: ${Buffer.from(CA).toString('base64')}\nlab: vm\nprovider: vagrant\n`;
  const r = await minik(['kubeconfig'], { '/cfg': cfg });
  assert.equal([r.code, r.err], [0, '']);
  const doc = parse(r.out);
  assert.is(doc['current-context'], 'minik-vm');
  assert.is(doc.clusters[0].cluster.server, 'https://192.168.56.10:6443');
  assert.is(doc.users[0].user.token, 'vm-token');
});

test('kubeconfig of a lab that is not there: one line saying how to make it', async () => {
  const r = await minik(['kubeconfig', '--name', 'nope'], {});
  assert.is(r.code, 1);
  assert.is(r.err, 'error: no lab named nope on this machine (minik up --name nope makes it)\n');
  assert.is(r.out, '');
});

test('kubeconfig of a lab whose apiserver never wrote its CA says so', async () => {
  const { [`${layout.serverDataDir}/ca.crt`]: _, ...noCa } = MK2_FILES;
  const r = await minik(['kubeconfig', '--name', 'mk2'], noCa);
  assert.is(r.code, 1);
  assert.match(r.err, `error: lab mk2 has no CA certificate at ${layout.serverDataDir}/ca.crt`);
});

test.run();
