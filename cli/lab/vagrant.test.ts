import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { X509Certificate } from 'node:crypto';
import { runCli } from '../commands/run-cli.ts';
import type { Io } from '../commands/types.ts';
import { ConfigError, parseConfigFile, resolveConfig } from '../config.ts';
import { makeDownCommand, makeUpCommand } from './commands.ts';
import { shellJoin, shellQuote } from './shell.ts';
import { FakeVagrantExec } from './vagrant.fake.ts';
import { realVagrantExec, vagrantFailureSummary } from './vagrant-exec.ts';
import { findVagrantDir, machineNodeCount, vagrantDirCandidates, vagrantLabFiles } from './vagrant.ts';
import { vagrantShell, vagrantSshArgv } from './vagrant-shell.ts';

const roots: string[] = [];
test.after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A stand-in checkout: the two files findVagrantDir looks for, and a config path of its own. */
function checkout() {
  const root = mkdtempSync(join(tmpdir(), 'minik-vagrant-'));
  roots.push(root);
  const dir = join(root, 'src');
  mkdirSync(join(dir, 'vagrant'), { recursive: true });
  writeFileSync(join(dir, 'Vagrantfile'), '# stand-in\n');
  writeFileSync(join(dir, 'vagrant', 'provision.sh'), '# stand-in\n');
  return {
    dir,
    config: join(root, 'home', '.minik', 'config'),
    kubeconfig: join(root, 'kube', 'config'),
    token: join(dir, '.vagrant', 'minik-token'),
    caDir: join(dir, '.vagrant', 'minik-ca'),
    upLog: join(dir, '.vagrant/minik/logs/vagrant-up.log'),
  };
}

function lab(dir: string, configPath: string, kubeconfig = join(dirname(dirname(dirname(configPath))), 'kube', 'config')) {
  const vagrant = new FakeVagrantExec();
  const builds: string[] = [];
  const waits: { server: string; token: string; nodes: string[]; caFile?: string }[] = [];
  const env = {
    vagrantExec: vagrant,
    ensureBinary: async (files: { binary: string }) => (builds.push(files.binary), 'dist/minik is up to date'),
    waitForReady: async (server: string, token: string, nodes: string[], _ms: number, opts?: { caFile?: string }) =>
      void waits.push({ server, token, nodes, caFile: opts?.caFile }),
    cwd: () => '/',
    minikArgv: () => ['/nonexistent/minik'],
  };
  const commands = [makeUpCommand(env), makeDownCommand(env)];
  const minik = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = {
      out: (t) => void out.push(t),
      err: (t) => void err.push(t),
      readStdin: async () => '',
      readFile: async (path) => readFileSync(path, 'utf8'),
      env: { HOME: '/nonexistent', MINIK_CONFIG: configPath, MINIK_VAGRANT_DIR: dir, KUBECONFIG: kubeconfig },
      now: () => new Date(),
      untilSignal: () => new Promise(() => {}),
      selfArgv: ['/nonexistent/minik'],
    };
    const code = await runCli(argv, io, commands);
    return { code, out: out.join(''), err: err.join('') };
  };
  return { vagrant, builds, waits, minik };
}

