import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labLayout } from '../../api/layout.ts';
import {
  daemonEnv,
  isRunning,
  killNetnsProcesses,
  launchArgv,
  listDaemons,
  logFilePath,
  pidFileDaemons,
  pidFilePath,
  startDaemon,
  stop,
} from './daemons.ts';
import { FakeExec } from '../../api/exec/fake.ts';
import { isLabError } from './errors.ts';

const root = mkdtempSync(join(tmpdir(), 'minik-daemons-'));
const layout = labLayout('mkl', root);
const started: number[] = [];

test.after(() => {
  for (const pid of started) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
  rmSync(root, { recursive: true, force: true });
});

const procState = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
};
const gone = (pid: number) => {
  const s = procState(pid);
  return s === undefined || s[0] === 'Z';
};

test('startDaemon runs detached in its own process group, with a pid file and a log', async () => {
  const status = await startDaemon(layout, { name: 'sleeper', argv: ['sleep', '30'] });
  started.push(status.pid!);
  const pidFile = pidFilePath(layout, 'sleeper');
  assert.is(readFileSync(pidFile, 'utf8'), `${status.pid}\n`);
  assert.ok(isRunning(pidFile));
  assert.is(procState(status.pid!)![2], String(status.pid), 'process group id = pid');
  assert.match(readFileSync(logFilePath(layout, 'sleeper'), 'utf8'), 'starting sleeper: sleep 30');
  assert.equal(listDaemons(layout), ['sleeper']);

  assert.is(await stop(pidFile), true);
  assert.ok(gone(status.pid!));
  assert.not.ok(existsSync(pidFile), 'pid file removed');
  assert.not.ok(isRunning(pidFile));
  assert.is(await stop(pidFile), false, 'stopping again is a no-op');
});

test('a daemon that writes output gets it in its log', async () => {
  const status = await startDaemon(layout, { name: 'talker', argv: ['sh', '-c', 'echo hello-from-daemon; echo oops >&2; sleep 30'] });
  started.push(status.pid!);
  const log = logFilePath(layout, 'talker');
  for (let i = 0; i < 100 && !readFileSync(log, 'utf8').includes('oops'); i++) await new Promise((r) => setTimeout(r, 20));
  const text = readFileSync(log, 'utf8');
  assert.match(text, 'hello-from-daemon');
  assert.match(text, 'oops');
  await stop(pidFilePath(layout, 'talker'));
});

test('a recycled pid (another live process) is not mistaken for the daemon', () => {
  mkdirSync(layout.runDir, { recursive: true });
  const pidFile = pidFilePath(layout, 'recycled');
  writeFileSync(pidFile, `${process.pid}\n`);
  writeFileSync(pidFile.replace(/\.pid$/, '.launch.json'), JSON.stringify({ pid: process.pid, argv: ['sleep', '30'], startTicks: '1' }));
  assert.not.ok(isRunning(pidFile));
  // ...while the same pid with its true argv is recognised
  const ownArgv = readFileSync(`/proc/${process.pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  writeFileSync(pidFile.replace(/\.pid$/, '.launch.json'), JSON.stringify({ pid: process.pid, argv: ownArgv }));
  assert.ok(isRunning(pidFile));
  rmSync(pidFile);
});

test('a pid file of a dead process or with garbage is not running', async () => {
  const child = spawn('true');
  await new Promise((r) => child.once('exit', r));
  const pidFile = pidFilePath(layout, 'dead');
  writeFileSync(pidFile, `${child.pid}\n`);
  assert.not.ok(isRunning(pidFile));
  writeFileSync(pidFile, 'not a pid\n');
  assert.not.ok(isRunning(pidFile));
  assert.not.ok(isRunning(pidFilePath(layout, 'never-started')));
  assert.is(await stop(pidFile), false);
});

test('stop escalates to SIGKILL for a daemon that ignores SIGTERM', async () => {
  const status = await startDaemon(layout, { name: 'stubborn', argv: ['sh', '-c', 'trap "" TERM; sleep 30 & wait'] });
  started.push(status.pid!);
  await new Promise((r) => setTimeout(r, 100)); // let the shell install its trap
  assert.is(await stop(pidFilePath(layout, 'stubborn'), { graceMs: 200 }), true);
  assert.ok(gone(status.pid!));
});

test('starting a missing program fails with LAB_DAEMON_FAILED', async () => {
  try {
    await startDaemon(layout, { name: 'missing', argv: ['/nonexistent/minik-binary'] });
    assert.unreachable();
  } catch (err) {
    assert.ok(isLabError(err, 'LAB_DAEMON_FAILED'), String(err));
  }
  assert.not.ok(existsSync(pidFilePath(layout, 'missing')));
});

test('pidFileDaemons stops every daemon and reports which ran', async () => {
  const daemons = pidFileDaemons(layout, { graceMs: 1000 });
  const a = await daemons.start({ name: 'a', argv: ['sleep', '31'] });
  const b = await daemons.start({ name: 'b', argv: ['sleep', '32'] });
  started.push(a.pid!, b.pid!);
  assert.ok(daemons.status('a').running);
  const stopped = await daemons.stopAll();
  assert.equal(stopped, ['a', 'b']);
  assert.not.ok(daemons.status('a').running);
  assert.equal(daemons.list(), []);
});

test('launchArgv wraps a namespaced daemon in nsenter --net', () => {
  assert.equal(launchArgv({ name: 'agent-node1', argv: ['minik', 'agent'], netns: 'mkl-node1' }), [
    'nsenter',
    '--net=/run/netns/mkl-node1',
    '--',
    'minik',
    'agent',
  ]);
  assert.equal(launchArgv({ name: 'apiserver', argv: ['minik', 'apiserver'] }), ['minik', 'apiserver']);
});

test('daemons do not inherit MINIK_* variables from the shell', () => {
  const env = daemonEnv({ PATH: '/bin', MINIK_TOKEN: 'secret', MINIK_SERVER: 'http://x' });
  assert.equal(env, { PATH: '/bin' });
});

test('killNetnsProcesses kills what `ip netns pids` lists', async () => {
  const victim = spawn('sleep', ['33'], { detached: true, stdio: 'ignore' });
  started.push(victim.pid!);
  const exec = new FakeExec({ modelIp: true });
  exec.respond = (argv) =>
    argv.join(' ') === 'ip netns pids mkl-node1' ? { code: 0, stdout: `${victim.pid}\n`, stderr: '' } : { code: 0, stdout: '', stderr: '' };
  const exited = new Promise((r) => victim.once('exit', r));
  assert.is(await killNetnsProcesses(['mkl-node1', 'mkl-node2'], exec, 1000), 1);
  await exited;
  assert.ok(gone(victim.pid!));
  assert.is(await killNetnsProcesses(['mkl-node1'], new FakeExec({ modelIp: true })), 0);
});

test.run();
