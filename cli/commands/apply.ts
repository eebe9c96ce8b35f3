// `minik apply -f FILE|DIR|-`: create or replace each object, keeping what the
// server allocated; prints `service/web created|configured|unchanged`.
// Every document is parsed and checked before the first request. Namespaces
// go first (a directory lists its files by name, and `namespace.yaml` rarely
// sorts first), then everything else in file order. A server error on one
// object is printed and the rest still apply (as kubectl).

import { isApiError } from '../../api/errors.ts';
import { kindName } from '../output/serialize.ts';
import { formatError } from './errors.ts';
import { serviceHint } from './hints.ts';
import { readManifests, type Manifest } from './manifests.ts';
import { listOption, NAMESPACE_OPTION, stringOption, type CommandModule } from './types.ts';

export const FILENAME_OPTION = { flags: '-f, --filename <file>', description: 'Manifest file or directory, or - for stdin (repeatable)', repeatable: true };

/** Namespaces first, everything else after in the order read. Stable. */
export function applyOrder(manifests: Manifest[]): Manifest[] {
  return [...manifests.filter((m) => m.info.kind === 'Namespace'), ...manifests.filter((m) => m.info.kind !== 'Namespace')];
}

/** The server's words, and for a missing namespace which file asked for it and what to do. */
function applyError(err: unknown, m: Manifest): string {
  const ns = m.object.metadata.namespace;
  if (ns && isApiError(err, 'NotFound') && (err as Error).message === `namespaces "${ns}" not found`) {
    return `Error from server (NotFound): error when creating "${m.source}": namespaces "${ns}" not found (apply the Namespace first, e.g. a manifest with kind: Namespace and name: ${ns} in the same minik apply -f)`;
  }
  return formatError(err);
}

export const applyCommand: CommandModule = {
  name: 'apply',
  description: 'Create or update objects from YAML/JSON manifests (a file, a directory, or - for stdin)',
  options: [FILENAME_OPTION, NAMESPACE_OPTION],
  examples: ['apply -f service.yaml', 'apply -f examples/', 'cat all.yaml | minik apply -f -'],
  async run(ctx, { options }) {
    const manifests = applyOrder(await readManifests(ctx.io, listOption(options, 'filename'), stringOption(options, 'namespace')));
    const client = await ctx.client();
    const objects = manifests.map((m) => m.object);
    let failed = 0;
    for (const m of manifests) {
      const { object, info } = m;
      try {
        const { action } = await client.apply(object);
        const hint = action === 'created' ? await serviceHint(client, object, objects) : '';
        ctx.io.out(`${kindName(info)}/${object.metadata.name} ${action}${hint}\n`);
      } catch (err) {
        failed++;
        // The server's message unchanged (kubectl would prefix `error when creating "FILE": `).
        ctx.io.err(`${applyError(err, m)}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