test('up --provider vagrant: token and CA first, then vagrant up with the env the Vagrantfile reads, wait for Ready, config with provider', async () => {
  const c = checkout();
  const { vagrant, builds, waits, minik } = lab(c.dir, c.config);
  const { code, out, err } = await minik('up', '--provider', 'vagrant');
  assert.is(err, '');
  assert.is(code, 0);
  assert.equal(vagrant.lines(), [
    'vagrant --version',
    `MINIK_NODES=3 MINIK_PROXY_MODE=nftables MINIK_SUBNET=192.168.56 MINIK_TOKEN_FILE=${c.token} MINIK_CA_DIR=${c.caDir} vagrant up --provision`,
  ]);
  assert.ok(vagrant.commands.every((cmd) => cmd.cwd === c.dir), 'vagrant runs in the checkout');
  assert.is(vagrant.commands[1].log, c.upLog);
  assert.equal(builds, [join(c.dir, 'dist', 'minik')]);
  // Progress says how long each step took (binary, boot + provision, Ready).
  for (const step of [/dist\/minik.*\(\d+\.\d s\)/, /VMs up and provisioned: node1, node2, node3 .*\(\d+\.\d s\)/, /Nodes Ready: node1, node2, node3 \(\d+\.\d s\)/]) {
    assert.match(out, step);
  }

  const token = readFileSync(c.token, 'utf8');
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.is(statSync(c.token).mode & 0o777, 0o600);
  const caFile = join(c.caDir, 'ca.crt');
  const ca = readFileSync(caFile, 'utf8');
  assert.ok(new X509Certificate(ca).ca, 'a CA certificate');
  assert.is(statSync(join(c.caDir, 'ca.key')).mode & 0o777, 0o600);
  assert.equal(parse(readFileSync(c.config, 'utf8')), {
    server: 'https://192.168.56.10:6443',
    token,
    'certificate-authority-data': Buffer.from(ca).toString('base64'),
    'certificate-authority': caFile,
    lab: 'minik',
    provider: 'vagrant',
  });
  assert.is(statSync(c.config).mode & 0o777, 0o600);
  assert.equal(waits, [{ server: 'https://192.168.56.10:6443', token, nodes: ['node1', 'node2', 'node3'], caFile }]);
  assert.match(readFileSync(c.upLog, 'utf8'), 'Machine booted');
  assert.match(out, 'Vagrant 2.3.7 found');
  assert.match(out, `(log ${c.upLog})`);
  assert.match(out, 'Nodes Ready: node1, node2, node3');
  assert.match(out, 'minik ssh client -- curl -s http://192.168.56.10:<nodePort>/');
});

test('up --provider vagrant passes --nodes, --proxy-mode and --lan through, and keeps an existing token and CA', async () => {
  const c = checkout();
  mkdirSync(join(c.dir, '.vagrant'), { recursive: true });
  writeFileSync(c.token, 'feedbeef\n', { mode: 0o600 });
  const { vagrant, waits, minik } = lab(c.dir, c.config);
  const { code, out } = await minik('up', '--provider', 'vagrant', '--nodes', '2', '--proxy-mode', 'ipvs', '--lan', '192.168.57.0/24', '--name', 'vm');
  assert.is(code, 0, out);
  assert.is(
    vagrant.lines()[1],
    `MINIK_NODES=2 MINIK_PROXY_MODE=ipvs MINIK_SUBNET=192.168.57 MINIK_TOKEN_FILE=${c.token} MINIK_CA_DIR=${c.caDir} vagrant up --provision`,
  );
  assert.equal(waits.map((w) => [w.server, w.token, w.nodes]), [['https://192.168.57.10:6443', 'feedbeef', ['node1', 'node2']]]);
  const config = parse(readFileSync(c.config, 'utf8'));
  assert.equal([config.server, config.token, config.lab, config.provider], ['https://192.168.57.10:6443', 'feedbeef', 'vm', 'vagrant']);
  assert.match(out, 'Kept the lab token');
  assert.match(out, 'Made the lab CA');
  const ca = readFileSync(join(c.caDir, 'ca.crt'), 'utf8');
  const again = await minik('up', '--provider', 'vagrant', '--nodes', '2', '--proxy-mode', 'ipvs', '--lan', '192.168.57.0/24', '--name', 'vm');
  assert.match(again.out, 'Kept the lab CA');
  assert.is(readFileSync(join(c.caDir, 'ca.crt'), 'utf8'), ca, 'running VMs trust it: kept');
});

