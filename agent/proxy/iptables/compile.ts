// compile: ProxyModel → the `iptables-restore --noflush` text of minik's
// chains, kube-proxy's shape. Pure.
//
//   nat KUBE-SERVICES ─ -d clusterIP → KUBE-SVC-* (or KUBE-SVL-* for internalTrafficPolicy Local)
//                     ─ -d LB IP     → KUBE-EXT-* ─ mark for masquerade (policy Cluster) → KUBE-SVC-* / KUBE-SVL-*
//                     ─ local dst    → KUBE-NODEPORTS ─ --dport nodePort → KUBE-EXT-*
//   KUBE-SVC-* ─ (ClientIP: -m recent --rcheck per endpoint) ─ -m statistic 1/n, 1/(n-1) … → KUBE-SEP-*
//   KUBE-SEP-* ─ hairpin mark ─ (ClientIP: -m recent --set) ─ DNAT
//   filter KUBE-SERVICES / KUBE-EXTERNAL-SERVICES ─ REJECT services without endpoints, DROP Local without local ones
//   nat KUBE-POSTROUTING ─ MASQUERADE what carries 0x4000
//
// A service port compiles to a Fragment (its own chains plus its lines in
// the shared dispatch chains), so a partial sync rewrites the dispatch
// chains and only the chains of the service ports that changed.

import type { ProxyEndpoint, ServicePortModel } from '../model.ts';
import { CHAIN, JUMPS, MASQ_MARK, extChain, sepChain, svcChain, svlChain } from './names.ts';

export interface IptablesChain {
  name: string;
  /** Full `-A CHAIN ...` lines. */
  rules: string[];
}

export interface Fragment {
  key: string;
  /** nat chains owned by this service port (KUBE-SVC/SVL/EXT/SEP). */
  chains: IptablesChain[];
  natServices: string[];
  natNodePorts: string[];
  filterServices: string[];
  filterExternal: string[];
}

export interface Ranges {
  clusterCidr: string;
}

export const servicePortLabel = (sp: ServicePortModel) => `${sp.namespace}/${sp.name}:${sp.portName || sp.port}`;
const q = (text: string) => `"${text}"`;

/** 1/n with kube-proxy's ten decimals. */
export const probability = (n: number) => (1 / n).toFixed(10);

function rejectArgs(sp: ServicePortModel): string {
  return sp.protocol === 'tcp' ? '-j REJECT --reject-with tcp-reset' : '-j REJECT --reject-with icmp-port-unreachable';
}

