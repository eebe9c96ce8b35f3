// Cross-checks allocations against objects: every held value belongs to an
// object that uses it, and every value an object uses is held by it alone.
// Used after crashes (tests) and cheap enough to run at any time.

import { objectKey } from '../../api/resources.ts';
import type { Node, Service } from '../../api/types.ts';
import type { Store } from '../store/store.ts';
import { POOLS } from './allocators.ts';

function usedValues(store: Store): Map<string, Map<string, string>> {
  const used = new Map<string, Map<string, string>>(Object.values(POOLS).map((p) => [p, new Map()]));
  const use = (pool: string, value: string, owner: string, problems: string[]) => {
    const current = used.get(pool)!.get(value);
    if (current && current !== owner) problems.push(`${pool} ${value} used by both ${current} and ${owner}`);
    used.get(pool)!.set(value, owner);
  };
  const problems: string[] = [];
  for (const svc of store.list<Service>('Service')) {
    const owner = objectKey('Service', svc.metadata.namespace, svc.metadata.name);
    if (svc.spec.clusterIP && svc.spec.clusterIP !== 'None') use(POOLS.clusterIp, svc.spec.clusterIP, owner, problems);
    for (const port of svc.spec.ports ?? []) if (port.nodePort) use(POOLS.nodePort, String(port.nodePort), owner, problems);
    for (const ingress of svc.status?.loadBalancer?.ingress ?? []) if (ingress.ip) use(POOLS.loadBalancerIp, ingress.ip, owner, problems);
  }
  for (const node of store.list<Node>('Node')) {
    if (node.spec.podCIDR) use(POOLS.podCidr, node.spec.podCIDR, objectKey('Node', undefined, node.metadata.name), problems);
  }
  if (problems.length) throw new Error(problems.join('; '));
  return used;
}

/** Problems found, as sentences; empty when allocations and objects agree. */
export function allocationProblems(store: Store): string[] {
  let used: Map<string, Map<string, string>>;
  try {
    used = usedValues(store);
  } catch (err) {
    return (err as Error).message.split('; ');
  }
  const problems: string[] = [];
  for (const pool of Object.values(POOLS)) {
    const held = store.allocationsOf(pool);
    const wanted = used.get(pool)!;
    for (const [value, owner] of held) {
      if (wanted.get(value) !== owner) problems.push(`${pool} ${value} is held by ${owner}, which does not use it`);
    }
    for (const [value, owner] of wanted) {
      if (held.get(value) !== owner) problems.push(`${pool} ${value} is used by ${owner} but held by ${held.get(value) ?? 'nobody'}`);
    }
  }
  return problems;
}
