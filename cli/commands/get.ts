// `minik get KIND [NAME]`: kubectl's tables, or -o json|yaml|wide|name.

import { resourceByName, type ResourceInfo } from '../../api/resources.ts';
import { parseSelector } from '../../api/labels.ts';
import { parseOutputFormat, printObjects } from './print.ts';
import { ALL_NAMESPACES_OPTION, NAMESPACE_OPTION, UsageError, namespaceOf, stringOption, type CommandModule } from './types.ts';

export const KIND_NAMES = 'nodes|pods|svc|endpoints|ingress|namespaces';

/** `svc` → services; an unknown word is kubectl's usage error. */
export function resourceArg(word: string | undefined): ResourceInfo {
  if (!word) throw new UsageError(`you must specify the type of resource: ${KIND_NAMES}`);
  const info = resourceByName(word);
  if (!info) throw new UsageError(`the server doesn't have a resource type "${word}"`);
  return info;
}

/** Checks `-l` here so a typo is a clear local error; the server gets the text as typed. */
export function selectorOption(options: Record<string, unknown>): string | undefined {
  const selector = stringOption(options, 'selector');
  if (selector === undefined) return undefined;
  try {
    parseSelector(selector);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return selector;
}

export const getCommand: CommandModule = {
  name: 'get',
  args: '<kind> [name]',
  description: `List resources (${KIND_NAMES}) or show one`,
  options: [
    NAMESPACE_OPTION,
    ALL_NAMESPACES_OPTION,
    { flags: '-o, --output <format>', description: 'Output format: wide|json|yaml|name' },
    { flags: '-l, --selector <selector>', description: 'Label selector, e.g. app=web,tier!=db' },
  ],
  examples: ['get svc -n demo', 'get pods -A -o wide', 'get svc web -o yaml', 'get pods -l run=echo'],
  async run(ctx, { args, options }) {
    const info = resourceArg(args[0]);
    const name = args[1];
    const format = parseOutputFormat(stringOption(options, 'output'));
    const selector = selectorOption(options);
    const allNamespaces = options.allNamespaces === true && info.namespaced && !name;
    const namespace = namespaceOf(options);
    const client = await ctx.client();
    if (name) {
      const obj = await client.get(info.kind, namespace, name);
      await printObjects(ctx.io, info, [obj], { format, single: true, withNamespace: false });
      return 0;
    }
    const list = await client.list(info.kind, { namespace, allNamespaces, labelSelector: selector });
    const items = list.items ?? [];
    if (items.length === 0 && (format === 'table' || format === 'wide')) {
      ctx.io.err(info.namespaced && !allNamespaces ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
      return 0;
    }
    await printObjects(ctx.io, info, items, {
      format,
      single: false,
      withNamespace: allNamespaces,
      resourceVersion: list.metadata?.resourceVersion,
    });
    return 0;
  },
};
