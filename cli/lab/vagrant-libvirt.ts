// Vagrant + libvirt on a machine with no libvirt and no working KVM (like the
// machines minik is built on): minik runs a private libvirtd inside its own
// network namespace (vagrant/libvirt-netns.sh), points the Vagrantfile at it
// with minik's own box (cli/lab/box.ts) and libvirt's `qemu` driver when KVM
// does not really work, and joins the host to the VMs' private network through
// one veth pair, the way the netns lab's `minik-host` link does.
//
// Which backend `minik up --provider vagrant` uses (chooseBackend):
//   virtualbox   VBoxManage is installed: the Vagrantfile as it is
//   libvirt      a system libvirtd runs (/run/libvirt/libvirt-sock): as it is
//   private      otherwise, when libvirtd is installed: this file
// MINIK_VAGRANT_BACKEND=virtualbox|libvirt|private overrides the choice.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabError } from './errors.ts';
import type { VagrantExec } from './vagrant-exec.ts';
import { timedStep, type VagrantBackendDriver } from './vagrant.ts';

export type VagrantBackend = 'virtualbox' | 'libvirt' | 'private';
export const VAGRANT_BACKENDS: readonly VagrantBackend[] = ['virtualbox', 'libvirt', 'private'];
const SYSTEM_LIBVIRT_SOCKET = '/run/libvirt/libvirt-sock';
/** The network the Vagrantfile names for minik's private libvirt. */
export const PRIVATE_NETWORK = 'minik-lan';
/** The host's address on the VMs' private network (.1 is libvirt's bridge). */
const HOST_OCTET = 254;

export interface BackendProbe {
  env: Record<string, string | undefined>;
  /** a command on PATH */
  has(cmd: string): boolean;
  exists(path: string): boolean;
}

export function chooseBackend(p: BackendProbe): VagrantBackend {
  const forced = p.env.MINIK_VAGRANT_BACKEND;
  if (forced) {
    if (!(VAGRANT_BACKENDS as readonly string[]).includes(forced)) {
      throw new LabError('LAB_INVALID_OPTION', `MINIK_VAGRANT_BACKEND=${forced}: use ${VAGRANT_BACKENDS.join(', ')}`);
    }
    return forced as VagrantBackend;
  }
  if (p.has('VBoxManage')) return 'virtualbox';
  if (p.exists(SYSTEM_LIBVIRT_SOCKET)) return 'libvirt';
  return 'private';
}

/** What the private backend is made of; kept in the lab's record so down, ssh and exec find it. */
export interface PrivateLibvirt {
  netns: string;
  stateDir: string;
  socket: string;
  /** the host end of the veth pair, on the VMs' private network */
  hostLink: string;
  hostCidr: string;
  driver: 'kvm' | 'qemu';
  /** the Vagrant box name of minik's own box */
  box: string;
}

export function privateLibvirtPlan(o: { lab: string; stateDir: string; base: string; boxHash: string; driver: 'kvm' | 'qemu' }): PrivateLibvirt {
  const stateDir = join(o.stateDir, 'libvirt');
  return {
    netns: `${o.lab}-libvirt`,
    stateDir,
    socket: join(stateDir, 'run', 'libvirt-sock'),
    hostLink: `${o.lab}-vhost`,
    hostCidr: `${o.base}.${HOST_OCTET}/24`,
    driver: o.driver,
    box: `minik/debian-${o.boxHash}`,
  };
}

/** The Vagrantfile's environment for this backend. */
export const privateLibvirtEnv = (p: PrivateLibvirt): Record<string, string> => ({
  VAGRANT_DEFAULT_PROVIDER: 'libvirt',
  MINIK_LIBVIRT_SOCKET: p.socket,
  MINIK_LIBVIRT_DRIVER: p.driver,
  MINIK_LIBVIRT_BOX: p.box,
});

/**
 * Vagrant talks to the VMs over libvirt's management network, which exists
 * only inside the namespace: every vagrant command runs there.
 */
export const inNetns = (netns: string, argv: string[]) => ['nsenter', `--net=/run/netns/${netns}`, ...argv];

export const libvirtScriptArgv = (checkout: string, cmd: 'start' | 'link' | 'stop', p: PrivateLibvirt): string[] => {
  const script = join(checkout, 'vagrant', 'libvirt-netns.sh');
  if (cmd === 'link') return ['bash', script, 'link', p.netns, p.stateDir, PRIVATE_NETWORK, p.hostLink, p.hostCidr];
  if (cmd === 'stop') return ['bash', script, 'stop', p.netns, p.stateDir, p.hostLink];
  return ['bash', script, 'start', p.netns, p.stateDir];
};

// ---- does KVM really work? -------------------------------------------------

export interface KvmVerdict {
  works: boolean;
  why: string;
}

/** What a guest that got past the kernel's entry prints on its serial console. */
export const KERNEL_STARTED = /Linux version|Run \/init|systemd\[1\]/;

