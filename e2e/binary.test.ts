// The single executable, copied alone into an empty directory: no
// node_modules above it, no source tree, no node on PATH. It must still be
// the CLI and the apiserver, LevelDB included.
//
// Builds dist/minik first when it is missing or older than the sources (one
// build per run). Until the real CLI has the apiserver, the smoke entry
// (scripts/binary/smoke-entry.ts) proves LevelDB, grpc and hono work alone.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { labLayout } from '../api/layout.ts';
import { fetchFor } from '../api/tls-fetch.ts';
import { ensureBinary, helpCommands, realCliExists, SMOKE_ENTRY, SMOKE_OUT } from '../scripts/binary/ensure.ts';
import { netnsUnavailable, skipTest } from './support/skip.ts';

const EXAMPLES = new URL('../../shared/examples', import.meta.url).pathname; // ../shared beside the checkout
const realCli = realCliExists();
const dir = mkdtempSync(join(tmpdir(), 'minik-binary-e2e-'));
const alone = join(dir, 'minik');
const emptyPath = join(dir, 'empty-path');
const home = join(dir, 'home');
const children: ChildProcess[] = [];

/** A clean environment: no node on PATH, a private HOME (so the addon cache is ours to inspect). */
const env = () => ({ PATH: emptyPath, HOME: home, NO_COLOR: '1' });