test('up merges context minik-LAB into $KUBECONFIG and makes it current; down takes it out and leaves the rest', async () => {
  const c = checkout();
  mkdirSync(dirname(c.kubeconfig), { recursive: true });
  const other = 'apiVersion: v1\nkind: Config\nclusters:\n- name: kind-kind\n  cluster:\n    server: https://127.0.0.1:40000\nusers:\n- name: kind-kind\n  user:\n    token: x\ncontexts:\n- name: kind-kind\n  context:\n    cluster: kind-kind\n    user: kind-kind\ncurrent-context: kind-kind\n';
  writeFileSync(c.kubeconfig, other);
  const { minik } = lab(c.dir, c.config, c.kubeconfig);
  const up = await minik('up', '--provider', 'vagrant', '--name', 'vm');
  assert.is(up.code, 0, up.err);
  assert.match(up.out, `kubectl: context "minik-vm" in ${c.kubeconfig} is now current`);
  const merged = parse(readFileSync(c.kubeconfig, 'utf8'));
  assert.is(statSync(c.kubeconfig).mode & 0o777, 0o600);
  assert.is(merged['current-context'], 'minik-vm');
  assert.equal(merged.contexts.map((x: { name: string }) => x.name), ['kind-kind', 'minik-vm']);
  const cluster = merged.clusters.find((x: { name: string }) => x.name === 'minik-vm').cluster;
  assert.is(cluster.server, 'https://192.168.56.10:6443');
  assert.is(Buffer.from(cluster['certificate-authority-data'], 'base64').toString(), readFileSync(join(c.caDir, 'ca.crt'), 'utf8'));
  assert.is(merged.users.find((x: { name: string }) => x.name === 'minik-vm').user.token, readFileSync(c.token, 'utf8'));

  const down = await minik('down');
  assert.is(down.code, 0, down.err);
  assert.match(down.out, `kubectl: removed context "minik-vm" from ${c.kubeconfig}`);
  const after = parse(readFileSync(c.kubeconfig, 'utf8'));
  assert.equal(after.contexts.map((x: { name: string }) => x.name), ['kind-kind']);
  assert.equal(after.clusters, parse(other).clusters);
  assert.is(after['current-context'], '', 'ours was current: unset, as kind does');
});

test('up --no-kubeconfig leaves the kubeconfig alone (and does not create one)', async () => {
  const c = checkout();
  const { minik } = lab(c.dir, c.config, c.kubeconfig);
  const up = await minik('up', '--provider', 'vagrant', '--no-kubeconfig');
  assert.is(up.code, 0, up.err);
  assert.not.match(up.out, 'kubectl: context');
  assert.not.ok(existsSync(c.kubeconfig));
  assert.ok(existsSync(c.config), 'the minik config is still written');
});

test('up --provider vagrant keeps a bigger lab bigger, and refuses a different --lan', async () => {
  const c = checkout();
  const { vagrant, minik } = lab(c.dir, c.config);
  assert.is((await minik('up', '--provider', 'vagrant', '--nodes', '4')).code, 0);
  const again = await minik('up', '--provider', 'vagrant', '--nodes', '2');
  assert.is(again.code, 0);
  assert.match(again.out, 'keeps its 4 VMs');
  assert.match(vagrant.lines().at(-1)!, /^MINIK_NODES=4 /);
  const moved = await minik('up', '--provider', 'vagrant', '--lan', '192.168.58.0/24');
  assert.is(moved.code, 1);
  assert.match(moved.err, 'already runs on 192.168.56.0/24');
});

test('up --provider vagrant without vagrant: one line saying how to get it, nothing built or written', async () => {
  const c = checkout();
  const { vagrant, builds, minik } = lab(c.dir, c.config);
  vagrant.installed = false;
  const { code, err } = await minik('up', '--provider', 'vagrant');
  assert.is(code, 1);
  assert.is(err.trim().split('\n').length, 1, err);
  assert.match(err, 'vagrant is not installed');
  assert.match(err, 'apt-get install --no-install-recommends vagrant');
  assert.equal(builds, []);
  assert.not.ok(existsSync(c.config));
  assert.not.ok(existsSync(c.token));
});

test('a failing vagrant up is one line naming the log; the config already says vagrant, so down finds the VMs', async () => {
  const c = checkout();
  const { vagrant, waits, minik } = lab(c.dir, c.config);
  // node1 was created, then something failed: the half-made lab must still go down.
  vagrant.respond = (cmd) => {
    if (cmd.argv[1] !== 'up') return undefined;
    FakeVagrantExec.createMachine(cmd.cwd, 'node1');
    return { code: 1, stdout: '', stderr: '', log: "Bringing machine 'node1' up...\nThe box 'debian/bookworm64' could not be found.\n" };
  };
  const { code, err } = await minik('up', '--provider', 'vagrant');
  assert.is(code, 1);
  assert.is(err.trim().split('\n').length, 1, err);
  assert.match(err, `vagrant up --provision failed (exit 1): The box 'debian/bookworm64' could not be found.; full output in ${c.upLog}`);
  assert.equal(waits, []);
  assert.is(parse(readFileSync(c.config, 'utf8')).provider, 'vagrant');

  vagrant.respond = undefined;
  const down = await minik('down');
  assert.is(down.code, 0, down.err);
  assert.is(vagrant.lines().at(-1), `MINIK_NODES=3 MINIK_TOKEN_FILE=${c.token} MINIK_CA_DIR=${c.caDir} vagrant destroy -f`);
});

