// Which Node updates matter to a node's data plane. The apiserver refreshes a
// Ready node's lastHeartbeatTime every NODE_STATUS_REPORT_MS; such an update
// changes nothing an agent programs (routes, LoadBalancer holders), so it must
// not start a forced resync on every node of the cluster.

import type { AnyObject, Node } from '../../api/types.ts';

/** The Node minus what changes on every status report: its revision and its conditions' heartbeat times. */
function withoutHeartbeat(node: Node): unknown {
  const { resourceVersion: _revision, ...metadata } = node.metadata;
  const conditions = node.status?.conditions?.map(({ lastHeartbeatTime: _beat, ...rest }) => rest);
  return { ...node, metadata, status: { ...node.status, conditions } };
}

/** True when `after` differs from `before` only in heartbeat bookkeeping. */
export function isHeartbeatOnly(before: AnyObject | undefined, after: AnyObject): boolean {
  if (!before || before.kind !== 'Node' || after.kind !== 'Node') return false;
  return JSON.stringify(withoutHeartbeat(before as Node)) === JSON.stringify(withoutHeartbeat(after as Node));
}
