// `minik get KIND[,KIND...]|all [NAME]`: kubectl's tables, or -o json|yaml|wide|name;
// `--show-labels` adds a LABELS column, `-w` keeps watching and prints a row per change.

import { byLastSeen } from '../../api/events.ts';
import { resourceByName, resourcePath, type ResourceInfo } from '../../api/resources.ts';
import { parseSelector, formatLabels } from '../../api/labels.ts';
import type { Event, KubeObject } from '../../api/types.ts';
import { tableFor, type Table } from '../../api/columns/columns.ts';
import { asList, kindName, toJson, toYaml } from '../output/serialize.ts';
import { formatTable } from '../output/table.ts';
import { parseOutputFormat, printObjects, type OutputFormat } from './print.ts';
import { ALL_NAMESPACES_OPTION, NAMESPACE_OPTION, UsageError, namespaceOf, stringOption, type CommandContext, type CommandModule } from './types.ts';

export const KIND_NAMES = 'nodes|pods|svc|endpoints|ingress|namespaces|events|all';
/** What `get all` lists, as kubectl's `all` category does for these kinds. */
export const ALL_CATEGORY = ['pods', 'services'];

/** `svc` → services; an unknown word is kubectl's usage error. */
export function resourceArg(word: string | undefined): ResourceInfo {
  if (!word) throw new UsageError(`you must specify the type of resource: ${KIND_NAMES}`);
  const info = resourceByName(word);
  if (!info) throw new UsageError(`the server doesn't have a resource type "${word}"`);
  return info;
}

/** `svc,pods` or `all` → the kinds, each once, in the order given. */
export function resourceArgs(word: string | undefined): ResourceInfo[] {
  if (!word) throw new UsageError(`you must specify the type of resource: ${KIND_NAMES}`);
  const words = word.split(',').flatMap((w) => (w === 'all' ? ALL_CATEGORY : [w]));
  const out: ResourceInfo[] = [];
  for (const w of words) {
    const info = resourceArg(w);
    if (!out.includes(info)) out.push(info);
  }
  return out;
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

export interface TableShape {
  wide: boolean;
  withNamespace: boolean;
  showLabels: boolean;
  /** `service/web` in NAME, as kubectl when several kinds are listed. */
  prefixKind: boolean;
}

/** The table of one kind, with kubectl's extras (LABELS, kind/ prefixes). Pure. */
export function tableOf(info: ResourceInfo, items: KubeObject[], shape: TableShape, now: Date): Table {
  const table = tableFor(info.kind, items, { wide: shape.wide, withNamespace: shape.withNamespace, now });
  if (shape.prefixKind) {
    const at = table.headers.indexOf('NAME');
    if (at >= 0) for (const row of table.rows) row[at] = `${kindName(info)}/${row[at]}`;
  }
  if (shape.showLabels) {
    table.headers.push('LABELS');
    items.forEach((obj, i) => table.rows[i].push(formatLabels(obj.metadata.labels)));
  }
  return table;
}

/** One row under an already printed header, aligned with it (kubectl -w). */
export function alignedRow(widths: number[], row: string[]): string {
  return (
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(Math.max(widths[i] ?? 0, cell.length) + 3)))
      .join('')
      .trimEnd() + '\n'
  );
}

const columnWidths = (t: Table) => t.headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));

const sortedForShow = (info: ResourceInfo, items: KubeObject[]) => (info.kind === 'Event' ? [...(items as Event[])].sort(byLastSeen) : items);

async function watchKind(ctx: CommandContext, info: ResourceInfo, query: { namespace: string; allNamespaces: boolean; selector?: string; resourceVersion?: string }, print: (obj: KubeObject, type: string) => void): Promise<void> {
  const { watchRest } = await import('../../api/rest-watch.ts');
  const config = await ctx.config();
  // The same trust as every other request: the lab's CA (api/tls-fetch.ts), unless a test injected fetch.
  const { loadCa } = await import('../config.ts');
  const { fetchFor } = await import('../../api/tls-fetch.ts');
  const fetch = ctx.io.fetch ?? fetchFor(await loadCa(config.ca, (p) => ctx.io.readFile(p)));
  const abort = new AbortController();
  const stopped = ctx.io.untilSignal().then(() => abort.abort());
  const path = resourcePath(info, info.namespaced && !query.allNamespaces ? query.namespace : undefined);
  try {
    await watchRest({
      server: config.server,
      token: config.token,
      fetch,
      path,
      query: { labelSelector: query.selector, resourceVersion: query.resourceVersion },
      signal: abort.signal,
      onEvent: (e) => print(e.object, e.type),
    });
  } finally {
    abort.abort();
    void stopped;
  }
}

