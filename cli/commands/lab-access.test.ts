import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../api/types.ts';
import { harness, node } from './testing.ts';

const checkout = mkdtempSync(join(tmpdir(), 'minik-lab-access-'));
mkdirSync(join(checkout, 'vagrant'));
writeFileSync(join(checkout, 'Vagrantfile'), '# stand-in\n');
writeFileSync(join(checkout, 'vagrant', 'provision.sh'), '# stand-in\n');
test.after(() => rmSync(checkout, { recursive: true, force: true }));

const pod = (name: string, nodeName: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName, containers: [{ name: 'echo', image: 'echo' }] },
});

const objects = [node('node1', '192.168.77.11', true), node('node2', '192.168.77.12', true), pod('web-0', 'node2')];

function lab(env: Record<string, string> = {}) {
  const h = harness(objects, { SHELL: '/bin/zsh', ...env });
  const spawned: string[][] = [];
  h.io.spawnInherited = async (argv) => (spawned.push(argv), 3);
  return { h, spawned };
}

test('netns lab (no provider in the config): ip netns exec in the lab namespaces, as before', async () => {
  const { h, spawned } = lab();
  assert.is((await h.run('exec', 'web-0', '--', 'curl', '-s', 'http://web/')).code, 3, 'exit status of the command');
  await h.run('ssh', 'node1', '--', 'ip', 'route');
  await h.run('ssh', 'client');
  await h.run('rules', '--node', 'node2');
  await h.run('rules');
  assert.equal(spawned, [
    ['ip', 'netns', 'exec', 'minik-node2_default_web-0', 'curl', '-s', 'http://web/'],
    ['ip', 'netns', 'exec', 'minik-node1', 'ip', 'route'],
    ['ip', 'netns', 'exec', 'minik-client', '/bin/zsh'],
    ['ip', 'netns', 'exec', 'minik-node2', ...h.io.selfArgv, 'rules', '--local', '--mode', 'nftables', '--state-dir', '/var/lib/minik/labs/minik/nodes/node2'],
    ['ip', 'netns', 'exec', 'minik-node1', ...h.io.selfArgv, 'rules', '--local', '--mode', 'nftables', '--state-dir', '/var/lib/minik/labs/minik/nodes/node1'],
  ]);
});

test('netns lab: logs reads the agent file, --tail keeps the last lines, no output yet is one clear line', async () => {
  const { h } = lab();
  const path = '/var/lib/minik/labs/minik/nodes/node2/pods/default_web-0/output.log';
  const missing = await h.run('logs', 'web-0');
  assert.is(missing.code, 1);
  assert.match(missing.err, `no output recorded for pod "web-0" yet (${path})`);
  h.files[path] = 'one\ntwo\nthree\n';
  assert.is((await h.run('logs', 'web-0')).out, 'one\ntwo\nthree\n');
  assert.is((await h.run('logs', 'web-0', '--tail', '2')).out, 'two\nthree\n');
  assert.match((await h.run('logs', 'web-0', '--tail', 'x')).err, '--tail must be a whole number');
});

test('vagrant lab: every command goes through vagrant ssh in the checkout, argv quoted, root where needed', async () => {
  const { h, spawned } = lab({ MINIK_PROVIDER: 'vagrant', MINIK_VAGRANT_DIR: checkout });
  assert.is((await h.run('exec', 'web-0', '--', 'sh', '-c', 'echo "$HOSTNAME" it\'s')).code, 3);
  await h.run('ssh', 'node1', '--', 'ip', 'route');
  await h.run('ssh', 'node2');
  await h.run('ssh', 'client', '--', 'curl', '-s', 'http://192.168.56.11:30080/');
  await h.run('rules', '--node', 'node2');
  await h.run('logs', 'web-0', '--tail', '20');
  const vssh = (n: string, ...cmd: string[]) => ['env', `VAGRANT_CWD=${checkout}`, 'MINIK_NODES=1', 'vagrant', 'ssh', n, ...cmd];
  // No record and no machines in the stand-in checkout: MINIK_NODES is just enough for the node asked for.
  const [exec, ssh1, shell2, client, rules, logs] = spawned;
  assert.equal(exec, ['env', `VAGRANT_CWD=${checkout}`, 'MINIK_NODES=2', 'vagrant', 'ssh', 'node2', '-c',
    `sudo ip netns exec minik-node2_default_web-0 sh -c 'echo "$HOSTNAME" it'\\''s'`]);
  assert.equal(ssh1, vssh('node1', '-c', 'ip route'));
  assert.equal(shell2.slice(2), ['MINIK_NODES=2', 'vagrant', 'ssh', 'node2']);
  assert.equal(client, ['curl', '-s', 'http://192.168.56.11:30080/']);
  assert.equal(rules.at(-1), 'sudo /usr/local/bin/minik rules --local --mode nftables --state-dir /var/lib/minik/agent-node2');
  assert.equal(logs.at(-1), 'sudo tail -n 20 /var/lib/minik/agent-node2/pods/default_web-0/output.log');
});

test('ssh to a node the cluster does not have fails before anything runs', async () => {
  const { h, spawned } = lab({ MINIK_PROVIDER: 'vagrant', MINIK_VAGRANT_DIR: checkout });
  const { code, err } = await h.run('ssh', 'node9', '--', 'true');
  assert.is(code, 1);
  assert.match(err, 'NotFound');
  assert.equal(spawned, []);
});

test.run();
