// End-to-end: stock kubectl reaches a real apiserver (a `minik apiserver`
// process on loopback) over TLS with the kubeconfig minik writes: the CA
// verifies the server, the bearer token authenticates (kubectl sends a token
// only over https). A kubeconfig with another CA fails verification, a wrong
// token is 401, and the context merged into an existing kubeconfig is the one
// kubectl uses. Discovery, tables and the rest of kubectl are other suites'.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadOrCreateTls, servingSans } from '../apiserver/tls.ts';
import { mergeKubeconfig, updateKubeconfigFile } from '../cli/lab/kubeconfig.ts';
import { killAll, MINIK_ARGV, startApiserverProcess } from './support/minik-process.ts';
import { skipTest } from './support/skip.ts';

const dir = mkdtempSync(join(tmpdir(), 'minik-kubectl-tls-'));
test.after(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

function findKubectl(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const kubectlBin = findKubectl();

/** kubectl with a kubeconfig of our own: never the person's ~/.kube/config. */
function kubectl(kubeconfig: string, ...args: string[]) {
  const r = spawnSync(kubectlBin!, ['--kubeconfig', kubeconfig, '--request-timeout', '10s', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: dir },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `minik kubeconfig` from the real CLI, for the server a minik config names (as `minik up` writes it). */
function minikKubeconfig(config: { server: string; token: string; ca: string; lab: string }): string {
  const configPath = join(dir, `minik-config-${config.lab}`);
  const caData = Buffer.from(config.ca).toString('base64');
  writeFileSync(configPath, `server: ${config.server}\ntoken: ${config.token}\ncertificate-authority-data: ${caData}\nlab: ${config.lab}\n`, { mode: 0o600 });
  const r = spawnSync(MINIK_ARGV[0], [...MINIK_ARGV.slice(1), 'kubeconfig'], {
    encoding: 'utf8',
    env: { ...process.env, MINIK_CONFIG: configPath, MINIK_SERVER: '', MINIK_TOKEN: '', MINIK_CA_FILE: '', HOME: dir },
  });
  assert.is(r.status, 0, r.stderr);
  return r.stdout;
}

if (!kubectlBin) skipTest(test, 'stock kubectl over TLS', 'no kubectl on PATH (the Google Cloud SDK image ships one)');
else {
  test('stock kubectl over TLS with the kubeconfig minik writes: verified, authenticated; another CA and a wrong token fail', async () => {
    const server = await startApiserverProcess(join(dir, 'data'));
    const token = readFileSync(join(dir, 'data', 'token'), 'utf8').trim();
    const text = minikKubeconfig({ server: server.url, token, ca: server.ca, lab: 'e2e' });
    assert.is(parse(text)['current-context'], 'minik-e2e');
    const good = join(dir, 'kubeconfig-good');
    writeFileSync(good, text, { mode: 0o600 });

    const version = kubectl(good, 'get', '--raw', '/version');
    assert.is(version.code, 0, version.stderr);
    assert.match(JSON.parse(version.stdout).gitVersion, /minik/);

    // A path only an authenticated client may read: the token went with the request.
    const services = kubectl(good, 'get', '--raw', '/api/v1/namespaces/kube-system/services');
    assert.is(services.code, 0, services.stderr);
    assert.equal(JSON.parse(services.stdout).items.map((s: { metadata: { name: string } }) => s.metadata.name), ['kube-dns']);

    // The same server, a CA that did not sign its certificate: Go's TLS refuses it.
    const otherCa = (await loadOrCreateTls(join(dir, 'other-ca'), servingSans(['127.0.0.1'], {}))).caPem;
    const wrongCa = join(dir, 'kubeconfig-wrong-ca');
    writeFileSync(wrongCa, minikKubeconfig({ server: server.url, token, ca: otherCa, lab: 'e2e' }), { mode: 0o600 });
    const refused = kubectl(wrongCa, 'get', '--raw', '/version');
    assert.is.not(refused.code, 0);
    assert.match(refused.stderr, /x509: certificate signed by unknown authority|failed to verify certificate/);

    const wrongToken = join(dir, 'kubeconfig-wrong-token');
    writeFileSync(wrongToken, minikKubeconfig({ server: server.url, token: 'not-the-token', ca: server.ca, lab: 'e2e' }), { mode: 0o600 });
    const denied = kubectl(wrongToken, 'get', '--raw', '/api/v1/namespaces/kube-system/services');
    assert.is.not(denied.code, 0);
    assert.match(denied.stderr, /Unauthorized/);
  });

  test("the context merged into someone's kubeconfig is current, theirs stays usable by name", async () => {
    const server = await startApiserverProcess(join(dir, 'data2'));
    const token = readFileSync(join(dir, 'data2', 'token'), 'utf8').trim();
    const path = join(dir, 'kubeconfig-merged');
    // Someone else's context, pointing nowhere, current before minik's arrives.
    writeFileSync(
      path,
      'apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster:\n    server: https://127.0.0.1:1\nusers:\n- name: other\n  user:\n    token: x\ncontexts:\n- name: other\n  context:\n    cluster: other\n    user: other\ncurrent-context: other\n',
    );
    updateKubeconfigFile(path, (text) => mergeKubeconfig(text, { lab: 'e2e2', server: server.url, token, caPem: server.ca }, { path, makeCurrent: true }));
    const contexts = kubectl(path, 'config', 'get-contexts', '-o', 'name');
    assert.equal(contexts.stdout.trim().split('\n').sort(), ['minik-e2e2', 'other']);
    assert.is(kubectl(path, 'config', 'current-context').stdout.trim(), 'minik-e2e2');
    const version = kubectl(path, 'get', '--raw', '/version');
    assert.is(version.code, 0, version.stderr);
    assert.is.not(kubectl(path, '--context', 'other', 'get', '--raw', '/version').code, 0, 'the other context is still its own (and unreachable)');
  });
}

test.run();