export function compileServicePort(sp: ServicePortModel, ranges: Ranges): Fragment {
  const f: Fragment = { key: sp.key, chains: [], natServices: [], natNodePorts: [], filterServices: [], filterExternal: [] };
  const label = servicePortLabel(sp);
  const p = sp.protocol;
  const match = (port: number) => `-p ${p} -m ${p} --dport ${port}`;
  const local = sp.endpoints.filter((e) => e.isLocal);
  const internal = sp.internalLocal ? local : sp.endpoints;
  const external = sp.externalLocal ? local : sp.endpoints;
  const hasExternal = sp.loadBalancerIPs.length > 0 || sp.nodePort !== undefined;

  const externalVerdict = (what: string, verdict: string) => {
    for (const lb of sp.loadBalancerIPs) f.filterExternal.push(`-A ${CHAIN.externalServices} -d ${lb}/32 ${match(sp.port)} -m comment --comment ${q(`${label} ${what}`)} ${verdict}`);
    if (sp.nodePort) f.filterExternal.push(`-A ${CHAIN.externalServices} -m addrtype --dst-type LOCAL ${match(sp.nodePort)} -m comment --comment ${q(`${label} ${what}`)} ${verdict}`);
  };

  if (sp.endpoints.length === 0) {
    f.filterServices.push(`-A ${CHAIN.services} -d ${sp.clusterIP}/32 ${match(sp.port)} -m comment --comment ${q(`${label} has no endpoints`)} ${rejectArgs(sp)}`);
    externalVerdict('has no endpoints', rejectArgs(sp));
    return f;
  }

  const affinity = sp.affinityTimeoutSeconds;
  const seps = new Map<string, string>();
  const sepOf = (ep: ProxyEndpoint) => {
    const k = `${ep.ip}:${ep.port}`;
    let name = seps.get(k);
    if (!name) {
      name = sepChain(sp, ep.ip, ep.port);
      seps.set(k, name);
      const recent = affinity !== undefined ? `-m recent --set --name ${name} --mask 255.255.255.255 --rsource ` : '';
      f.chains.push({
        name,
        rules: [
          `-A ${name} -s ${ep.ip}/32 -m comment --comment ${q(label)} -j ${CHAIN.markMasq}`,
          `-A ${name} -p ${p} -m comment --comment ${q(label)} ${recent}-m ${p} -j DNAT --to-destination ${ep.ip}:${ep.port}`,
        ],
      });
    }
    return name;
  };
  /** The endpoint-choosing chain: remembered clients first (ClientIP), then 1/n, 1/(n-1), ... */
  const balance = (name: string, eps: ProxyEndpoint[], first: string[] = []) => {
    const rules = [...first];
    if (affinity !== undefined) {
      for (const ep of eps) {
        const sep = sepOf(ep);
        rules.push(`-A ${name} -m comment --comment ${q(`${label} -> ${ep.ip}:${ep.port}`)} -m recent --rcheck --seconds ${affinity} --reap --name ${sep} --mask 255.255.255.255 --rsource -j ${sep}`);
      }
    }
    eps.forEach((ep, i) => {
      const stat = i < eps.length - 1 ? ` -m statistic --mode random --probability ${probability(eps.length - i)}` : '';
      rules.push(`-A ${name} -m comment --comment ${q(`${label} -> ${ep.ip}:${ep.port}`)}${stat} -j ${sepOf(ep)}`);
    });
    f.chains.push({ name, rules });
    return name;
  };

  // Node processes and outside clients reaching a ClusterIP are masqueraded (kube-proxy with a cluster CIDR).
  const masqOffCluster = (chain: string) =>
    `-A ${chain} ! -s ${ranges.clusterCidr} -d ${sp.clusterIP}/32 ${match(sp.port)} -m comment --comment ${q(`${label} cluster IP`)} -j ${CHAIN.markMasq}`;
  const chains = new Map<string, string>();
  const chainFor = (localOnly: boolean) => {
    const name = localOnly ? svlChain(sp) : svcChain(sp);
    if (!chains.has(name)) {
      const eps = localOnly ? local : sp.endpoints;
      const internalHere = (sp.internalLocal ? local : sp.endpoints) === eps && internal.length > 0;
      chains.set(name, balance(name, eps, internalHere ? [masqOffCluster(name)] : []));
    }
    return name;
  };

  if (internal.length === 0) {
    // Endpoints exist, none on this node, and the policy says local only: drop, as kube-proxy does.
    f.filterServices.push(`-A ${CHAIN.services} -d ${sp.clusterIP}/32 ${match(sp.port)} -m comment --comment ${q(`${label} has no local endpoints`)} -j DROP`);
  } else {
    f.natServices.push(`-A ${CHAIN.services} -d ${sp.clusterIP}/32 ${match(sp.port)} -m comment --comment ${q(`${label} cluster IP`)} -j ${chainFor(sp.internalLocal)}`);
  }

  if (hasExternal) {
    if (external.length === 0) {
      externalVerdict('has no local endpoints', '-j DROP');
    } else {
      const ext = extChain(sp);
      const target = chainFor(sp.externalLocal);
      // policy Cluster: masquerade so replies come back through this node; Local keeps the client's address.
      const rules = sp.externalLocal
        ? [`-A ${ext} -m comment --comment ${q(`${label} external destinations, local endpoints only`)} -j ${target}`]
        : [`-A ${ext} -m comment --comment ${q(`masquerade traffic for ${label} external destinations`)} -j ${CHAIN.markMasq}`, `-A ${ext} -j ${target}`];
      f.chains.push({ name: ext, rules });
      for (const lb of sp.loadBalancerIPs) f.natServices.push(`-A ${CHAIN.services} -d ${lb}/32 ${match(sp.port)} -m comment --comment ${q(`${label} loadbalancer IP`)} -j ${ext}`);
      if (sp.nodePort) f.natNodePorts.push(`-A ${CHAIN.nodePorts} ${match(sp.nodePort)} -m comment --comment ${q(label)} -j ${ext}`);
    }
  }
  f.chains.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return f;
}

