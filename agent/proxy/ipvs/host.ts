// Everything the ipvs mode does to a node, through the one Exec (api/exec):
// read and change IPVS with ipvsadm, keep the dummy link's addresses, set the
// sysctls, check that the host can run the mode at all, and remove it all.
// The helper nft table goes through the nft library over the same Exec.

import type { Exec } from '../../../api/exec/exec.ts';
import { parseIpJson, type IpLink } from '../../../api/exec/ip-json.ts';
import { ExecApplier, errorFromStderr, nftCommandLine, type NftApplier, type NftExec } from '../../nft/index.ts';
import { DUMMY_LINK, HELPER_TABLE, NODE_PORT_RANGE, SYSCTLS } from './names.ts';
import { parseIpvsadmSave } from './parse.ts';
import { deleteService } from './restore.ts';
import type { VirtualServer } from './types.ts';

/** Stable codes for what can go wrong on the node; mapped to one line at the edge. */
export class IpvsError extends Error {
  constructor(
    readonly code: 'IPVS_UNAVAILABLE' | 'IPVS_APPLY' | 'IPVS_EXEC',
    message: string,
  ) {
    super(message);
    this.name = 'IpvsError';
  }
}

/** The nft library's runner, over an Exec: one door to the node for every command. */
export function nftOverExec(exec: Exec): NftExec {
  return async (opts) => {
    const argv = nftCommandLine({ ...opts, netns: undefined });
    const r = await exec.run(argv, { input: opts.input, allowFailure: true });
    if (r.code !== 0) throw errorFromStderr(r.stderr, r.code);
    return { stdout: r.stdout, stderr: r.stderr };
  };
}

export const helperApplier = (exec: Exec): NftApplier => new ExecApplier({ exec: nftOverExec(exec) });

const firstLine = (text: string) => text.trim().split('\n')[0]?.trim() ?? '';

/**
 * Why this host cannot run ipvs mode, as one line; undefined when it can.
 * Order: kernel module (loading it if needed, as kube-proxy does), ipvsadm,
 * dummy links (created and removed again under a throwaway name).
 */
export async function ipvsHostProblem(exec: Exec): Promise<string | undefined> {
  const loaded = async () => (await exec.run(['test', '-e', '/proc/net/ip_vs'], { allowFailure: true })).code === 0;
  if (!(await loaded())) {
    const probe = await exec.run(['modprobe', 'ip_vs'], { allowFailure: true });
    if (probe.code !== 0 || !(await loaded())) {
      const why = probe.code === 127 ? 'modprobe not found' : firstLine(probe.stderr) || (probe.code === 0 ? '/proc/net/ip_vs still missing' : `exit status ${probe.code}`);
      return `proxy mode "ipvs" needs the ip_vs kernel module (modprobe ip_vs: ${why})`;
    }
  }
  const ipvsadm = await exec.run(['ipvsadm', '-Ln'], { allowFailure: true });
  if (ipvsadm.code === 127) return 'proxy mode "ipvs" needs ipvsadm (Debian package ipvsadm): install it, e.g. with scripts/deps.sh';
  if (ipvsadm.code !== 0) return `proxy mode "ipvs" cannot use IPVS (ipvsadm -Ln: ${firstLine(ipvsadm.stderr)})`;
  return dummyLinkProblem(exec);
}

/** Why dummy links cannot be made here (one line), or undefined. Creates one under a throwaway name and removes it. */
export async function dummyLinkProblem(exec: Exec): Promise<string | undefined> {
  const probeLink = 'minik-ipvscheck';
  const add = await exec.run(['ip', 'link', 'add', probeLink, 'type', 'dummy'], { allowFailure: true });
  if (add.code !== 0 && !/File exists/.test(add.stderr)) return `proxy mode "ipvs" needs dummy network interfaces (ip link add ... type dummy: ${firstLine(add.stderr)})`;
  await exec.run(['ip', 'link', 'del', probeLink], { allowFailure: true });
  return undefined;
}

/** Virtual servers IPVS holds now (`ipvsadm -Sn`). */
export async function readVirtualServers(exec: Exec): Promise<VirtualServer[]> {
  const r = await exec.run(['ipvsadm', '-Sn']);
  return parseIpvsadmSave(r.stdout);
}

