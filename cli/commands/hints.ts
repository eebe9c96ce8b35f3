// Hints the create commands print after what they did, so a learner sees at
// once why a Service will not answer yet: `service/web created (no pods match
// app=web yet: minik run web --labels app=web --port 8080)`.

import type { Client } from '../../api/client.ts';
import { formatLabels, matchesLabels } from '../../api/labels.ts';
import type { KubeObject, Pod, Service } from '../../api/types.ts';

/** The `minik run` that would make pods this service selects. Pure. */
export function runSuggestion(svc: Service): string {
  const selector = svc.spec.selector ?? {};
  const ns = svc.metadata.namespace && svc.metadata.namespace !== 'default' ? ` -n ${svc.metadata.namespace}` : '';
  const keys = Object.keys(selector);
  // `minik run NAME` labels run=NAME itself; other labels go through --labels.
  const name = selector.run ?? (keys.length === 1 ? selector[keys[0]] : svc.metadata.name);
  const extra = Object.fromEntries(Object.entries(selector).filter(([k]) => k !== 'run' || selector.run !== name));
  const labels = Object.keys(extra).length ? ` --labels ${formatLabels(extra)}` : '';
  const ports = [
    ...new Set(
      (svc.spec.ports ?? []).map((p) => {
        const target = typeof p.targetPort === 'number' ? p.targetPort : typeof p.targetPort === 'string' && /^\d+$/.test(p.targetPort) ? Number(p.targetPort) : p.port;
        return `${target}${(p.protocol ?? 'TCP') === 'UDP' ? '/udp' : ''}`;
      }),
    ),
  ].map((p) => ` --port ${p}`);
  return `minik run ${name}${ns}${labels}${ports.join('')}`;
}

/** The parenthesis after `service/NAME created`, or '' when pods match (or the service selects none by design). */
export function noPodsHint(svc: Service, pods: Pod[]): string {
  const selector = svc.spec.selector;
  if (!selector || Object.keys(selector).length === 0 || svc.spec.type === 'ExternalName') return '';
  if (pods.some((p) => (p.metadata.namespace ?? 'default') === (svc.metadata.namespace ?? 'default') && matchesLabels(p.metadata.labels, selector))) return '';
  return ` (no pods match ${formatLabels(selector)} yet: ${runSuggestion(svc)})`;
}

/** Asks the server for the service's pods (plus `pending`, pods about to be applied with it); '' on any failure. */
export async function serviceHint(client: Client, obj: KubeObject, pending: KubeObject[] = []): Promise<string> {
  if (obj.kind !== 'Service') return '';
  const svc = obj as Service;
  if (!svc.spec?.selector || Object.keys(svc.spec.selector).length === 0) return '';
  const batch = pending.filter((o) => o.kind === 'Pod') as Pod[];
  if (noPodsHint(svc, batch) === '') return '';
  try {
    const pods = await client.list<Pod>('Pod', { namespace: svc.metadata.namespace ?? 'default', labelSelector: formatLabels(svc.spec.selector) });
    return noPodsHint(svc, pods.items);
  } catch {
    return '';
  }
}