export const getCommand: CommandModule = {
  name: 'get',
  args: '<kind> [name]',
  description: `List resources (${KIND_NAMES}, or several: svc,pods) or show one`,
  options: [
    NAMESPACE_OPTION,
    ALL_NAMESPACES_OPTION,
    { flags: '-o, --output <format>', description: 'Output format: wide|json|yaml|name' },
    { flags: '-l, --selector <selector>', description: 'Label selector, e.g. app=web,tier!=db' },
    { flags: '--show-labels', description: 'Add a LABELS column' },
    { flags: '-w, --watch', description: 'After listing, print a row for every change (Ctrl-C ends)' },
  ],
  examples: ['get svc -n demo', 'get pods -A -o wide', 'get svc web -o yaml', 'get pods -l run=echo --show-labels', 'get svc,pods', 'get all -n demo', 'get events -A', 'get svc -w'],
  async run(ctx, { args, options }) {
    const infos = resourceArgs(args[0]);
    const name = args[1];
    const format = parseOutputFormat(stringOption(options, 'output'));
    const selector = selectorOption(options);
    const watching = options.watch === true;
    const showLabels = options.showLabels === true;
    const namespace = namespaceOf(options);
    const several = infos.length > 1 || args[0] === 'all';
    if (name && several) throw new UsageError('arguments in resource/name form must have a single resource and name');
    if (watching && infos.length > 1) throw new UsageError('you may only specify a single resource type with --watch');
    const info = infos[0];
    const allNamespaces = options.allNamespaces === true && infos.some((i) => i.namespaced) && !name;
    const client = await ctx.client();
    if (name) {
      const obj = await client.get(info.kind, namespace, name);
      if (format === 'table' || format === 'wide') {
        const t = tableOf(info, [obj], { wide: format === 'wide', withNamespace: false, showLabels, prefixKind: false }, ctx.io.now());
        ctx.io.out(formatTable(t.headers, t.rows));
      } else await printObjects(ctx.io, info, [obj], { format, single: true, withNamespace: false });
      if (watching) await watchThen(ctx, info, format, { namespace, allNamespaces, selector, resourceVersion: obj.metadata.resourceVersion, showLabels, name }, t0(ctx, info, [obj], format, showLabels, allNamespaces));
      return 0;
    }
    const lists = [];
    for (const i of infos) {
      const list = await client.list(i.kind, { namespace, allNamespaces: allNamespaces && i.namespaced, labelSelector: selector });
      lists.push({ info: i, items: sortedForShow(i, list.items ?? []), resourceVersion: list.metadata?.resourceVersion });
    }
    const total = lists.reduce((n, l) => n + l.items.length, 0);
    if (format === 'json' || format === 'yaml') {
      const value = several ? { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: lists.flatMap((l) => l.items) } : asList(info, lists[0].items, lists[0].resourceVersion);
      ctx.io.out(format === 'json' ? toJson(value) : await toYaml(value));
    } else if (format === 'name') {
      for (const l of lists) for (const obj of l.items) ctx.io.out(`${kindName(l.info)}/${obj.metadata.name}\n`);
    } else if (total === 0 && !watching) {
      ctx.io.err(infos.some((i) => i.namespaced) && !allNamespaces ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
    } else {
      const blocks = lists
        .filter((l) => l.items.length > 0 || watching)
        .map((l) => {
          const t = tableOf(l.info, l.items, { wide: format === 'wide', withNamespace: allNamespaces && l.info.namespaced, showLabels, prefixKind: several }, ctx.io.now());
          return l.items.length ? formatTable(t.headers, t.rows) : '';
        });
      ctx.io.out(blocks.filter(Boolean).join('\n'));
    }
    if (watching) {
      await watchThen(ctx, info, format, { namespace, allNamespaces, selector, resourceVersion: lists[0].resourceVersion, showLabels }, t0(ctx, info, lists[0].items, format, showLabels, allNamespaces));
    }
    return 0;
  },
};

/** The widths of what was printed before the watch, so later rows line up; undefined when nothing was. */
function t0(ctx: CommandContext, info: ResourceInfo, items: KubeObject[], format: OutputFormat, showLabels: boolean, allNamespaces: boolean): number[] | undefined {
  if (items.length === 0 || (format !== 'table' && format !== 'wide')) return undefined;
  return columnWidths(tableOf(info, items, { wide: format === 'wide', withNamespace: allNamespaces && info.namespaced, showLabels, prefixKind: false }, ctx.io.now()));
}

async function watchThen(
  ctx: CommandContext,
  info: ResourceInfo,
  format: OutputFormat,
  q: { namespace: string; allNamespaces: boolean; selector?: string; resourceVersion?: string; showLabels: boolean; name?: string },
  initialWidths: number[] | undefined,
): Promise<void> {
  let widths = initialWidths;
  await watchKind(ctx, info, q, (obj) => {
    if (q.name && obj.metadata.name !== q.name) return;
    if (format === 'json') return ctx.io.out(toJson(obj));
    if (format === 'name') return ctx.io.out(`${kindName(info)}/${obj.metadata.name}\n`);
    if (format === 'yaml') return void toYaml(obj).then((y) => ctx.io.out(`---\n${y}`));
    const t = tableOf(info, [obj], { wide: format === 'wide', withNamespace: q.allNamespaces && info.namespaced, showLabels: q.showLabels, prefixKind: false }, ctx.io.now());
    if (!widths) {
      widths = columnWidths(t);
      ctx.io.out(formatTable(t.headers, t.rows));
    } else ctx.io.out(alignedRow(widths, t.rows[0]));
  });
}

export { printObjects };
