// The VM tier's fixture: N Debian guests booted from the cached box under
// QEMU (TCG), minik provisioned in them (vagrant/provision.sh, the same script
// Vagrant runs), every step timed, and everything killed and removed by
// destroy() — also when the test fails or the process exits.
//
//   const lab = await startVmLab({ nodes: 2, proxyMode: 'ipvs' });
//   try { await lab.ssh('node2', 'curl -s http://10.96.0.1/') } finally { await lab.destroy() }
//
// Network safety: the guests' NAT is QEMU's own (slirp, inside the QEMU
// process); ssh and the apiserver are forwarded on 127.0.0.1 only; the node
// network is UDP multicast on loopback. Nothing is added to the host's
// links, routes or firewall.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCa } from '../../apiserver/tls.ts';
import { ensureBox, type BoxFiles } from '../../cli/lab/box.ts';
import { ensureBinary } from '../../scripts/binary/ensure.ts';
import { run, type RunResult } from '../support/lab.ts';
import { MINIK_ARGV } from '../support/minik-process.ts';
import { dataDiskArgv, overlayArgv, qemuArgv, shellQuote, sshArgv, API_PORT } from './qemu.ts';

const ROOT = join(import.meta.dirname, '..', '..');
/** The node network inside the lab (the guests' eth1); never on the host. */
export const VM_SUBNET = '192.168.57';
const FIRST_OCTET = 10;
const DEFAULT_MEMORY_MB = 1024;
/** Under TCG on a busy 2-core machine a boot takes 1-4 minutes. */
const DEFAULT_BOOT_TIMEOUT_MS = Number(process.env.MINIK_VM_BOOT_TIMEOUT_MS || 600_000);

export interface VmLabOptions {
  nodes: number;
  /** nftables (default) | iptables | ipvs | userspace; undefined with provision: false */
  proxyMode?: string;
  /** false: boot only, do not install minik */
  provision?: boolean;
  memoryMb?: number;
  bootTimeoutMs?: number;
  /** progress lines (default: console.log with a prefix) */
  log?: (line: string) => void;
}

export interface VmNode {
  name: string;
  /** the node-network address (eth1) */
  ip: string;
  sshPort: number;
  consoleLog: string;
}

export interface Timing {
  step: string;
  ms: number;
}

export interface VmLab {
  nodes: VmNode[];
  /** the apiserver as the host reaches it (forwarded to node1), once provisioned */
  server: { url: string; token: string; caFile: string };
  /** Runs a shell command in a guest as the vagrant user (prefix sudo yourself). */
  ssh(node: string, command: string, options?: { timeoutMs?: number; allowFailure?: boolean }): Promise<RunResult>;
  /** Runs the host's minik CLI against the lab's apiserver. */
  minik(args: string[], options?: { timeoutMs?: number; allowFailure?: boolean }): Promise<RunResult>;
  timings: Timing[];
  /** "step  seconds" lines, for the test's output */
  report(): string;
  /** Kills every guest and removes every file; keepLogs (after a failure) keeps the consoles. */
  destroy(keepLogs?: boolean): Promise<void>;
}

/** Why the VM tier cannot run here, or undefined when it can (installs its tools first). */
export async function vmUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'the VM tier runs on Linux only';
  if (process.getuid?.() !== 0) return 'needs root (building the box, QEMU disks)';
  const deps = await run(['bash', join(ROOT, 'scripts', 'deps-vm.sh'), 'box', 'qemu'], { timeoutMs: 900_000 });
  if (deps.code !== 0) return `VM tools missing: ${(deps.stderr || deps.stdout).trim().split('\n').at(-1)}`;
  return undefined;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

async function must(argv: string[], timeoutMs = 120_000): Promise<string> {
  const r = await run(argv, { timeoutMs });
  if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tail = (path: string, lines = 15) => {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no console output)';
  }
};