test('down --provider vagrant destroys every VM and is idempotent (no vagrant needed when nothing is there)', async () => {
  const c = checkout();
  const { vagrant, minik } = lab(c.dir, c.config);
  assert.is((await minik('up', '--provider', 'vagrant', '--nodes', '2')).code, 0);
  const first = await minik('down', '--provider', 'vagrant');
  assert.is(first.code, 0, first.err);
  assert.equal(vagrant.lines().slice(2), ['vagrant --version', `MINIK_NODES=2 MINIK_TOKEN_FILE=${c.token} MINIK_CA_DIR=${c.caDir} vagrant destroy -f`]);
  assert.is(vagrant.commands.at(-1)!.cwd, c.dir);
  assert.match(first.out, 'Vagrant VMs destroyed: node1, node2');
  assert.not.ok(existsSync(c.token), 'the token goes with the VMs');
  assert.not.ok(existsSync(c.caDir), 'so does the CA');
  assert.not.ok(existsSync(join(c.dir, '.vagrant/minik/lab.json')));

  const before = vagrant.commands.length;
  vagrant.installed = false;
  const second = await minik('down', '--provider', 'vagrant');
  assert.is(second.code, 0, second.err);
  assert.is(vagrant.commands.length, before, 'nothing to destroy: vagrant is not run');
  assert.match(second.out, 'No Vagrant VMs');
});

test('down destroys as many VMs as Vagrant has machines for, without a record; VMs but no vagrant is an error', async () => {
  const c = checkout();
  for (const m of ['node1', 'node5', 'default']) FakeVagrantExec.createMachine(c.dir, m);
  const { vagrant, minik } = lab(c.dir, c.config);
  assert.is((await minik('down', '--provider', 'vagrant')).code, 0);
  assert.is(vagrant.lines().at(-1), `MINIK_NODES=5 MINIK_TOKEN_FILE=${c.token} MINIK_CA_DIR=${c.caDir} vagrant destroy -f`);
  FakeVagrantExec.createMachine(c.dir, 'node2');
  vagrant.installed = false;
  const missing = await minik('down', '--provider', 'vagrant');
  assert.is(missing.code, 1);
  assert.match(missing.err, 'vagrant is not installed');
});

test('a failed vagrant run is summed up by the first line of its error, plus the VM\'s last line when a provisioner failed', () => {
  const noProvider = [
    '# 2026-11-25T14:04:35.133Z MINIK_NODES=1 vagrant up --provision',
    'No usable default provider could be found for your system.',
    '',
    'Vagrant relies on interactions with 3rd party systems, known as',
    'error message for that particular provider.',
  ].join('\n');
  assert.is(vagrantFailureSummary(noProvider), 'No usable default provider could be found for your system.');
  const provisioner = [
    '# 2026-11-25T13:00:00.000Z earlier run',
    'An old error that must not be picked',
    '# 2026-11-25T14:00:00.000Z MINIK_NODES=3 vagrant up --provision',
    "Bringing machine 'node1' up with 'libvirt' provider...",
    '==> node1: Running provisioner: minik (shell)...',
    '    node1: ==> [node1] provisioning as server (node ip 192.168.56.10, server 192.168.56.10)',
    '    node1: provision: /vagrant/dist/minik is missing (run npm run build:binary on the host)',
    'The SSH command responded with a non-zero exit status. Vagrant',
    'assumes that this means the command failed.',
    '',
  ].join('\n');
  assert.is(
    vagrantFailureSummary(provisioner),
    'The SSH command responded with a non-zero exit status. Vagrant (last from the VM: node1: provision: /vagrant/dist/minik is missing (run npm run build:binary on the host))',
  );
  assert.is(vagrantFailureSummary(''), '');
});

