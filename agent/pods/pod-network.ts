// A pod's network: its own namespace, a veth whose host end sits on the node
// bridge and whose pod end is eth0 with the pod IP, a default route via the
// bridge gateway (inside the pod namespace only), and the pod's resolv.conf
// through iproute2's /etc/netns/<netns>/ mechanism. `inspect` lets the
// runtime adopt a pod that survived an agent restart instead of recreating it.

import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Exec } from '../../api/exec/exec.ts';
import { type IpLink, type IpNetns, type IpRoute, ipJson } from '../../api/exec/ip-json.ts';

export interface PodNetworkSpec {
  netns: string;
  hostVeth: string;
  bridge: string;
  ip: string;
  prefixLength: number;
  gateway: string;
  resolvConf: string;
}

export interface PodNetworkDeps {
  /** runs `ip` in the node's namespace */
  exec: Exec;
  /** normally /etc/netns */
  etcNetnsDir: string;
}

export async function netnsExists(exec: Exec, netns: string): Promise<boolean> {
  const list = await ipJson<IpNetns>(exec, ['netns', 'list']);
  return list.some((n) => n.name === netns);
}

export async function listNetns(exec: Exec): Promise<string[]> {
  return (await ipJson<IpNetns>(exec, ['netns', 'list'])).map((n) => n.name);
}

/** True when namespace, both veth ends, address and default route are all as wanted. */
export async function podNetworkIntact(deps: PodNetworkDeps, spec: PodNetworkSpec): Promise<boolean> {
  const { exec } = deps;
  if (!(await netnsExists(exec, spec.netns))) return false;
  const [host] = await ipJson<IpLink>(exec, ['link', 'show', 'dev', spec.hostVeth]);
  if (!host || host.master !== spec.bridge || !host.flags?.includes('UP')) return false;
  const [eth0] = await ipJson<IpLink>(exec, ['-n', spec.netns, 'addr', 'show', 'dev', 'eth0']);
  if (!eth0?.flags?.includes('UP')) return false;
  if (!eth0.addr_info?.some((a) => a.family === 'inet' && a.local === spec.ip && a.prefixlen === spec.prefixLength)) return false;
  const routes = await ipJson<IpRoute>(exec, ['-n', spec.netns, 'route', 'show', 'default']);
  return routes.some((r) => r.gateway === spec.gateway);
}

/**
 * Builds the pod's network from scratch (after removing any half-made
 * leftovers). The pod end is created directly inside the pod namespace as
 * eth0, so it never appears in the node namespace under a clashing name.
 */
export async function createPodNetwork(deps: PodNetworkDeps, spec: PodNetworkSpec): Promise<void> {
  const { exec } = deps;
  await deletePodNetwork(deps, spec);
  await exec.run(['ip', 'netns', 'add', spec.netns]);
  await exec.run(['ip', 'link', 'add', spec.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', spec.netns]);
  await exec.run(['ip', 'link', 'set', spec.hostVeth, 'master', spec.bridge]);
  // Hairpin: with br_netfilter, a pod's packet to its own service is DNATed
  // back to itself and *bridged* out of the port it came in on, which a
  // bridge port refuses unless hairpin mode is on.
  await exec.run(['ip', 'link', 'set', spec.hostVeth, 'type', 'bridge_slave', 'hairpin', 'on']);
  await exec.run(['ip', 'link', 'set', spec.hostVeth, 'up']);
  await exec.run(['ip', '-n', spec.netns, 'link', 'set', 'lo', 'up']);
  await exec.run(['ip', '-n', spec.netns, 'addr', 'add', `${spec.ip}/${spec.prefixLength}`, 'dev', 'eth0']);
  await exec.run(['ip', '-n', spec.netns, 'link', 'set', 'eth0', 'up']);
  await exec.run(['ip', '-n', spec.netns, 'route', 'replace', 'default', 'via', spec.gateway, 'dev', 'eth0']);
  writeResolvConf(deps, spec);
}

/** Written every time (cheap, atomic), so a changed DNS setting reaches adopted pods too. */
export function writeResolvConf(deps: PodNetworkDeps, spec: PodNetworkSpec): void {
  const dir = join(deps.etcNetnsDir, spec.netns);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'resolv.conf.tmp'), spec.resolvConf);
  renameSync(join(dir, 'resolv.conf.tmp'), join(dir, 'resolv.conf'));
}

/** Removes namespace, host veth and /etc/netns dir; each step tolerates "already gone". */
export async function deletePodNetwork(deps: PodNetworkDeps, spec: Pick<PodNetworkSpec, 'netns' | 'hostVeth'>): Promise<void> {
  const { exec } = deps;
  if (await netnsExists(exec, spec.netns)) await exec.run(['ip', 'netns', 'del', spec.netns], { allowFailure: true });
  // Deleting the namespace takes eth0 and with it the host end; this covers a
  // veth left behind by a create that failed half-way.
  const [host] = await ipJson<IpLink>(exec, ['link', 'show', 'dev', spec.hostVeth]);
  if (host) await exec.run(['ip', 'link', 'del', spec.hostVeth], { allowFailure: true });
  rmSync(join(deps.etcNetnsDir, spec.netns), { recursive: true, force: true });
}
