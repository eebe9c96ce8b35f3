// What an agent tells the cluster as Events (recorded through api/events.ts):
// its pods starting, restarting and failing (kubelet's reasons), the
// LoadBalancer IPs it starts announcing, with the node it took over from
// (MetalLB speaker's `nodeAssigned`), and data-plane syncs that fail. Pure
// functions decide; agent.ts posts what they return.

import type { EventInput } from '../api/events.ts';
import type { Endpoints, Node, Pod, Service } from '../api/types.ts';
import { announcements, loadBalancerIps } from './lb/election.ts';

const COMPONENT = 'minik-agent';

/** Events for a pod whose status goes from `before` to `after` on `node`. */
export function podEvents(pod: Pod, before: Pod['status'], after: Pod['status'], node: string): EventInput[] {
  const base = { involved: pod, component: COMPONENT, host: node };
  const container = pod.spec.containers[0]?.name ?? 'main';
  const out: EventInput[] = [];
  const restartsBefore = before?.restartCount ?? 0;
  const restartsAfter = after?.restartCount ?? 0;
  if (after?.phase === 'Running' && before?.phase !== 'Running' && restartsAfter === 0) {
    out.push({ ...base, type: 'Normal', reason: 'Started', message: `Started container ${container} on ${node} (pod IP ${after.podIP ?? '<none>'})` });
  }
  if (restartsAfter > restartsBefore) {
    out.push({ ...base, type: 'Warning', reason: 'BackOff', message: `Container ${container} exited and was restarted (restart count ${restartsAfter})` });
  }
  if (after?.phase === 'Failed' && before?.phase !== 'Failed') {
    const why = after.conditions?.find((c) => c.type === 'Ready')?.message ?? after.conditions?.find((c) => c.type === 'Ready')?.reason ?? 'the pod failed';
    out.push({ ...base, type: 'Warning', reason: 'Failed', message: `Error: ${why}` });
  }
  return out;
}

export interface LbView {
  services: Service[];
  endpoints: Endpoints[];
  nodes: Node[];
}

/** IP → announcing node, for every LoadBalancer IP. */
export const lbHolders = (v: LbView) => announcements(v.services, v.endpoints, v.nodes);

/** `nodeAssigned` on each Service whose IP `me` now announces and did not before; a takeover names the previous node. */
export function lbEvents(before: Map<string, string | undefined>, view: LbView, me: string): EventInput[] {
  const after = lbHolders(view);
  const out: EventInput[] = [];
  for (const [ip, holder] of after) {
    if (holder !== me || before.get(ip) === me) continue;
    const svc = view.services.find((s) => loadBalancerIps(s).includes(ip));
    if (!svc) continue;
    const previous = before.get(ip);
    out.push({
      involved: svc,
      type: 'Normal',
      reason: 'nodeAssigned',
      message: `announcing ${ip} from node "${me}" with protocol "layer2"${previous ? ` (failover from node "${previous}")` : ''}`,
      component: 'minik-lb-speaker',
      host: me,
    });
  }
  return out;
}

export function syncFailedEvent(node: string, error: string): EventInput {
  return {
    involved: { kind: 'Node', name: node, apiVersion: 'v1' },
    type: 'Warning',
    reason: 'SyncProxyRulesFailed',
    message: `Failed to sync the data plane: ${error}`.slice(0, 1000),
    component: COMPONENT,
    host: node,
  };
}