/** The fixed chains' rules (they never change). */
export const FIXED_NAT: IptablesChain[] = [
  {
    name: CHAIN.postrouting,
    rules: [
      `-A ${CHAIN.postrouting} -m mark ! --mark ${MASQ_MARK} -j RETURN`,
      `-A ${CHAIN.postrouting} -j MARK --xor-mark 0x4000`,
      `-A ${CHAIN.postrouting} -m comment --comment "minik service traffic requiring SNAT" -j MASQUERADE --random-fully`,
    ],
  },
  { name: CHAIN.markMasq, rules: [`-A ${CHAIN.markMasq} -j MARK --or-mark 0x4000`] },
];

export interface RenderInput {
  /** Every service port's fragment, sorted by key. */
  fragments: Fragment[];
  /** Fragments whose own chains must be (re)written; undefined: all of them (full sync). */
  rewrite?: Set<string>;
  /** Per-service chains to remove (flushed, then deleted). */
  deleteChains: string[];
  /** Hook rules of JUMPS not present in the built-in chains (inserted at the top). */
  missingJumps: { nat: string[]; filter: string[] };
}

/** The one `iptables-restore --noflush` batch: both tables, each committed atomically. */
export function renderRestore(input: RenderInput): string {
  const full = input.rewrite === undefined;
  const own = input.fragments.filter((f) => full || input.rewrite!.has(f.key)).flatMap((f) => f.chains);
  const out: string[] = ['*nat'];
  const natDeclared = [CHAIN.services, CHAIN.nodePorts, ...(full ? FIXED_NAT.map((c) => c.name) : []), ...own.map((c) => c.name), ...input.deleteChains];
  for (const name of natDeclared) out.push(`:${name} - [0:0]`);
  for (const rule of input.missingJumps.nat) out.push(rule);
  if (full) for (const c of FIXED_NAT) out.push(...c.rules);
  for (const f of input.fragments) out.push(...f.natServices);
  out.push(`-A ${CHAIN.services} -m comment --comment "minik service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j ${CHAIN.nodePorts}`);
  for (const f of input.fragments) out.push(...f.natNodePorts);
  for (const c of own) out.push(...c.rules);
  for (const name of input.deleteChains) out.push(`-X ${name}`);
  out.push('COMMIT', '*filter', `:${CHAIN.services} - [0:0]`, `:${CHAIN.externalServices} - [0:0]`);
  for (const rule of input.missingJumps.filter) out.push(rule);
  for (const f of input.fragments) out.push(...f.filterServices);
  for (const f of input.fragments) out.push(...f.filterExternal);
  out.push('COMMIT', '');
  return out.join('\n');
}

/** Every hook rule as an insert (what a first sync on a clean node writes). */
export function allJumps(): { nat: string[]; filter: string[] } {
  return {
    nat: JUMPS.nat.map((j) => `-I ${j.chain} 1 ${j.rule}`),
    filter: JUMPS.filter.map((j) => `-I ${j.chain} 1 ${j.rule}`),
  };
}

export function compileAll(servicePorts: ServicePortModel[], ranges: Ranges): Fragment[] {
  return [...servicePorts].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((sp) => compileServicePort(sp, ranges));
}
