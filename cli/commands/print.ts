// How `get` and the create commands print objects: a kubectl table, json,
// yaml or `kind/name`. Shared so every command honours `-o` the same way.

import type { ResourceInfo } from '../../api/resources.ts';
import type { KubeObject } from '../../api/types.ts';
import { tableFor } from '../../api/columns/columns.ts';
import { asList, kindName, toJson, toYaml } from '../output/serialize.ts';
import { formatTable } from '../output/table.ts';
import { UsageError, type Io } from './types.ts';

export const OUTPUT_FORMATS = ['wide', 'json', 'yaml', 'name'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number] | 'table';

export function parseOutputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === '') return 'table';
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UsageError(
    `unable to match a printer suitable for the output format "${value}", allowed formats are: ${[...OUTPUT_FORMATS].sort().join(',')}`,
  );
}

export interface PrintOptions {
  format: OutputFormat;
  /** One named object: json/yaml print the object itself, not a list. */
  single: boolean;
  withNamespace: boolean;
  resourceVersion?: string;
}

export async function printObjects(io: Io, info: ResourceInfo, objects: KubeObject[], o: PrintOptions): Promise<void> {
  switch (o.format) {
    case 'json':
      io.out(toJson(o.single ? objects[0] : asList(info, objects, o.resourceVersion)));
      return;
    case 'yaml':
      io.out(await toYaml(o.single ? objects[0] : asList(info, objects, o.resourceVersion)));
      return;
    case 'name':
      for (const obj of objects) io.out(`${kindName(info)}/${obj.metadata.name}\n`);
      return;
    default: {
      const table = tableFor(info.kind, objects, { wide: o.format === 'wide', withNamespace: o.withNamespace, now: io.now() });
      io.out(formatTable(table.headers, table.rows));
    }
  }
}
