// LabShell for the Vagrant lab: every node is a VM reached with `vagrant ssh
// NODE -c 'COMMAND'`, the command line quoted so the VM's shell splits it
// back into exactly the argv the user gave. Commands that need root (nft, ip
// netns, a pod's log) go through sudo; `ssh NODE -- CMD` runs as the vagrant
// user, like a plain `vagrant ssh`. There is no client VM: the host itself is
// on the private network, so `ssh client -- CMD` runs CMD right here.
//
// The terminal's spawn takes only argv, so `env` sets VAGRANT_CWD (the
// checkout) and MINIK_NODES (the Vagrantfile defines only that many VMs).

import { podLogPath, podNetnsName } from '../../api/layout.ts';
import { shellJoin, type LabShell, type SpawnInherited } from './shell.ts';
import { vmAgentStateDir, vmNetnsPrefix } from './vagrant.ts';
import { inNetns, privateLibvirtEnv, type PrivateLibvirt } from './vagrant-libvirt.ts';

export interface VagrantShellOptions {
  /** the checkout with the Vagrantfile */
  dir: string;
  /** how many VMs the lab has (its record, else the machines Vagrant knows) */
  nodes: number;
  spawn: SpawnInherited;
  /** the host's shell, for `ssh client` without a command */
  loginShell: string;
  /** minik's own libvirt: vagrant runs in its namespace, with its environment */
  libvirt?: PrivateLibvirt;
}

/** `node7` → 7; anything else → 0. */
const nodeNumber = (node: string) => Number(/^node([1-9]\d*)$/.exec(node)?.[1] ?? 0);

/** The argv that runs `argv` on a VM (a login shell when empty). */
export function vagrantSshArgv(o: Pick<VagrantShellOptions, 'dir' | 'nodes' | 'libvirt'>, node: string, argv: string[], root = false): string[] {
  const nodes = Math.max(o.nodes, nodeNumber(node), 1);
  const libvirtEnv = o.libvirt ? Object.entries(privateLibvirtEnv(o.libvirt)).map(([k, v]) => `${k}=${v}`) : [];
  const envArgv = ['env', `VAGRANT_CWD=${o.dir}`, `MINIK_NODES=${nodes}`, ...libvirtEnv, 'vagrant', 'ssh', node];
  const prefix = o.libvirt ? inNetns(o.libvirt.netns, envArgv) : envArgv;
  if (argv.length === 0) return prefix;
  return [...prefix, '-c', shellJoin(root ? ['sudo', ...argv] : argv)];
}

export function vagrantShell(o: VagrantShellOptions): LabShell {
  const onNode = (node: string, argv: string[], root = false) => o.spawn(vagrantSshArgv(o, node, argv, root));
  return {
    provider: 'vagrant',
    onNode: (node, argv, opts) => onNode(node, argv, opts?.root),
    onClient: (argv) => o.spawn(argv.length ? argv : [o.loginShell]),
    inPod: (pod, argv) =>
      onNode(pod.node, ['ip', 'netns', 'exec', podNetnsName(vmNetnsPrefix(pod.node), pod.namespace, pod.name), ...(argv.length ? argv : ['bash'])], true),
    podLog(pod, tail) {
      const path = podLogPath(vmAgentStateDir(pod.node), pod.namespace, pod.name);
      return onNode(pod.node, tail === undefined ? ['cat', path] : ['tail', '-n', String(tail), path], true);
    },
  };
}
