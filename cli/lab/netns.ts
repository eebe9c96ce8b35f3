// The netns lab topology: a pure plan (the `ip` commands that build it), an
// idempotent applier, an inspector and a destroyer, all behind `Exec`.
//
//   host ns:   <lab>-host  .1/24  ──┐            (the ONLY thing added to the host)
//   <lab>-lan: bridge <lab>-br ─ ports host, client, node1, node2, ...
//   <lab>-client: eth0 .2/24       <lab>-nodeN: eth0 .1N/24, forwarding on
//
// Port names inside `<lab>-lan` need no lab prefix: that namespace belongs to
// the lab alone. Every veth pair is created from inside a lab namespace (or
// with the lab-prefixed host name), so nothing ever collides with the host's
// or another lab's links, not even for a moment.

import { labLayout, labNodeName } from '../../api/layout.ts';
import type { Exec } from '../../api/exec/exec.ts';
import { execFailed, runOrThrow } from './run.ts';
import { parseIpJson } from '../../api/exec/ip-json.ts';
import { assertLabName, assertNodeCount, parseLan, type LabAddresses } from './lan.ts';

/** What a creating step makes; applyLab skips the step when it already exists. */
export type LabResource = { kind: 'netns'; name: string } | { kind: 'link'; netns: string | null; name: string };

export interface LabStep {
  argv: string[];
  creates?: LabResource;
}

export interface LabPlan {
  name: string;
  lan: LabAddresses;
  nodes: string[];
  /** every namespace the lab owns itself (pods' namespaces come from agents) */
  namespaces: string[];
  hostLink: string;
  steps: LabStep[];
}

export interface LabNetState {
  name: string;
  /** namespaces named `<lab>-*` (the lab's own and any pod namespaces its agents made) */
  namespaces: string[];
  hostLink: boolean;
  /** `A.B.C.D/len` on the host link */
  hostAddresses: string[];
  /** links inside `<lab>-lan` (empty when it does not exist) */
  lanLinks: string[];
}

export interface ApplyResult {
  /** commands run */
  ran: number;
  /** creating steps skipped because their resource existed */
  skipped: number;
}

/** The LAN-side port name of the host link's veth peer. */
const HOST_PORT = 'host';
const CLIENT_PORT = 'client';

const ipIn = (netns: string | null, ...args: string[]) => (netns === null ? ['ip', ...args] : ['ip', '-n', netns, ...args]);

/** A namespace with `lo` up and `eth0` on the LAN bridge at `ip`. */
function memberSteps(lanNetns: string, bridge: string, netns: string, port: string, cidrAddress: string): LabStep[] {
  return [
    { argv: ['ip', 'netns', 'add', netns], creates: { kind: 'netns', name: netns } },
    { argv: ipIn(netns, 'link', 'set', 'dev', 'lo', 'up') },
    {
      argv: ipIn(lanNetns, 'link', 'add', 'name', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns),
      creates: { kind: 'link', netns: lanNetns, name: port },
    },
    { argv: ipIn(lanNetns, 'link', 'set', 'dev', port, 'master', bridge, 'up') },
    { argv: ipIn(netns, 'addr', 'replace', cidrAddress, 'dev', 'eth0') },
    { argv: ipIn(netns, 'link', 'set', 'dev', 'eth0', 'up') },
  ];
}

