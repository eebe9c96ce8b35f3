// RealProcessLauncher with ordinary processes (no namespaces needed).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { processStartTime, RealProcessLauncher } from './process.ts';

const dir = mkdtempSync(join(tmpdir(), 'mkpod-proc-'));
const launcher = new RealProcessLauncher(20);
const alive = (pid: number) => processStartTime(pid) !== undefined;
// Pod children are unref'd (they must not keep the agent alive), so the test keeps its own loop alive.
const keepAlive = setInterval(() => {}, 1000);
test.after(() => {
  clearInterval(keepAlive);
  rmSync(dir, { recursive: true, force: true });
});

test('start writes output to the log file and reports the exit', async () => {
  const logPath = join(dir, 'a/output.log');
  const p = await launcher.start({ argv: ['sh', '-c', 'echo hello $WHO; exit 3'], env: { WHO: 'pod' }, logPath });
  assert.ok(p.pid > 0);
  assert.equal(await p.exited, { code: 3, signal: null });
  assert.is(readFileSync(logPath, 'utf8'), 'hello pod\n');
});

test('stop kills the whole process group, children included', async () => {
  const p = await launcher.start({ argv: ['sh', '-c', 'sleep 30 & echo $! ; wait'], env: {}, logPath: join(dir, 'b/output.log') });
  await new Promise((r) => setTimeout(r, 200));
  const child = Number(readFileSync(join(dir, 'b/output.log'), 'utf8').trim());
  assert.ok(alive(child));
  await launcher.stop(p.pid, 1000);
  assert.not.ok(alive(p.pid));
  assert.not.ok(alive(child), 'grandchild killed with the group');
});

test('adopt recognises the same process and refuses a reused pid', async () => {
  const p = await launcher.start({ argv: ['sleep', '30'], env: {}, logPath: join(dir, 'c/output.log') });
  try {
    assert.ok(launcher.adopt({ pid: p.pid, startTime: p.startTime }));
    assert.is(launcher.adopt({ pid: p.pid, startTime: '1' }), undefined);
    const adopted = launcher.adopt({ pid: p.pid, startTime: p.startTime })!;
    process.kill(p.pid, 'SIGKILL');
    await adopted.exited;
    assert.is(launcher.adopt({ pid: p.pid, startTime: p.startTime }), undefined);
  } finally {
    await launcher.stop(p.pid, 100);
  }
});

test('a command that does not exist fails to start', async () => {
  let failed = false;
  try {
    const p = await launcher.start({ argv: ['/nonexistent/minik-cmd'], env: {}, logPath: join(dir, 'd/output.log') });
    failed = (await p.exited).code !== 0;
  } catch {
    failed = true;
  }
  assert.ok(failed);
});

test.run();