/**
 * Runs the commands as one `ipvsadm -R` batch. ipvsadm reports a failing line
 * on stderr but goes on and exits with the LAST line's status, so any stderr
 * counts as failure (the caller then resyncs everything).
 */
export async function applyIpvsCommands(exec: Exec, commands: string[]): Promise<void> {
  if (!commands.length) return;
  const r = await exec.run(['ipvsadm', '-R'], { input: commands.join('\n') + '\n', allowFailure: true });
  if (r.code !== 0 || r.stderr.trim()) throw new IpvsError('IPVS_APPLY', `ipvsadm -R: ${firstLine(r.stderr) || `exit status ${r.code}`}`);
}

/** The dummy link exists (kept down, like kube-ipvs0: its addresses are local all the same) and the sysctls are set. */
export async function prepareNode(exec: Exec): Promise<void> {
  const links = parseIpJson<IpLink>((await exec.run(['ip', '-j', 'link', 'show', 'dev', DUMMY_LINK], { allowFailure: true })).stdout);
  if (!links.length) await exec.run(['ip', 'link', 'add', DUMMY_LINK, 'type', 'dummy']);
  await exec.run(['sysctl', '-q', '-w', ...Object.entries(SYSCTLS).map(([k, v]) => `${k}=${v}`)]);
}

/** IPv4 addresses on the dummy link now. */
export async function readDummyAddresses(exec: Exec): Promise<string[]> {
  const r = await exec.run(['ip', '-j', '-4', 'addr', 'show', 'dev', DUMMY_LINK], { allowFailure: true });
  if (r.code !== 0) return [];
  return parseIpJson<IpLink>(r.stdout).flatMap((l) => (l.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => a.local));
}

/** Adds and removes /32s on the dummy link in one `ip -batch` run. */
export async function changeDummyAddresses(exec: Exec, add: string[], remove: string[]): Promise<void> {
  const lines = [...remove.map((a) => `address del ${a}/32 dev ${DUMMY_LINK}`), ...add.map((a) => `address add ${a}/32 dev ${DUMMY_LINK}`)];
  if (lines.length) await exec.run(['ip', '-batch', '-'], { input: lines.join('\n') + '\n' });
}

/**
 * Which virtual servers minik made: those on an address of its dummy link
 * (or one it is about to bind), and NodePort ones on a node address inside
 * the NodePort range. Anything else in IPVS (keepalived, a person's test) is left alone.
 */
export function ownership(dummyAddresses: Iterable<string>, nodeIps: string[]): (vs: VirtualServer) => boolean {
  const mine = new Set(dummyAddresses);
  const nodes = new Set(nodeIps);
  return (vs) => mine.has(vs.address) || (nodes.has(vs.address) && vs.port >= NODE_PORT_RANGE.first && vs.port <= NODE_PORT_RANGE.last);
}

/**
 * Removes every trace of ipvs mode: minik's virtual servers, the dummy link
 * (and with it its addresses), the helper table. Idempotent, and harmless
 * where IPVS or ipvsadm does not exist (nothing can be there).
 */
export async function cleanupIpvs(exec: Exec): Promise<void> {
  const addresses = await readDummyAddresses(exec);
  const saved = await exec.run(['ipvsadm', '-Sn'], { allowFailure: true });
  if (saved.code === 0 && saved.stdout.trim()) {
    // The node's own addresses, whatever they are: cleanup runs without knowing --node-ip.
    const local = parseIpJson<IpLink>((await exec.run(['ip', '-j', '-4', 'addr', 'show'], { allowFailure: true })).stdout);
    const nodeIps = local.flatMap((l) => (l.addr_info ?? []).map((a) => a.local));
    const owned = ownership(addresses, nodeIps);
    await applyIpvsCommands(exec, parseIpvsadmSave(saved.stdout).filter(owned).map(deleteService));
  }
  await exec.run(['ip', 'link', 'del', DUMMY_LINK], { allowFailure: true });
  await exec.run(['nft', '-f', '-'], { input: `add table ip ${HELPER_TABLE}\ndelete table ip ${HELPER_TABLE}\n`, allowFailure: true });
}