/** Every QEMU this process started, killed even if the test dies without destroy(). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startVmLab(opts: VmLabOptions): Promise<VmLab> {
  const log = opts.log ?? ((line: string) => console.log(`vm: ${line}`));
  const timings: Timing[] = [];
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await work();
    const ms = Date.now() - started;
    timings.push({ step, ms });
    log(`${step}: ${(ms / 1000).toFixed(1)} s`);
    return result;
  };

  const dir = mkdtempSync(join(tmpdir(), 'minik-vm-'));
  const children = new Map<string, ChildProcess>();
  const exited = new Map<string, string>();
  const labTag = randomBytes(1)[0];
  const token = randomBytes(32).toString('hex');
  let nodes: VmNode[] = [];
  let apiPort = 0;
  let key = '';
  let caFile = '';
  const controlPath = (node: string) => join(dir, `ssh-${node}`);

  const sshRun = async (node: string, command: string, options: { timeoutMs?: number; allowFailure?: boolean } = {}) => {
    const vm = nodes.find((n) => n.name === node);
    if (!vm) throw new Error(`no VM ${node} in this lab (${nodes.map((n) => n.name).join(', ')})`);
    const result = await run([...sshArgv({ key, port: vm.sshPort, controlPath: controlPath(node) }), command], { timeoutMs: options.timeoutMs ?? 120_000 });
    if (result.code !== 0 && !options.allowFailure) {
      throw new Error(`ssh ${node} ${JSON.stringify(command)} exited ${result.code}:\n${result.stderr}${result.stdout}`);
    }
    return result;
  };

  /** keepLogs: copy the consoles somewhere that outlives the lab, and say where. */
  const destroy = async (keepLogs = false) => {
    if (keepLogs && nodes.length) {
      const kept = mkdtempSync(join(tmpdir(), 'minik-vm-logs-'));
      for (const vm of nodes) {
        try {
          copyFileSync(vm.consoleLog, join(kept, `${vm.name}.console.log`));
        } catch {}
      }
      log(`consoles kept in ${kept}`);
    }
    for (const vm of nodes) {
      await run(['ssh', '-o', `ControlPath=${controlPath(vm.name)}`, '-O', 'exit', 'vagrant@127.0.0.1'], { timeoutMs: 5_000 });
    }
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    for (const child of children.values()) running.delete(child);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const box: BoxFiles = await timed('box (cache or build)', async () => {
      const r = await ensureBox({ checkout: ROOT, env: process.env, onLine: (line) => log(`box: ${line}`) });
      return r.files;
    });
    key = join(dir, 'key');
    copyFileSync(box.key, key);
    chmodSync(key, 0o600);

    const binary = await timed('dist/minik (build or reuse)', async () => (await ensureBinary()).path);

    await timed('disks (overlays, data disk)', async () => {
      const data = join(dir, 'data');
      mkdirSync(data);
      copyFileSync(binary, join(data, 'minik'));
      chmodSync(join(data, 'minik'), 0o755);
      copyFileSync(join(ROOT, 'vagrant', 'provision.sh'), join(data, 'provision.sh'));
      writeFileSync(join(data, 'token'), token, { mode: 0o600 });
      // The lab's CA, made here like `minik up --provider vagrant` does: every
      // VM trusts it, node1's apiserver signs its serving certificate with it.
      const ca = await loadOrCreateCa(join(dir, 'ca'));
      writeFileSync(join(data, 'ca.crt'), ca.certPem);
      writeFileSync(join(data, 'ca.key'), ca.keyPem, { mode: 0o600 });
      caFile = join(dir, 'ca', 'ca.crt');
      const sizeMb = Math.ceil(readFileSync(binary).length / 1048576) + 64;
      await must(dataDiskArgv(data, join(dir, 'data.img'), sizeMb));
      for (let i = 0; i < opts.nodes; i++) await must(overlayArgv(box.disk, join(dir, `node${i + 1}.qcow2`)));
    });

    const segmentPort = 20000 + Math.floor(Math.random() * 20000);
    apiPort = await freePort();
    nodes = [];
    for (let i = 0; i < opts.nodes; i++) {
      nodes.push({ name: `node${i + 1}`, ip: `${VM_SUBNET}.${FIRST_OCTET + i}`, sshPort: await freePort(), consoleLog: join(dir, `node${i + 1}.console.log`) });
    }

    await timed(`boot ${opts.nodes} VM${opts.nodes === 1 ? '' : 's'} (TCG) until ssh answers`, async () => {
      for (const [i, vm] of nodes.entries()) {
        const argv = qemuArgv({
          name: vm.name,
          index: i,
          overlay: join(dir, `${vm.name}.qcow2`),
          dataDisk: join(dir, 'data.img'),
          sshPort: vm.sshPort,
          segmentPort,
          labTag,
          memoryMb: opts.memoryMb ?? DEFAULT_MEMORY_MB,
          consoleLog: vm.consoleLog,
          accel: process.env.MINIK_VM_ACCEL,
        });
        const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (d) => (stderr += d));
        child.on('exit', (code, signal) => exited.set(vm.name, `qemu exited (${signal ?? code}): ${stderr.trim()}`));
        children.set(vm.name, child);
        running.add(child);
      }
      const deadline = Date.now() + (opts.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS);
      await Promise.all(
        nodes.map(async (vm) => {
          const started = Date.now();
          for (;;) {
            if (exited.has(vm.name)) throw new Error(`${vm.name}: ${exited.get(vm.name)}\n${tail(vm.consoleLog)}`);
            const r = await sshRun(vm.name, 'true', { timeoutMs: 30_000, allowFailure: true });
            if (r.code === 0) break;
            if (Date.now() > deadline) throw new Error(`${vm.name}: no ssh after ${((Date.now() - started) / 1000).toFixed(0)} s; console:\n${tail(vm.consoleLog)}`);
            await sleep(2_000);
          }
          log(`${vm.name} answers ssh after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        }),
      );
    });

    await timed('node network (eth1) and data disk', async () => {
      await Promise.all(
        nodes.map((vm) =>
          sshRun(
            vm.name,
            `sudo ip addr replace ${vm.ip}/24 dev eth1 && sudo ip link set eth1 up && sudo hostnamectl set-hostname ${vm.name} 2>/dev/null || sudo hostname ${vm.name}; ` +
              'sudo mkdir -p /mnt/minik && (mountpoint -q /mnt/minik || sudo mount -o ro /dev/disk/by-label/minikdata /mnt/minik)',
          ),
        ),
      );
      // The segment works when node1 reaches every other node.
      for (const vm of nodes.slice(1)) await sshRun('node1', `ping -c 1 -W 5 ${vm.ip} >/dev/null || ping -c 3 -W 5 ${vm.ip}`);
    });

    if (opts.provision !== false) {
      const server = nodes[0];
      const provision = (vm: VmNode, role: 'server' | 'agent') =>
        sshRun(
          vm.name,
          'sudo env ' +
            [
              `MINIK_ROLE=${role}`,
              `MINIK_NODE_NAME=${vm.name}`,
              `MINIK_NODE_IP=${vm.ip}`,
              `MINIK_SERVER_IP=${server.ip}`,
              `MINIK_LB_POOL=${VM_SUBNET}.200-${VM_SUBNET}.250`,
              `MINIK_PROXY_MODE=${opts.proxyMode ?? 'nftables'}`,
              'MINIK_TOKEN_SRC=/mnt/minik/token',
              'MINIK_CA_SRC=/mnt/minik/ca.crt',
              ...(role === 'server' ? ['MINIK_CA_KEY_SRC=/mnt/minik/ca.key'] : []),
              'MINIK_BINARY_SRC=/mnt/minik/minik',
            ]
              .map(shellQuote)
              .join(' ') +
            ' bash /mnt/minik/provision.sh',
          { timeoutMs: 300_000 },
        );
      // The apiserver first: an agent that starts before it answers may give up.
      await timed('provision node1 (apiserver + agent)', () => provision(server, 'server'));
      await timed(`provision ${nodes.length - 1} agent VM(s)`, () => Promise.all(nodes.slice(1).map((vm) => provision(vm, 'agent'))));
      // The host's CLI reaches the apiserver through node1's ssh connection
      // (it listens on the guest's loopback), never through a host route.
      await must(['ssh', '-o', `ControlPath=${controlPath(server.name)}`, '-O', 'forward', '-L', `127.0.0.1:${apiPort}:127.0.0.1:${API_PORT}`, 'vagrant@127.0.0.1']);
    }
  } catch (err) {
    await destroy(true);
    throw err;
  }

  const lab: VmLab = {
    nodes,
    server: { url: `https://127.0.0.1:${apiPort}`, token, caFile },
    ssh: sshRun,
    async minik(args, options = {}) {
      const result = await run([...MINIK_ARGV, ...args], {
        env: { MINIK_SERVER: lab.server.url, MINIK_TOKEN: token, MINIK_CA_FILE: caFile, MINIK_CONFIG: join(dir, 'no-config') },
        timeoutMs: options.timeoutMs ?? 120_000,
      });
      if (result.code !== 0 && !options.allowFailure) throw new Error(`minik ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
      return result;
    },
    timings,
    report: () => timings.map((t) => `  ${t.step.padEnd(52)} ${(t.ms / 1000).toFixed(1).padStart(7)} s`).join('\n'),
    destroy,
  };
  return lab;
}

/** Waits until `minik get nodes` shows every node Ready (through the forwarded apiserver). */
export async function waitForNodesReady(lab: VmLab, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = await lab.minik(['get', 'nodes', '-o', 'json'], { allowFailure: true });
    if (r.code === 0) {
      const items = (JSON.parse(r.stdout).items ?? []) as Array<{ metadata: { name: string }; status?: { conditions?: Array<{ type: string; status: string }> } }>;
      const ready = items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata.name);
      if (lab.nodes.every((vm) => ready.includes(vm.name))) return;
      last = `Ready: ${ready.join(', ') || 'none'}`;
    } else last = r.stderr.trim();
    await sleep(2_000);
  }
  throw new Error(`nodes not Ready after ${timeoutMs / 1000} s (${last})`);
}