test('down after an up that created no VM: nothing to destroy, vagrant not run (it fails where no VM provider is installed)', async () => {
  const c = checkout();
  const { vagrant, minik } = lab(c.dir, c.config);
  vagrant.respond = (cmd) => (cmd.argv[1] === 'up' ? { code: 1, stdout: '', stderr: '', log: 'No usable default provider could be found for your system.\n' } : undefined);
  assert.is((await minik('up', '--provider', 'vagrant')).code, 1);
  vagrant.installed = false;
  const before = vagrant.commands.length;
  const down = await minik('down');
  assert.is(down.code, 0, down.err);
  assert.is(vagrant.commands.length, before);
  assert.not.ok(existsSync(c.token));
  assert.not.ok(existsSync(join(c.dir, '.vagrant/minik/lab.json')));
});

test('realVagrantExec: runs in the checkout with the extra env, appends both streams to the log, 127 for a missing executable', async () => {
  const c = checkout();
  const log = join(c.dir, 'logs', 'run.log');
  writeFileSync(join(c.dir, 'marker'), '');
  const script = 'ls marker; echo "nodes=$MINIK_NODES"; echo oops >&2; exit 3';
  const logged = await realVagrantExec.run({ argv: ['sh', '-c', script], cwd: c.dir, env: { MINIK_NODES: '4' }, log });
  assert.is(logged.code, 3);
  assert.is(readFileSync(log, 'utf8'), 'marker\nnodes=4\noops\n');
  const captured = await realVagrantExec.run({ argv: ['sh', '-c', 'echo "$MINIK_NODES"'], cwd: c.dir, env: { MINIK_NODES: '2' } });
  assert.equal([captured.code, captured.stdout], [0, '2\n']);
  assert.is((await realVagrantExec.run({ argv: ['/nonexistent/vagrant', '--version'], cwd: c.dir, env: {} })).code, 127);
});

test('shellQuote leaves plain words alone and single-quotes the rest', () => {
  assert.is(shellQuote('nft'), 'nft');
  assert.is(shellQuote('http://10.96.0.10:80/a,b'), 'http://10.96.0.10:80/a,b');
  assert.is(shellQuote('a b'), "'a b'");
  assert.is(shellQuote("it's"), `'it'\\''s'`);
  assert.is(shellQuote('$HOME'), "'$HOME'");
  assert.is(shellQuote(''), "''");
});