function run(args: string[], options: { input?: string } = {}) {
  const result = spawnSync(alone, args, { cwd: dir, env: env(), input: options.input, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function nodeModulesAbove(path: string): string | undefined {
  for (let d = dirname(path); ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) return join(d, 'node_modules');
    if (d === dirname(d)) return undefined;
  }
}

/** Two free consecutive loopback ports (REST and gRPC = REST + 1). */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
      s.on('error', reject);
    });
    const nextFree = await new Promise<boolean>((resolve) => {
      const s = createServer().listen(port + 1, '127.0.0.1', () => s.close(() => resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (nextFree && port < 65535) return port;
  }
  throw new Error('no free pair of loopback ports');
}

async function waitForHealthz(url: string, child: ChildProcess, log: () => string, caFile?: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`apiserver exited ${child.exitCode}:\n${log()}`);
    try {
      const fetch = fetchFor(caFile ? readFileSync(caFile, 'utf8') : undefined);
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`apiserver did not answer ${url}/healthz in 30 s:\n${log()}`);
}

test.after(() => {
  for (const child of children) {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

// Built before the tests are declared: which tests exist depends on what the binary can do.
let buildError: Error | undefined;
const built = await (realCli ? ensureBinary() : ensureBinary(SMOKE_ENTRY, SMOKE_OUT)).then((b) => b.path, (err: Error) => void (buildError = err));
if (built) await registerTests(built);
// A broken build is one failing test, not a crashed file.
else test('dist/minik builds', () => assert.unreachable(buildError!.message));

async function registerTests(built: string): Promise<void> {
  copyFileSync(built, alone);
  mkdirSync(emptyPath);
  mkdirSync(home);
  const hasApiserver = realCli && helpCommands(run(['--help']).stdout).has('apiserver');

  test('the copy sits alone: nothing but itself in its directory, no node_modules above it', () => {
    assert.equal(readdirSync(dir).sort(), ['empty-path', 'home', 'minik']);
    assert.is(nodeModulesAbove(alone), undefined);
    assert.is(spawnSync('sh', ['-c', 'command -v node'], { env: env() }).status !== 0, true, 'node must not be on PATH');
  });

  test('--version', () => {
    const r = run(['--version']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, realCli ? /\d+\.\d+\.\d+/ : /smoke-/);
    assert.is(r.stderr, '', 'no experimental SEA warning, nothing else on stderr');
  });

  if (realCli && !hasApiserver) {
    skipTest(test, 'apiserver + apply + get svc from the lone binary', 'the apiserver command is not registered in cli/commands/index.ts yet');
  }
  if (hasApiserver) {
    test('apiserver on loopback + apply -f + get svc, LevelDB from the embedded addon', async () => {
      const port = await freePortPair();
      const server = `https://127.0.0.1:${port}`;
      const dataDir = join(dir, 'data');
      const caFile = join(dataDir, 'ca.crt');
      let log = '';
      const child = spawn(alone, ['apiserver', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], {
        cwd: dir,
        env: env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      child.stdout!.on('data', (d) => (log += d));
      child.stderr!.on('data', (d) => (log += d));
      try {
        await waitForHealthz(server, child, () => log, caFile);
        const token = readFileSync(join(dataDir, 'token'), 'utf8').trim();
        const cli = (...args: string[]) => run([...args, '--server', server, '--token', token, '--ca-file', caFile]);

        const ns = cli('apply', '-f', join(EXAMPLES, 'namespace.yaml'));
        assert.is(ns.code, 0, ns.stderr);
        assert.match(ns.stdout, 'namespace/demo created');
        const svc = cli('apply', '-f', join(EXAMPLES, 'clusterip.yaml'));
        assert.is(svc.code, 0, svc.stderr);
        assert.match(svc.stdout, 'service/cluster-ip created');

        const get = cli('get', 'svc', '-n', 'demo');
        assert.is(get.code, 0, get.stderr);
        assert.match(get.stdout, /^NAME\s+TYPE\s+CLUSTER-IP/m);
        assert.match(get.stdout, /^cluster-ip\s+ClusterIP\s+10\.(9[6-9]|1[01]\d)\.\d+\.\d+\s+<none>\s+8080\/TCP/m);

        const cached = readdirSync(join(home, '.cache', 'minik', 'native'));
        assert.equal(cached.filter((f) => /^classic-level-[0-9a-f]{16}\.node$/.test(f)).length, 1, cached.join(' '));
      } finally {
        child.kill('SIGTERM');
      }
    });
  } else {
    // Until the real CLI opens LevelDB, the smoke entry proves the embedded addon works.
    const smoke = realCli ? (await ensureBinary(SMOKE_ENTRY, SMOKE_OUT)).path : alone;
    const runSmoke = (args: string[]) => {
      const r = spawnSync(smoke, args, { cwd: dir, env: env(), encoding: 'utf8', timeout: 60_000 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    test('smoke entry: LevelDB (embedded addon), grpc-js and hono work from the lone copy', () => {
      const r = runSmoke(['smoke', join(dir, 'db')]);
      assert.is(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout), { level: 'hello from leveldb', grpcPort: true, http: 'ok' });
      const cached = readdirSync(join(home, '.cache', 'minik', 'native'));
      assert.equal(cached.filter((f) => /^classic-level-[0-9a-f]{16}\.node$/.test(f)).length, 1, cached.join(' '));
    });

    test('a second start reuses the unpacked addon (same file, not rewritten)', () => {
      const cacheDir = join(home, '.cache', 'minik', 'native');
      const [file] = readdirSync(cacheDir);
      const before = statSync(join(cacheDir, file)).ino;
      const r = runSmoke(['smoke', join(dir, 'db2')]);
      assert.is(r.code, 0, r.stderr);
      assert.equal(readdirSync(cacheDir), [file]);
      assert.is(statSync(join(cacheDir, file)).ino, before);
    });
  }

  // ---- minik up --nodes 2 from the lone binary, one ClusterIP request -------------

  const LAB = 'mkvag';
  const LAB_LAN = '192.168.169.0/24';
  const labCommands = ['up', 'down', 'agent', 'run', 'svc', 'ssh'];
  const commands = realCli ? helpCommands(run(['--help']).stdout) : new Set<string>();
  const missingLab = labCommands.filter((c) => !commands.has(c));
  const netnsWhyNot = netnsUnavailable();

  /** PATH for the lab: every system tool (ip, nft, nsenter, curl...) except node and npm. */
  function toolsWithoutNode(): string {
    const tools = join(dir, 'tools');
    mkdirSync(tools, { recursive: true });
    for (const bin of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
      let names: string[] = [];
      try {
        names = readdirSync(bin);
      } catch {
        continue;
      }
      for (const name of names) {
        if (/^(node|nodejs|npm|npx|corepack|tsx)$/.test(name) || existsSync(join(tools, name))) continue;
        symlinkSync(join(bin, name), join(tools, name));
      }
    }
    return tools;
  }

  function labCleanup(runLab: (args: string[]) => ReturnType<typeof run>): void {
    const down = runLab(['down', '--name', LAB]);
    // down keeps the logs for a person to read; a test leaves nothing behind
    rmSync(labLayout(LAB).dir, { recursive: true, force: true });
    if (down.code === 0) return;
    console.error(`minik down failed (${down.stderr.trim()}); removing the lab's namespaces and link by name`);
    const namespaces = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]);
    for (const ns of namespaces.filter((n) => n.startsWith(`${LAB}-`))) spawnSync('ip', ['netns', 'del', ns]);
    spawnSync('ip', ['link', 'del', `${LAB}-host`]);
  }

  if (netnsWhyNot) skipTest(test, 'minik up --nodes 2 from the lone binary', netnsWhyNot);
  // A command missing from the built binary is a regression, not a reason to skip.
  else if (missingLab.length) test('minik up --nodes 2 from the lone binary', () => assert.unreachable(`the built minik lacks ${missingLab.join(', ')}`));
  else {
    test('minik up --nodes 2 from the lone binary; a ClusterIP request reaches an echo pod', async () => {
      const labEnv = { PATH: toolsWithoutNode(), HOME: home, NO_COLOR: '1', MINIK_CONFIG: join(dir, 'lab-config') };
      const runLab = (args: string[], timeout = 180_000) => {
        const r = spawnSync(alone, args, { cwd: dir, env: labEnv, encoding: 'utf8', timeout });
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      try {
        const up = runLab(['up', '--nodes', '2', '--name', LAB, '--lan', LAB_LAN]);
        assert.is(up.code, 0, up.stdout + up.stderr);
        const started = runLab(['run', 'web', '--replicas', '2', '--port', '8080']);
        assert.is(started.code, 0, started.stderr);
        const svc = runLab(['svc', 'create', 'web', '--type', 'ClusterIP', '--tcp', '80:8080', '--selector', 'run=web']);
        assert.is(svc.code, 0, svc.stderr);
        const clusterIp = JSON.parse(runLab(['get', 'svc', 'web', '-o', 'json']).stdout).spec.clusterIP as string;
        assert.match(clusterIp, /^10\./);

        let answer = '';
        for (let i = 0; i < 60; i++) {
          const r = runLab(['ssh', 'node1', '--', 'curl', '-s', '--max-time', '3', `http://${clusterIp}:80/`], 20_000);
          answer = r.stdout;
          if (r.code === 0 && answer.includes('"pod"')) break;
          await new Promise((res) => setTimeout(res, 1000));
        }
        const echo = JSON.parse(answer) as { pod: string; node: string };
        assert.match(echo.pod, /^web-[01]$/);
        assert.match(echo.node, /^node[12]$/);
      } finally {
        labCleanup(runLab);
      }
    });
  }
}

test.run();
