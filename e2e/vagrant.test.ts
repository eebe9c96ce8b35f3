// The Vagrant lab, checked on a machine that runs no VMs:
//   - `vagrant validate --ignore-provider` on the Vagrantfile,
//   - shellcheck on every provisioning script,
//   - `systemd-analyze verify` on the units minik renders,
//   - vagrant/provision.sh run against a network namespace standing in for
//     the server VM (namespaces `mkvag-*` only, all removed afterwards).
// Installs Debian's vagrant (--no-install-recommends) and shellcheck when
// missing; a tool apt cannot provide turns its test into a SKIP.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCa } from '../apiserver/tls.ts';
import { renderUnit, unitName } from '../agent/systemd/unit.ts';
import { ensureBinary, helpCommands, realCliExists } from '../scripts/binary/ensure.ts';
import { netnsUnavailable, skipTest } from './support/skip.ts';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'minik-vagrant-e2e-'));
const tag = String(process.pid % 100000);
const VM_NETNS = `mkvag-${tag}-vm`;
const PEER_NETNS = `mkvag-${tag}-host`;
const SERVER_IP = '192.168.56.10';

function sh(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeout?: number } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: options.timeout ?? 120_000, env: options.env ?? process.env, cwd: options.cwd });
  return { code: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

const has = (cmd: string) => sh('sh', ['-c', `command -v ${cmd}`]).code === 0;

/** Installs Debian packages for missing commands; returns why not, or undefined when the command is there. */
function ensureCommand(cmd: string, pkg: string): string | undefined {
  if (has(cmd)) return undefined;
  if (process.getuid?.() !== 0) return `'${cmd}' is missing and installing ${pkg} needs root`;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = sh('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { env, timeout: 600_000 });
  if (r.code !== 0) {
    sh('apt-get', ['update', '-qq'], { env, timeout: 600_000 });
    r = sh('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { env, timeout: 600_000 });
  }
  return has(cmd) ? undefined : `apt-get could not install ${pkg}: ${r.stderr.trim().split('\n').at(-1)}`;
}

function scriptsUnder(path: string): string[] {
  return readdirSync(path, { withFileTypes: true }).flatMap((e) => {
    const full = join(path, e.name);
    if (e.isDirectory()) return scriptsUnder(full);
    return e.name.endsWith('.sh') || readFileSync(full, 'utf8').startsWith('#!/usr/bin/env bash') ? [full] : [];
  });
}

const noVagrant = ensureCommand('vagrant', 'vagrant');
const noShellcheck = ensureCommand('shellcheck', 'shellcheck');
const noSystemdAnalyze = ensureCommand('systemd-analyze', 'systemd');

// ---- vagrant validate --------------------------------------------------------

/** The Vagrantfile and its scripts in a scratch project, so validate writes nothing into the checkout. */
function scratchProject(name: string): string {
  const project = join(dir, name);
  mkdirSync(project);
  copyFileSync(join(ROOT, 'Vagrantfile'), join(project, 'Vagrantfile'));
  cpSync(join(ROOT, 'vagrant'), join(project, 'vagrant'), { recursive: true });
  return project;
}

function validate(project: string, extraEnv: Record<string, string> = {}) {
  return sh('vagrant', ['validate', '--ignore-provider'], {
    cwd: project,
    env: { ...process.env, VAGRANT_HOME: join(dir, 'vagrant.d'), VAGRANT_CHECKPOINT_DISABLE: '1', ...extraEnv },
  });
}

if (noVagrant) skipTest(test, 'vagrant validate', noVagrant);
else {
  test('vagrant validate --ignore-provider passes and the host token and CA are made first (keys 0600)', () => {
    const project = scratchProject('validate');
    const token = join(project, '.vagrant', 'minik-token');
    const r = validate(project);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /node1/);
    assert.match(readFileSync(token, 'utf8'), /^[0-9a-f]{64}$/);
    assert.is(statSync(token).mode & 0o777, 0o600);
    // The Vagrantfile's own CA (for `vagrant up` without minik): a CA whose key signs what the apiserver needs.
    const ca = new X509Certificate(readFileSync(join(project, '.vagrant', 'minik-ca', 'ca.crt')));
    assert.ok(ca.ca, 'CA:TRUE');
    assert.ok(ca.checkPrivateKey(createPrivateKey(readFileSync(join(project, '.vagrant', 'minik-ca', 'ca.key')))), 'the key is the CA\'s');
    assert.is(statSync(join(project, '.vagrant', 'minik-ca', 'ca.key')).mode & 0o777, 0o600);
  });

  test('MINIK_NODES sets the VM count and is checked', () => {
    const project = scratchProject('nodes');
    const five = validate(project, { MINIK_NODES: '5', MINIK_TOKEN_FILE: join(project, 'token') });
    assert.is(five.code, 0, five.stderr);
    assert.match(five.stdout, /node5/);
    const zero = validate(project, { MINIK_NODES: '0', MINIK_TOKEN_FILE: join(project, 'token') });
    assert.is.not(zero.code, 0);
    assert.match(zero.stdout + zero.stderr, /MINIK_NODES must be between 1 and 50/);
  });
}

// ---- shellcheck ---------------------------------------------------------------

if (noShellcheck) skipTest(test, 'shellcheck', noShellcheck);
else {
  test('shellcheck: every provisioning script is clean', () => {
    const scripts = scriptsUnder(join(ROOT, 'vagrant'));
    assert.ok(scripts.includes(join(ROOT, 'vagrant', 'provision.sh')), scripts.join(' '));
    for (const script of scripts) {
      const r = sh('shellcheck', ['--severity=style', script]);
      assert.is(r.code, 0, `${script}\n${r.stdout}${r.stderr}`);
    }
  });
}

// ---- systemd-analyze verify ---------------------------------------------------

function verifyUnit(path: string) {
  const r = sh('systemd-analyze', ['verify', path], { env: { ...process.env, SYSTEMD_LOG_LEVEL: 'warning' } });
  // verify exits non-zero on hard errors; unknown keys are only warnings, so look at the text too
  const complaints = (r.stdout + r.stderr)
    .split('\n')
    .filter((l) => l.includes(path.split('/').pop()!) || /Unknown|ignoring|not executable|Invalid/.test(l));
  return { code: r.code, complaints, output: r.stdout + r.stderr };
}

if (noSystemdAnalyze) skipTest(test, 'systemd-analyze verify', noSystemdAnalyze);
else {
  test('systemd-analyze verify: both rendered units are valid', () => {
    const units = join(dir, 'units');
    mkdirSync(units);
    // verify insists that ExecStart names an executable that exists
    const standIn = join(units, 'minik');
    copyFileSync('/bin/true', standIn);
    const files = {
      apiserver: renderUnit('apiserver', {
        binary: standIn,
        args: ['--listen', `${SERVER_IP}:6443`, '--data-dir', '/var/lib/minik/server', '--token-file', '/etc/minik/token', '--lb-pool', '192.168.56.200-192.168.56.250'],
      }),
      agent: renderUnit('agent', {
        binary: standIn,
        args: ['--server', `https://${SERVER_IP}:6443`, '--ca-file', '/etc/minik/ca.crt', '--node-name', 'node1', '--node-ip', SERVER_IP, '--token-file', '/etc/minik/token'],
        after: [unitName('apiserver')],
        environment: { MINIK_EXAMPLE: 'a value with spaces and 100%' },
      }),
    };
    for (const [role, text] of Object.entries(files)) {
      const path = join(units, `minik-${role}.service`);
      writeFileSync(path, text);
      const v = verifyUnit(path);
      assert.is(v.code, 0, v.output);
      assert.equal(v.complaints, [], v.output);
    }
  });

  test('systemd-analyze verify catches a broken unit (the check can fail)', () => {
    const path = join(dir, 'units', 'minik-broken.service');
    writeFileSync(path, '[Service]\nExecStart=/nonexistent/minik agent\n');
    assert.is.not(verifyUnit(path).code, 0);
  });
}

// ---- provision.sh against a namespace standing in for the server VM ------------

const cleanups: (() => void)[] = [];
test.after(() => {
  for (const fn of cleanups.reverse()) {
    try {
      fn();
    } catch (err) {
      console.error(`cleanup: ${(err as Error).message}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function killPidFiles(runDir: string): void {
  if (!existsSync(runDir)) return;
  for (const file of readdirSync(runDir).filter((f) => f.endsWith('.pid'))) {
    const pid = Number(readFileSync(join(runDir, file), 'utf8'));
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue;
    }
    for (let i = 0; i < 50 && isAlive(pid); i++) execFileSync('sleep', ['0.1']);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A VM stand-in: namespace with eth1 = 192.168.56.10/24, wired to a peer namespace playing the host (.1). */
function makeStandInVm(vm: string, peer: string): void {
  ip('netns', 'add', vm);
  cleanups.push(() => ip('netns', 'del', vm));
  ip('netns', 'add', peer);
  cleanups.push(() => ip('netns', 'del', peer));
  // Created inside the namespaces: no link ever appears in the host's.
  ip('-n', vm, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', peer);
  ip('-n', vm, 'addr', 'add', `${SERVER_IP}/24`, 'dev', 'eth1');
  ip('-n', peer, 'addr', 'add', '192.168.56.1/24', 'dev', 'eth0');
  for (const ns of [vm, peer]) ip('-n', ns, 'link', 'set', 'lo', 'up');
  ip('-n', vm, 'link', 'set', 'eth1', 'up');
  ip('-n', peer, 'link', 'set', 'eth0', 'up');
}

function provisionEnv(
  prefix: string,
  token: string,
  binary: string,
  vm: string,
  role: 'server' | 'agent',
  ca: { cert: string; key: string },
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MINIK_CA_SRC: ca.cert,
    MINIK_CA_KEY_SRC: role === 'server' ? ca.key : '',
    MINIK_ROLE: role,
    MINIK_NODE_NAME: role === 'server' ? 'node1' : 'node2',
    MINIK_NODE_IP: role === 'server' ? SERVER_IP : '192.168.56.11',
    MINIK_SERVER_IP: SERVER_IP,
    MINIK_TOKEN_SRC: token,
    MINIK_BINARY_SRC: binary,
    MINIK_PREFIX: prefix,
    MINIK_PROVISION_NETNS: vm,
  };
}

const netnsInode = (path: string) => statSync(path).ino;

const netnsWhyNot = netnsUnavailable();
// The real binary is built (once) only when the real CLI exists; its --help says whether the daemons are in yet.
let buildError: Error | undefined;
const realBinary = !netnsWhyNot && realCliExists() ? await ensureBinary().then((b) => b.path, (err: Error) => void (buildError = err)) : undefined;
// A broken build fails here, once, and leaves the other checks running.
if (buildError) test('dist/minik builds', () => assert.unreachable(buildError!.message));
const daemonCommands = realBinary ? helpCommands(sh(realBinary, ['--help']).stdout) : new Set<string>();
const missingDaemonCommands = ['install-service', 'apiserver', 'agent'].filter((c) => !daemonCommands.has(c));
const noSocat = has('socat') ? undefined : "needs 'socat' for the stand-in apiserver";
if (netnsWhyNot || noSocat) skipTest(test, 'provision.sh flow with a stand-in minik', (netnsWhyNot ?? noSocat)!);
else {
  test('provision.sh flow with a stand-in minik: flags, units, daemons in the VM namespace, re-run converges', async () => {
    const vm = `mkvag-${tag}-svm`;
    makeStandInVm(vm, `mkvag-${tag}-shost`);
    const prefix = join(dir, 'standin-root');
    const token = join(dir, 'standin-token');
    const argvLog = join(dir, 'standin-argv.log');
    writeFileSync(token, 'standin-token', { mode: 0o600 });
    const ca = { cert: join(dir, 'standin-ca.crt'), key: join(dir, 'standin-ca.key') };
    writeFileSync(ca.cert, 'standin CA certificate\n');
    writeFileSync(ca.key, 'standin CA key\n', { mode: 0o600 });
    const runDir = join(prefix, 'run', 'minik');
    cleanups.push(() => killPidFiles(runDir));
    const env = { ...provisionEnv(prefix, token, join(ROOT, 'e2e', 'support', 'standin-minik.sh'), vm, 'server', ca), MINIK_STANDIN_LOG: argvLog };
    const script = join(ROOT, 'vagrant', 'provision.sh');

    const first = sh('bash', [script], { env });
    assert.is(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, 'netns mode: not loading ip_vs into the shared kernel');
    assert.match(first.stdout, 'apiserver answers on 192.168.56.10:6443');
    const minik = join(prefix, 'usr', 'local', 'bin', 'minik');
    const etc = join(prefix, 'etc', 'minik');
    const state = join(prefix, 'var', 'lib', 'minik');
    const units = join(prefix, 'etc', 'systemd', 'system');
    // the daemons started in the background record their argv a moment later
    let calls: string[] = [];
    for (let i = 0; i < 50 && calls.length < 5; i++) {
      calls = readFileSync(argvLog, 'utf8').trim().split('\n');
      if (calls.length < 5) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(calls, [
      '--version',
      `install-service apiserver --binary ${minik} --unit-dir ${units} --no-start -- --listen ${SERVER_IP}:6443 --extra-listen 127.0.0.1:6443 --data-dir ${state}/server --token-file ${etc}/token --lb-pool 192.168.56.200-192.168.56.250`,
      `apiserver --listen ${SERVER_IP}:6443 --extra-listen 127.0.0.1:6443 --data-dir ${state}/server --token-file ${etc}/token --lb-pool 192.168.56.200-192.168.56.250`,
      `install-service agent --binary ${minik} --unit-dir ${units} --after minik-apiserver.service --no-start -- --server https://${SERVER_IP}:6443 --ca-file ${etc}/ca.crt --node-name node1 --node-ip ${SERVER_IP} --token-file ${etc}/token --proxy-mode nftables --state-dir ${state}/agent-node1`,
      `agent --server https://${SERVER_IP}:6443 --ca-file ${etc}/ca.crt --node-name node1 --node-ip ${SERVER_IP} --token-file ${etc}/token --proxy-mode nftables --state-dir ${state}/agent-node1`,
    ]);
    assert.is(readFileSync(join(etc, 'token'), 'utf8'), 'standin-token');
    assert.is(statSync(join(etc, 'token')).mode & 0o777, 0o600);
    // The CA beside the token for the agent; CA and key in the apiserver's data dir (the key 0600).
    assert.is(readFileSync(join(etc, 'ca.crt'), 'utf8'), 'standin CA certificate\n');
    assert.is(readFileSync(join(state, 'server', 'ca.crt'), 'utf8'), 'standin CA certificate\n');
    assert.is(readFileSync(join(state, 'server', 'ca.key'), 'utf8'), 'standin CA key\n');
    assert.is(statSync(join(state, 'server', 'ca.key')).mode & 0o777, 0o600);

    // The daemons run inside the VM's namespace, not the host's.
    const agentPid = Number(readFileSync(join(runDir, 'agent.pid'), 'utf8'));
    assert.ok(isAlive(agentPid));
    assert.is(netnsInode(`/proc/${agentPid}/ns/net`), netnsInode(`/run/netns/${vm}`));
    assert.is.not(netnsInode(`/proc/${agentPid}/ns/net`), netnsInode('/proc/self/ns/net'));

    // Provisioning again (vagrant provision) replaces the daemons instead of piling them up.
    const second = sh('bash', [script], { env });
    assert.is(second.code, 0, second.stdout + second.stderr);
    const newPid = Number(readFileSync(join(runDir, 'agent.pid'), 'utf8'));
    assert.is.not(newPid, agentPid);
    for (let i = 0; i < 50 && isAlive(agentPid); i++) await new Promise((r) => setTimeout(r, 100));
    assert.not.ok(isAlive(agentPid), 'the old agent was stopped');
  });

  test('provision.sh rejects what it cannot work with, with one clear line', () => {
    const base = provisionEnv(join(dir, 'bad-root'), join(dir, 'missing-token'), '/nonexistent/minik', 'mkvag-none', 'server', {
      cert: join(dir, 'missing-ca.crt'),
      key: join(dir, 'missing-ca.key'),
    });
    const badRole = sh('bash', [join(ROOT, 'vagrant', 'provision.sh')], { env: { ...base, MINIK_ROLE: 'boss' } });
    assert.is(badRole.code, 2);
    assert.match(badRole.stderr, "MINIK_ROLE must be server or agent, got 'boss'");
    const noNs = sh('bash', [join(ROOT, 'vagrant', 'provision.sh')], { env: base });
    assert.is(noNs.code, 2);
    assert.match(noNs.stderr, 'network namespace mkvag-none does not exist');
    const { MINIK_NODE_IP: _, ...noIp } = base;
    const missing = sh('bash', [join(ROOT, 'vagrant', 'provision.sh')], { env: noIp });
    assert.is.not(missing.code, 0);
    assert.match(missing.stderr, 'MINIK_NODE_IP is required');
  });
}

if (netnsWhyNot) skipTest(test, 'provision.sh in a stand-in VM', netnsWhyNot);
// A binary that does not build, or lacks a daemon command, is a regression: fail, never skip.
else if (!realBinary) test('provision.sh in a stand-in VM', () => assert.unreachable(buildError ? `dist/minik did not build: ${buildError}` : 'no minik binary'));
else if (missingDaemonCommands.length) {
  test('provision.sh in a stand-in VM', () => assert.unreachable(`the built minik lacks ${missingDaemonCommands.join(', ')}`));
} else {
  test('provision.sh (server role) in a network namespace: units rendered, apiserver and agent up, node Ready', async () => {
    const binary = realBinary!;
    makeStandInVm(VM_NETNS, PEER_NETNS);
    const prefix = join(dir, 'root');
    const token = join(dir, 'token');
    writeFileSync(token, 'e2e-vagrant-token-0123456789abcdef', { mode: 0o600 });
    // The CA as `minik up --provider vagrant` makes it on the host.
    const caDir = join(dir, 'host-ca');
    await loadOrCreateCa(caDir);
    const ca = { cert: join(caDir, 'ca.crt'), key: join(caDir, 'ca.key') };
    cleanups.push(() => killPidFiles(join(prefix, 'run', 'minik')));

    const env = provisionEnv(prefix, token, binary, VM_NETNS, 'server', ca);
    const run = sh('bash', [join(ROOT, 'vagrant', 'provision.sh')], { env, timeout: 180_000 });
    const logs = () =>
      ['apiserver', 'agent'].map((r) => `--- ${r}.log\n${readIf(join(prefix, 'var', 'log', 'minik', `${r}.log`))}`).join('\n');
    assert.is(run.code, 0, `${run.stdout}\n${run.stderr}\n${logs()}`);
    assert.match(run.stdout, 'netns mode: not installing packages');
    assert.match(run.stdout, 'apiserver answers on 192.168.56.10:6443');

    const minik = join(prefix, 'usr', 'local', 'bin', 'minik');
    assert.is(statSync(minik).mode & 0o777, 0o755);
    assert.is(statSync(join(prefix, 'etc', 'minik', 'token')).mode & 0o777, 0o600);
    const unitDir = join(prefix, 'etc', 'systemd', 'system');
    const agentUnit = readFileSync(join(unitDir, 'minik-agent.service'), 'utf8');
    assert.match(agentUnit, `ExecStart=${minik} agent --server https://${SERVER_IP}:6443 --ca-file ${join(prefix, 'etc', 'minik', 'ca.crt')} --node-name node1 --node-ip ${SERVER_IP}`);
    assert.match(agentUnit, 'After=network-online.target minik-apiserver.service');
    if (!noSystemdAnalyze) {
      for (const unit of ['minik-apiserver.service', 'minik-agent.service']) {
        const v = verifyUnit(join(unitDir, unit));
        assert.is(v.code, 0, v.output);
      }
    }

    // From the "host" side of the private network, like `minik get nodes` on a laptop.
    let nodes = '';
    for (let i = 0; i < 60 && !/node1\s+Ready/.test(nodes); i++) {
      const r = sh('ip', ['netns', 'exec', PEER_NETNS, minik, 'get', 'nodes', '--server', `https://${SERVER_IP}:6443`, '--ca-file', ca.cert, '--token', readFileSync(token, 'utf8').trim()]);
      nodes = r.stdout + r.stderr;
      if (!/node1\s+Ready/.test(nodes)) await new Promise((res) => setTimeout(res, 1000));
    }
    assert.match(nodes, /node1\s+Ready/, `${nodes}\n${logs()}`);
    // The apiserver kept the host's CA and signed its serving certificate with it.
    assert.is(readFileSync(join(prefix, 'var', 'lib', 'minik', 'server', 'ca.crt'), 'utf8'), readFileSync(ca.cert, 'utf8'));
  });
}

function readIf(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '(none)';
  }
}

test.run();
