// The tiny scheduler: a pod without spec.nodeName goes to the Ready,
// schedulable node that runs the fewest pods (ties: by name, so it is stable).

import type { Node, Pod } from '../api/types.ts';

export function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function pickNode(nodes: Node[], pods: Pod[]): string | undefined {
  const load = new Map<string, number>();
  for (const pod of pods) {
    const node = pod.spec.nodeName;
    if (node) load.set(node, (load.get(node) ?? 0) + 1);
  }
  const candidates = nodes
    .filter((n) => isNodeReady(n) && !n.spec?.unschedulable)
    .map((n) => n.metadata.name)
    .sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || a.localeCompare(b));
  return candidates[0];
}
