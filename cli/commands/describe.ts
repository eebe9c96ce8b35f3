// `minik describe svc|pod|node|ingress NAME`: kubectl-like key: value blocks,
// with what the object relates to (a service's endpoints, a node's pods).

import type { Client } from '../../api/client.ts';
import { isApiError } from '../../api/errors.ts';
import type { Endpoints, Event, Ingress, KubeObject, Node, Pod, Service } from '../../api/types.ts';
import { eventNamespace, eventsFor, referenceTo } from '../../api/events.ts';
import { describeIngress, describeNode, describePod, describeService } from '../output/describe.ts';
import { resourceArg } from './get.ts';
import { NAMESPACE_OPTION, UsageError, namespaceOf, type CommandModule } from './types.ts';

/** Related objects are extras: a missing one is shown as <none>, not an error. */
async function optional<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isApiError(err, 'NotFound')) return undefined;
    throw err;
  }
}

async function endpointsByService(client: Client, ing: Ingress, namespace: string): Promise<Map<string, Endpoints>> {
  const names = new Set<string>();
  if (ing.spec.defaultBackend?.service) names.add(ing.spec.defaultBackend.service.name);
  for (const rule of ing.spec.rules ?? []) for (const p of rule.http?.paths ?? []) if (p.backend.service) names.add(p.backend.service.name);
  const map = new Map<string, Endpoints>();
  for (const name of names) {
    const ep = await optional(client.get<Endpoints>('Endpoints', namespace, name));
    if (ep) map.set(name, ep);
  }
  return map;
}

const DESCRIBABLE = new Set(['Service', 'Pod', 'Node', 'Ingress']);

export const describeCommand: CommandModule = {
  name: 'describe',
  args: '<kind> <name>',
  description: 'Show details of a service, pod, node or ingress',
  options: [NAMESPACE_OPTION],
  examples: ['describe svc web -n demo', 'describe node node1'],
  async run(ctx, { args, options }) {
    const info = resourceArg(args[0]);
    const name = args[1];
    if (!name) throw new UsageError(`you must specify the name of the ${info.kind.toLowerCase()} to describe`);
    if (!DESCRIBABLE.has(info.kind)) throw new UsageError(`describe supports svc, pod, node and ingress, not ${info.plural}`);
    const namespace = namespaceOf(options);
    const client = await ctx.client();
    const obj: KubeObject = await client.get(info.kind, namespace, name);
    const now = ctx.io.now();
    // Events are extras too: a server without them (or a failure) shows <none>.
    const events = () =>
      client
        .list<Event>('Event', { namespace: eventNamespace(referenceTo(obj)) })
        .then((l) => eventsFor(l.items ?? [], obj))
        .catch(() => [] as Event[]);
    switch (info.kind) {
      case 'Service': {
        const endpoints = await optional(client.get<Endpoints>('Endpoints', namespace, name));
        ctx.io.out(describeService(obj as Service, endpoints, await events(), now));
        break;
      }
      case 'Pod':
        ctx.io.out(describePod(obj as Pod, now, await events()));
        break;
      case 'Node': {
        const pods = await client.list<Pod>('Pod', { allNamespaces: true });
        ctx.io.out(describeNode(obj as Node, pods.items.filter((p) => p.spec?.nodeName === name), now, await events()));
        break;
      }
      case 'Ingress':
        ctx.io.out(describeIngress(obj as Ingress, await endpointsByService(client, obj as Ingress, namespace)));
        break;
    }
    return 0;
  },
};