export function planLab(opts: { name: string; lan: string; nodes: number }): LabPlan {
  assertLabName(opts.name);
  assertNodeCount(opts.nodes);
  const lan = parseLan(opts.lan);
  const layout = labLayout(opts.name);
  const nodes = Array.from({ length: opts.nodes }, (_, i) => labNodeName(i));
  const withLen = (ip: string) => `${ip}/${lan.prefixLength}`;
  const lanNs = layout.lanNetns;
  const bridge = layout.lanBridge;

  const steps: LabStep[] = [
    { argv: ['ip', 'netns', 'add', lanNs], creates: { kind: 'netns', name: lanNs } },
    { argv: ipIn(lanNs, 'link', 'set', 'dev', 'lo', 'up') },
    { argv: ipIn(lanNs, 'link', 'add', 'name', bridge, 'type', 'bridge'), creates: { kind: 'link', netns: lanNs, name: bridge } },
    { argv: ipIn(lanNs, 'link', 'set', 'dev', bridge, 'up') },

    // The host's link, like a host-only adapter. No IPv6 link-local address,
    // so not even router solicitations leave the host through it.
    {
      argv: ['ip', 'link', 'add', 'name', layout.hostLink, 'type', 'veth', 'peer', 'name', HOST_PORT, 'netns', lanNs],
      creates: { kind: 'link', netns: null, name: layout.hostLink },
    },
    { argv: ['ip', 'link', 'set', 'dev', layout.hostLink, 'addrgenmode', 'none'] },
    { argv: ['ip', 'addr', 'replace', withLen(lan.hostIp), 'dev', layout.hostLink] },
    { argv: ['ip', 'link', 'set', 'dev', layout.hostLink, 'up'] },
    { argv: ipIn(lanNs, 'link', 'set', 'dev', HOST_PORT, 'master', bridge, 'up') },

    ...memberSteps(lanNs, bridge, layout.clientNetns, CLIENT_PORT, withLen(lan.clientIp)),
  ];
  nodes.forEach((node, i) => {
    const netns = layout.nodeNetns(node);
    steps.push(...memberSteps(lanNs, bridge, netns, node, withLen(lan.nodeIp(i))));
    // A new namespace starts with ip_forward 0; a node routes for its pods.
    steps.push({ argv: ['ip', 'netns', 'exec', netns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'] });
  });

  return {
    name: opts.name,
    lan,
    nodes,
    namespaces: [lanNs, layout.clientNetns, ...nodes.map((n) => layout.nodeNetns(n))],
    hostLink: layout.hostLink,
    steps,
  };
}

/** Is `ns` a namespace of lab `name`? Lab names have no `-`, so `mkl-` never matches lab `mkl2`. */
export const isLabNetns = (name: string, ns: string) => ns.startsWith(`${name}-`);

export async function inspectLab(name: string, exec: Exec): Promise<LabNetState> {
  assertLabName(name);
  const layout = labLayout(name);
  const all = parseIpJson<{ name: string }>(await runOrThrow(exec, ['ip', '-j', 'netns', 'list']));
  const namespaces = all.map((n) => n.name).filter((ns) => isLabNetns(name, ns)).sort();

  const host = await exec.run(['ip', '-j', 'addr', 'show', 'dev', layout.hostLink], { allowFailure: true });
  type AddrInfo = { family: string; local: string; prefixlen: number };
  const hostLinks = host.code === 0 ? parseIpJson<{ addr_info?: AddrInfo[] }>(host.stdout) : [];
  const hostAddresses = (hostLinks[0]?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);

  let lanLinks: string[] = [];
  if (namespaces.includes(layout.lanNetns)) {
    const links = parseIpJson<{ ifname: string }>(await runOrThrow(exec, ipIn(layout.lanNetns, '-j', 'link', 'show')));
    lanLinks = links.map((l) => l.ifname).sort();
  }
  return { name, namespaces, hostLink: hostLinks.length > 0, hostAddresses, lanLinks };
}

function exists(state: LabNetState, r: LabResource, hostLink: string, lanNetns: string): boolean {
  if (r.kind === 'netns') return state.namespaces.includes(r.name);
  if (r.netns === null) return r.name === hostLink && state.hostLink;
  return r.netns === lanNetns && state.lanLinks.includes(r.name);
}

/**
 * Builds what is missing of `plan` and re-asserts the rest (addresses, up,
 * forwarding are idempotent commands). Safe to run on a complete lab, on a
 * half-built one, or after someone deleted one namespace.
 */
export async function applyLab(plan: LabPlan, exec: Exec): Promise<ApplyResult> {
  const layout = labLayout(plan.name);
  const state = await inspectLab(plan.name, exec);
  let ran = 0;
  let skipped = 0;
  // A host link whose peer is no longer on the LAN bridge (its LAN namespace
  // was deleted and is being torn down) would block re-creating the pair.
  if (state.hostLink && !state.lanLinks.includes(HOST_PORT)) {
    await runOrThrow(exec, ['ip', 'link', 'del', 'dev', plan.hostLink]);
    state.hostLink = false;
    ran++;
  }
  for (const step of plan.steps) {
    if (step.creates && exists(state, step.creates, plan.hostLink, layout.lanNetns)) {
      skipped++;
      continue;
    }
    await runOrThrow(exec, step.argv);
    ran++;
  }
  return { ran, skipped };
}

/**
 * Removes the host link and every `<lab>-*` namespace (pods' too). Succeeds
 * when nothing is there. Processes still inside a namespace keep it alive in
 * the kernel, so callers stop them first (daemons.ts killNetnsProcesses).
 */
export async function destroyLab(name: string, exec: Exec): Promise<{ removed: string[] }> {
  const layout = labLayout(name);
  const state = await inspectLab(name, exec);
  const removed: string[] = [];
  // Deleting the host link first (synchronously) rather than letting the LAN
  // namespace's asynchronous teardown take it: an immediate `up` can re-create it.
  if (state.hostLink) {
    await tolerateGone(exec, ['ip', 'link', 'del', 'dev', layout.hostLink]);
    removed.push(layout.hostLink);
  }
  const lanLast = [...state.namespaces].sort((a, b) => Number(a === layout.lanNetns) - Number(b === layout.lanNetns));
  for (const ns of lanLast) {
    await tolerateGone(exec, ['ip', 'netns', 'del', ns]);
    removed.push(ns);
  }
  return { removed };
}

/** Runs a delete; "already gone" (someone else removed it meanwhile) is success. */
async function tolerateGone(exec: Exec, argv: string[]): Promise<void> {
  const result = await exec.run(argv, { allowFailure: true });
  if (result.code === 0 || /No such file|does not exist|Cannot find device/i.test(result.stderr)) return;
  throw execFailed(argv, result);
}