test('shellJoin: a real shell splits the line back into the same argv (spaces, quotes, $, backticks, newlines, globs)', () => {
  const argv = ['a b', "it's", '$HOME', '`id`', '"q"', '', 'x\ny', '\\', '*', '~', '!x', '$(echo hi)', 'ok-1.2:3', "'"];
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${shellJoin(argv)}`], { encoding: 'utf8', cwd: '/' });
  assert.equal(out.split('\0').slice(0, -1), argv);
});

test('vagrant ssh command lines: env for the checkout and node count, quoted command, sudo only where root is needed', () => {
  const o = { dir: '/src/minik', nodes: 3 };
  assert.equal(vagrantSshArgv(o, 'node2', ['curl', '-s', "http://x/a b?q='1'&r=$y"]), [
    'env', 'VAGRANT_CWD=/src/minik', 'MINIK_NODES=3', 'vagrant', 'ssh', 'node2', '-c', `curl -s 'http://x/a b?q='\\''1'\\''&r=$y'`,
  ]);
  assert.equal(vagrantSshArgv(o, 'node1', ['nft', 'list', 'table', 'ip', 'minik'], true).slice(-2), ['-c', 'sudo nft list table ip minik']);
  assert.equal(vagrantSshArgv(o, 'node1', []), ['env', 'VAGRANT_CWD=/src/minik', 'MINIK_NODES=3', 'vagrant', 'ssh', 'node1']);
  // The Vagrantfile only defines MINIK_NODES machines: never fewer than the node asked for.
  assert.is(vagrantSshArgv({ dir: '/s', nodes: 0 }, 'node7', ['true'])[2], 'MINIK_NODES=7');
});

test('vagrant LabShell: pods in minik-NODE_NS_POD as root, logs from the VM agent state dir, client is this host', async () => {
  const spawned: string[][] = [];
  const shell = vagrantShell({ dir: '/src', nodes: 3, loginShell: '/bin/zsh', spawn: async (argv) => (spawned.push(argv), 7) });
  const pod = { node: 'node2', namespace: 'default', name: 'web-0' };
  assert.is(await shell.inPod(pod, ['curl', '-s', 'http://web/']), 7, 'exit status passes through');
  assert.is(await shell.podLog(pod), 7);
  await shell.podLog(pod, 5);
  await shell.onNode('node3', ['ip', 'route']);
  await shell.onClient(['curl', '-s', 'http://192.168.56.11:30080/']);
  await shell.onClient([]);
  const ssh = (node: string, cmd: string) => ['env', 'VAGRANT_CWD=/src', 'MINIK_NODES=3', 'vagrant', 'ssh', node, '-c', cmd];
  assert.equal(spawned, [
    ssh('node2', 'sudo ip netns exec minik-node2_default_web-0 curl -s http://web/'),
    ssh('node2', 'sudo cat /var/lib/minik/agent-node2/pods/default_web-0/output.log'),
    ssh('node2', 'sudo tail -n 5 /var/lib/minik/agent-node2/pods/default_web-0/output.log'),
    ssh('node3', 'ip route'),
    ['curl', '-s', 'http://192.168.56.11:30080/'],
    ['/bin/zsh'],
  ]);
});

test('the checkout is found from MINIK_VAGRANT_DIR, the running minik, or the working directory', () => {
  assert.equal(vagrantDirCandidates({ env: { MINIK_VAGRANT_DIR: 'lab' }, selfArgv: ['/x/dist/minik'], cwd: '/w' }), ['/w/lab']);
  assert.equal(vagrantDirCandidates({ env: {}, selfArgv: ['/usr/bin/node', '--import', 'tsx', '/src/m/cli/main.ts'], cwd: '/w/a' }), [
    '/src/m', '/w/a', '/w', '/',
  ]);
  const files = new Set(['/w/Vagrantfile', '/w/vagrant/provision.sh', '/x/Vagrantfile']);
  assert.is(findVagrantDir({ env: {}, selfArgv: ['/x/dist/minik'], cwd: '/w/a' }, (p) => files.has(p)), '/w');
  assert.throws(() => findVagrantDir({ env: {}, selfArgv: ['minik'], cwd: '/elsewhere' }, (p) => files.has(p)), /set MINIK_VAGRANT_DIR/);
});

test('lab files live beside Vagrant\'s own state; MINIK_TOKEN_FILE moves the token as in the Vagrantfile', () => {
  const f = vagrantLabFiles('/src');
  assert.equal([f.record, f.upLog, f.tokenFile, f.binary], ['/src/.vagrant/minik/lab.json', '/src/.vagrant/minik/logs/vagrant-up.log', '/src/.vagrant/minik-token', '/src/dist/minik']);
  assert.is(vagrantLabFiles('/src', { MINIK_TOKEN_FILE: 'tok' }).tokenFile, '/src/tok');
  assert.is(machineNodeCount(['node1', 'node12', 'node3', 'default', 'node0']), 12);
  assert.is(machineNodeCount([]), 0);
});

test('the config records provider: vagrant; MINIK_PROVIDER overrides; anything else is refused', () => {
  const text = 'server: http://192.168.56.10:6443\ntoken: t\nlab: minik\nprovider: vagrant\n';
  assert.is(parseConfigFile(text, '/c').provider, 'vagrant');
  const read = () => text;
  assert.is(resolveConfig({}, { MINIK_CONFIG: '/c' }, read).provider, 'vagrant');
  assert.is(resolveConfig({}, { MINIK_CONFIG: '/c', MINIK_PROVIDER: 'netns' }, read).provider, 'netns');
  assert.is(resolveConfig({}, { MINIK_CONFIG: '/c' }, () => 'server: http://h:1\n').provider, undefined, 'absent: a netns lab');
  assert.throws(() => parseConfigFile('provider: kvm\n', '/c'), (e: Error) => e instanceof ConfigError && /provider must be netns or vagrant/.test(e.message));
});

test.run();
