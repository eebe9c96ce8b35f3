// `minik svc create NAME --type ...` (every flag checked before anything is
// sent) and `minik svc url NAME` (the URLs that reach a service from the host).

import { parseLabelList } from '../../api/labels.ts';
import type { Node, Protocol, Service, ServicePort, ServiceSpec } from '../../api/types.ts';
import { nodeInternalIp } from '../../api/columns/columns.ts';
import { serviceHint } from './hints.ts';
import { parseOutputFormat, printObjects } from './print.ts';
import { resourceArg } from './get.ts';
import { listOption, NAMESPACE_OPTION, namespaceOf, stringOption, UsageError, type CommandModule } from './types.ts';

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName', 'Headless'] as const;
export type CreateType = (typeof SERVICE_TYPES)[number];

export interface SvcCreateFlags {
  type?: string;
  tcp?: string[];
  udp?: string[];
  selector?: string;
  nodePort?: string;
  externalName?: string;
  sessionAffinity?: string;
  externalTrafficPolicy?: string;
}

function parseType(value: string | undefined): CreateType {
  if (value === undefined) return 'ClusterIP';
  const found = SERVICE_TYPES.find((t) => t.toLowerCase() === value.toLowerCase());
  if (!found) throw new UsageError(`invalid --type "${value}": must be one of ${SERVICE_TYPES.join(', ')}`);
  return found;
}

function parsePortNumber(text: string, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new UsageError(`invalid ${what} "${text}": must be a number between 1 and 65535`);
  }
  return Number(text);
}

/** `80` or `80:8080` or `80:http` (a named container port). */
function parsePortFlag(text: string, protocol: Protocol, flag: string): ServicePort {
  const [portText, target, extra] = text.split(':');
  if (extra !== undefined || !portText) throw new UsageError(`invalid --${flag} "${text}": expected PORT or PORT:TARGET`);
  const port = parsePortNumber(portText, `--${flag} port`);
  let targetPort: number | string = port;
  if (target !== undefined) {
    if (/^\d+$/.test(target)) targetPort = parsePortNumber(target, `--${flag} target port`);
    else if (/^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(target) && /[a-z]/.test(target)) targetPort = target;
    else throw new UsageError(`invalid --${flag} target "${target}": must be a port number or a port name`);
  }
  return { name: `${protocol.toLowerCase()}-${port}`, protocol, port, targetPort };
}

/** Builds the Service `svc create` sends; throws UsageError for any bad flag. Pure, so it is tested directly. */
export function buildService(name: string, namespace: string, flags: SvcCreateFlags): Service {
  const type = parseType(flags.type);
  const ports = [
    ...(flags.tcp ?? []).map((t) => parsePortFlag(t, 'TCP', 'tcp')),
    ...(flags.udp ?? []).map((t) => parsePortFlag(t, 'UDP', 'udp')),
  ];
  const seen = new Set<string>();
  for (const p of ports) {
    if (seen.has(p.name!)) throw new UsageError(`port ${p.port}/${p.protocol} is given twice`);
    seen.add(p.name!);
  }
  const spec: ServiceSpec = { type: type === 'Headless' ? 'ClusterIP' : type };
  if (type === 'Headless') spec.clusterIP = 'None';
  if (type === 'ExternalName') {
    if (!flags.externalName) throw new UsageError('--type ExternalName needs --external-name HOST');
    spec.externalName = flags.externalName;
  } else if (flags.externalName) {
    throw new UsageError('--external-name is only for --type ExternalName');
  }
  if (type !== 'ExternalName' && type !== 'Headless' && ports.length === 0) {
    throw new UsageError(`--type ${type} needs at least one --tcp or --udp port`);
  }
  if (ports.length) spec.ports = ports;
  if (type !== 'ExternalName') {
    // As `kubectl create service`: without --selector, pods labelled app=NAME.
    try {
      spec.selector = flags.selector ? parseLabelList(flags.selector) : { app: name };
    } catch (err) {
      throw new UsageError(`invalid --selector: ${(err as Error).message}`);
    }
  } else if (flags.selector) {
    throw new UsageError('--selector does not apply to --type ExternalName');
  }
  const exposed = type === 'NodePort' || type === 'LoadBalancer';
  if (flags.nodePort !== undefined) {
    if (!exposed) throw new UsageError('--node-port is only for --type NodePort or LoadBalancer');
    if (ports.length !== 1) throw new UsageError('--node-port needs exactly one --tcp or --udp port');
    ports[0].nodePort = parsePortNumber(flags.nodePort, '--node-port');
  }
  if (flags.sessionAffinity !== undefined) {
    if (flags.sessionAffinity !== 'ClientIP' && flags.sessionAffinity !== 'None') {
      throw new UsageError(`invalid --session-affinity "${flags.sessionAffinity}": must be ClientIP or None`);
    }
    spec.sessionAffinity = flags.sessionAffinity;
  }
  if (flags.externalTrafficPolicy !== undefined) {
    if (flags.externalTrafficPolicy !== 'Local' && flags.externalTrafficPolicy !== 'Cluster') {
      throw new UsageError(`invalid --external-traffic-policy "${flags.externalTrafficPolicy}": must be Local or Cluster`);
    }
    if (!exposed) throw new UsageError('--external-traffic-policy is only for --type NodePort or LoadBalancer');
    spec.externalTrafficPolicy = flags.externalTrafficPolicy;
  }
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec };
}

