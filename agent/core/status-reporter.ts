// Pod status back to the apiserver: one PUT of /status when a field worth
// reporting changed (phase, podIP, restarts, Ready), never the same one
// twice for one resourceVersion. A pod deleted meanwhile is not an error.

import { isApiError } from '../../api/errors.ts';
import type { Pod } from '../../api/types.ts';
import { toPodStatus, type PodRuntimeStatus } from '../pods/status.ts';

export interface StatusReporterOptions {
  nodeIp: string;
  /** The pod as the watch cache has it. */
  getPod(namespace: string, name: string): Pod | undefined;
  putStatus(pod: Pod): Promise<void>;
  /** Called after a status write went through (the agent turns it into Events). */
  onReported?(pod: Pod, before: Pod['status'], after: Pod['status']): void;
  log(line: string): void;
}

/** The pod status fields whose change is worth a write. */
export const statusDigest = (s: Pod['status']) =>
  JSON.stringify([s?.phase, s?.podIP, s?.restartCount ?? 0, s?.conditions?.find((c) => c.type === 'Ready')?.status]);

export class StatusReporter {
  private readonly reported = new Map<string, string>();

  constructor(private readonly options: StatusReporterOptions) {}

  async report(status: PodRuntimeStatus): Promise<void> {
    if (status.removed) return;
    const pod = this.options.getPod(status.namespace, status.name);
    if (!pod || (status.uid && pod.metadata.uid !== status.uid)) return;
    const next = toPodStatus(status, this.options.nodeIp);
    const digest = statusDigest(next);
    if (digest === statusDigest(pod.status)) return;
    const key = `${status.namespace}/${status.name}`;
    if (this.reported.get(key) === digest + pod.metadata.resourceVersion) return;
    this.reported.set(key, digest + pod.metadata.resourceVersion);
    try {
      await this.options.putStatus({ ...pod, status: next });
      this.options.onReported?.(pod, pod.status, next);
    } catch (err) {
      this.reported.delete(key);
      if (!isApiError(err, 'NotFound')) this.options.log(`reporting ${key}: ${(err as Error).message}`);
    }
  }
}
