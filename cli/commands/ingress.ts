// `minik ingress create NAME --rule HOST/PATH[*]=SVC:PORT ...` with kubectl's
// rule syntax: a path ending in `*` is Prefix (the `*` dropped), any other
// path Exact; rules for the same host share one rule entry.

import type { Ingress, IngressBackend, IngressRule } from '../../api/types.ts';
import { listOption, NAMESPACE_OPTION, namespaceOf, stringOption, UsageError, type CommandModule } from './types.ts';

/** `SVC:PORT`, PORT a number or a port name. */
export function parseBackend(text: string, what: string): IngressBackend {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?):([0-9]+|[a-z0-9][-a-z0-9]*)$/.exec(text);
  if (!m) throw new UsageError(`invalid ${what} "${text}": expected SERVICE:PORT`);
  const port = /^\d+$/.test(m[3]) ? { number: Number(m[3]) } : { name: m[3] };
  if (port.number !== undefined && (port.number < 1 || port.number > 65535)) {
    throw new UsageError(`invalid ${what} "${text}": port must be between 1 and 65535`);
  }
  return { service: { name: m[1], port } };
}

/** `foo.com/path*=svc:80` → host, path, pathType, backend. */
export function parseRule(text: string): { host: string; path: string; pathType: 'Exact' | 'Prefix'; backend: IngressBackend } {
  const eq = text.lastIndexOf('=');
  if (eq < 0) throw new UsageError(`invalid --rule "${text}": expected HOST/PATH=SERVICE:PORT`);
  const target = text.slice(0, eq);
  const slash = target.indexOf('/');
  if (slash < 0) throw new UsageError(`invalid --rule "${text}": the path must start with /`);
  const host = target.slice(0, slash);
  if (host && !/^(\*\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(host)) throw new UsageError(`invalid --rule "${text}": bad host "${host}"`);
  let path = target.slice(slash);
  let pathType: 'Exact' | 'Prefix' = 'Exact';
  if (path.endsWith('*')) {
    pathType = 'Prefix';
    path = path.slice(0, -1) || '/';
  }
  return { host, path, pathType, backend: parseBackend(text.slice(eq + 1), '--rule backend') };
}

export function buildIngress(name: string, namespace: string, rules: string[], defaultBackend?: string, className?: string): Ingress {
  if (rules.length === 0 && !defaultBackend) throw new UsageError('at least one --rule or --default-backend is required');
  const byHost = new Map<string, IngressRule>();
  for (const text of rules) {
    const r = parseRule(text);
    let rule = byHost.get(r.host);
    if (!rule) {
      rule = { ...(r.host ? { host: r.host } : {}), http: { paths: [] } };
      byHost.set(r.host, rule);
    }
    rule.http!.paths.push({ path: r.path, pathType: r.pathType, backend: r.backend });
  }
  const spec: Ingress['spec'] = {};
  if (className) spec.ingressClassName = className;
  if (defaultBackend) spec.defaultBackend = parseBackend(defaultBackend, '--default-backend');
  if (byHost.size) spec.rules = [...byHost.values()];
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace }, spec };
}

export const ingressCreateCommand: CommandModule = {
  name: 'ingress create',
  args: '<name>',
  description: 'Create an ingress from HOST/PATH=SVC:PORT rules',
  options: [
    { flags: '--rule <rule>', description: 'HOST/PATH[*]=SVC:PORT; a trailing * makes a Prefix path (repeatable)', repeatable: true },
    { flags: '--default-backend <backend>', description: 'SVC:PORT for requests no rule matches' },
    { flags: '--class <class>', description: 'ingressClassName' },
    NAMESPACE_OPTION,
  ],
  examples: ['ingress create demo --rule "sub.example.com/*=web:80" --rule "example.com/path/*=api:8080"', 'ingress create site --default-backend web:80'],
  async run(ctx, { args, options }) {
    const ing = buildIngress(
      args[0],
      namespaceOf(options),
      listOption(options, 'rule'),
      stringOption(options, 'defaultBackend'),
      stringOption(options, 'class'),
    );
    const created = await (await ctx.client()).create(ing);
    ctx.io.out(`ingress.networking.k8s.io/${created.metadata.name} created\n`);
    return 0;
  },
};