export const svcCreateCommand: CommandModule = {
  name: 'svc create',
  args: '<name>',
  description: 'Create a service (selects pods labelled app=NAME unless --selector)',
  options: [
    { flags: '--type <type>', description: `Service type: ${SERVICE_TYPES.join('|')}`, default: 'ClusterIP' },
    { flags: '--tcp <port>', description: 'PORT[:TARGET] over TCP (repeatable)', repeatable: true },
    { flags: '--udp <port>', description: 'PORT[:TARGET] over UDP (repeatable)', repeatable: true },
    { flags: '--selector <labels>', description: 'Pods to select, k=v[,k=v] (default app=NAME)' },
    { flags: '--node-port <port>', description: 'Requested nodePort (NodePort/LoadBalancer, one port)' },
    { flags: '--external-name <host>', description: 'DNS name an ExternalName service aliases' },
    { flags: '--session-affinity <affinity>', description: 'ClientIP or None' },
    { flags: '--external-traffic-policy <policy>', description: 'Local or Cluster' },
    { flags: '-o, --output <format>', description: 'Print the created object: json|yaml|name' },
    NAMESPACE_OPTION,
  ],
  examples: [
    'svc create web --type NodePort --tcp 80:8080 --selector run=web',
    'svc create dns --type ClusterIP --udp 53 --tcp 53',
    'svc create docs --type ExternalName --external-name docs.example.com',
  ],
  async run(ctx, { args, options }) {
    const svc = buildService(args[0], namespaceOf(options), {
      type: stringOption(options, 'type'),
      tcp: listOption(options, 'tcp'),
      udp: listOption(options, 'udp'),
      selector: stringOption(options, 'selector'),
      nodePort: stringOption(options, 'nodePort'),
      externalName: stringOption(options, 'externalName'),
      sessionAffinity: stringOption(options, 'sessionAffinity'),
      externalTrafficPolicy: stringOption(options, 'externalTrafficPolicy'),
    });
    const format = parseOutputFormat(stringOption(options, 'output'));
    const client = await ctx.client();
    const created = await client.create(svc);
    if (format === 'json' || format === 'yaml') await printObjects(ctx.io, resourceArg('svc'), [created], { format, single: true, withNamespace: false });
    else if (format === 'name') ctx.io.out(`service/${created.metadata.name}\n`);
    else ctx.io.out(`service/${created.metadata.name} created${await serviceHint(client, created)}\n`);
    return 0;
  },
};

/** The URLs that reach `svc` from the host: LB IPs on the service port, every node's InternalIP on each nodePort. */
export function serviceUrls(svc: Service, nodes: Node[]): string[] {
  const scheme = (p: ServicePort) => ((p.protocol ?? 'TCP') === 'UDP' ? 'udp' : 'http');
  const urls: string[] = [];
  for (const ingress of svc.status?.loadBalancer?.ingress ?? []) {
    const host = ingress.ip || ingress.hostname;
    if (host) for (const p of svc.spec.ports ?? []) urls.push(`${scheme(p)}://${host}:${p.port}`);
  }
  for (const node of nodes) {
    const ip = nodeInternalIp(node);
    if (ip) for (const p of svc.spec.ports ?? []) if (p.nodePort) urls.push(`${scheme(p)}://${ip}:${p.nodePort}`);
  }
  return urls;
}

export const svcUrlCommand: CommandModule = {
  name: 'svc url',
  args: '<name>',
  description: 'Print the URLs that reach a service from the host',
  options: [NAMESPACE_OPTION],
  examples: ['svc url web', 'curl $(minik svc url web | head -1)'],
  async run(ctx, { args, options }) {
    const client = await ctx.client();
    const svc = await client.get<Service>('Service', namespaceOf(options), args[0]);
    const type = svc.spec.type ?? 'ClusterIP';
    if (type === 'ExternalName') {
      throw new UsageError(`service "${args[0]}" is an ExternalName alias for ${svc.spec.externalName}: there is nothing to reach from the host`);
    }
    if (type === 'ClusterIP') {
      const where = svc.spec.clusterIP && svc.spec.clusterIP !== 'None' ? ` (${svc.spec.clusterIP})` : '';
      throw new UsageError(
        `service "${args[0]}" is of type ClusterIP${where}: it is reachable only inside the cluster (use --type NodePort or LoadBalancer to reach it from the host)`,
      );
    }
    const nodes = (await client.list<Node>('Node')).items;
    const urls = serviceUrls(svc, nodes);
    if (urls.length === 0) throw new UsageError(`service "${args[0]}" has no address reachable from the host yet (no nodes, or its load-balancer IP is pending)`);
    ctx.io.out(urls.join('\n') + '\n');
    return 0;
  },
};