/**
 * Boots the box's disk under KVM for a few seconds and reads its console:
 * on some machines /dev/kvm exists but guests hang at kernel entry.
 */
export async function probeKvm(disk: string, timeoutMs = 30_000, exists: (p: string) => boolean = existsSync): Promise<KvmVerdict> {
  if (!exists('/dev/kvm')) return { works: false, why: 'no /dev/kvm' };
  const dir = mkdtempSync(join(tmpdir(), 'minik-kvm-probe-'));
  const consoleLog = join(dir, 'console.log');
  try {
    const child = spawn(
      'qemu-system-x86_64',
      ['-accel', 'kvm', '-cpu', 'host', '-m', '256', '-nodefaults', '-display', 'none', '-serial', `file:${consoleLog}`, '-snapshot', '-drive', `file=${disk},if=virtio,format=qcow2`],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    child.once('exit', () => (exited = true));
    while (Date.now() < deadline && !exited) {
      let text = '';
      try {
        text = readFileSync(consoleLog, 'utf8');
      } catch {}
      if (KERNEL_STARTED.test(text)) {
        child.kill('SIGKILL');
        return { works: true, why: 'a KVM guest started its kernel' };
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    child.kill('SIGKILL');
    return { works: false, why: exited ? 'QEMU could not start a KVM guest' : `a KVM guest printed nothing in ${timeoutMs / 1000} s (hangs at kernel entry)` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- the real driver ----------------------------------------------------------

export interface RealBackendOptions {
  /** the checkout: vagrant/libvirt-netns.sh, vagrant/box/ */
  checkout: string;
  env: Record<string, string | undefined>;
  exec: VagrantExec;
}

async function mustRun(exec: VagrantExec, argv: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  const r = await exec.run({ argv, cwd, env });
  if (r.code !== 0) throw new LabError('LAB_EXEC_FAILED', `${argv.join(' ')}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ') || `exit ${r.code}`}`);
  return r.stdout;
}

const onPath = (cmd: string) =>
  `${process.env.PATH ?? ''}:/usr/sbin:/sbin`.split(':').some((dir) => dir && existsSync(join(dir, cmd)));

export function realBackendDriver(o: RealBackendOptions): VagrantBackendDriver {
  const { checkout, exec } = o;
  return {
    async prepare({ lab, base, files, progress }) {
      const backend = chooseBackend({ env: o.env, has: onPath, exists: existsSync });
      if (backend !== 'private') {
        progress.info(`Vagrant runs on ${backend === 'virtualbox' ? 'VirtualBox' : 'the system libvirt'} (MINIK_VAGRANT_BACKEND=private: minik's own libvirt)`);
        return undefined;
      }
      const missing = ['libvirtd', 'virtlogd', 'qemu-system-x86_64', 'mmdebstrap'].filter((c) => !onPath(c));
      if (missing.length) {
        throw new LabError('LAB_MISSING_COMMANDS', `minik's own libvirt needs ${missing.join(', ')}: run scripts/deps-vm.sh vagrant box qemu as root`);
      }
      const { ensureBox } = await import('./box.ts');
      const box = await timedStep(
        progress,
        "Box: minik's Debian box (built from Debian packages the first time: minutes)",
        () => ensureBox({ checkout, env: o.env, onLine: (line) => progress.info(`box: ${line}`) }),
        (r) => `Box ${r.cached ? 'from the cache' : 'built'}: ${r.files.dir}`,
      );
      const kvm = await timedStep(progress, 'Checking whether KVM really works (booting a guest)', () => probeKvm(box.files.disk), (v) =>
        v.works ? `KVM works: ${v.why}` : `KVM does not work (${v.why}): libvirt's qemu driver, software emulation`,
      );
      const plan = privateLibvirtPlan({ lab, stateDir: files.stateDir, base, boxHash: box.files.hash, driver: kvm.works ? 'kvm' : 'qemu' });
      await timedStep(progress, `Adding the box to Vagrant as ${plan.box}`, async () => {
        const list = await mustRun(exec, ['vagrant', 'box', 'list'], checkout);
        if (list.split('\n').some((line) => line.split(/\s+/)[0] === plan.box && line.includes('libvirt'))) return 'already there';
        await mustRun(exec, ['vagrant', 'box', 'add', '--name', plan.box, box.files.box], checkout);
        return 'added';
      }, (how) => `Box ${plan.box} ${how}`);
      await timedStep(progress, `Starting libvirtd in network namespace ${plan.netns}`, () => mustRun(exec, libvirtScriptArgv(checkout, 'start', plan), checkout), () =>
        `libvirtd runs in ${plan.netns} (socket ${plan.socket})`,
      );
      return plan;
    },
    async connect(plan) {
      await mustRun(exec, libvirtScriptArgv(checkout, 'link', plan), checkout);
    },
    async teardown(plan) {
      await mustRun(exec, libvirtScriptArgv(checkout, 'stop', plan), checkout);
    },
  };
}
