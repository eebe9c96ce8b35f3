// `minik delete KIND NAME...` and `minik delete -f FILE`: prints
// `service "web" deleted`; a missing object is an error unless
// --ignore-not-found.

import type { Client } from '../../api/client.ts';
import { isApiError } from '../../api/errors.ts';
import type { ResourceInfo } from '../../api/resources.ts';
import { kindName } from '../output/serialize.ts';
import { FILENAME_OPTION } from './apply.ts';
import { formatError } from './errors.ts';
import { resourceArg } from './get.ts';
import { readManifests } from './manifests.ts';
import { listOption, NAMESPACE_OPTION, namespaceOf, stringOption, UsageError, type CommandModule, type Io } from './types.ts';

interface Target {
  info: ResourceInfo;
  namespace: string | undefined;
  name: string;
}

async function deleteAll(io: Io, client: Client, targets: Target[], ignoreNotFound: boolean): Promise<number> {
  let failed = 0;
  for (const t of targets) {
    try {
      await client.delete(t.info.kind, t.namespace, t.name);
      io.out(`${kindName(t.info)} "${t.name}" deleted\n`);
    } catch (err) {
      if (ignoreNotFound && isApiError(err, 'NotFound')) continue;
      failed++;
      io.err(`${formatError(err)}\n`);
    }
  }
  return failed ? 1 : 0;
}

export const deleteCommand: CommandModule = {
  name: 'delete',
  args: '[kind] [...names]',
  description: 'Delete resources by kind and name, or those in manifests (-f)',
  options: [FILENAME_OPTION, NAMESPACE_OPTION, { flags: '--ignore-not-found', description: 'Treat a missing object as deleted' }],
  examples: ['delete svc web', 'delete pod echo-0 echo-1 -n demo', 'delete ns demo', 'delete -f service.yaml'],
  async run(ctx, { args, options }) {
    const files = listOption(options, 'filename');
    let targets: Target[];
    if (files.length) {
      if (args.length) throw new UsageError('when -f is given, no kind or names may be given');
      const manifests = await readManifests(ctx.io, files, stringOption(options, 'namespace'));
      targets = manifests.map((m) => ({ info: m.info, namespace: m.object.metadata.namespace, name: m.object.metadata.name }));
    } else {
      const info = resourceArg(args[0]);
      const names = args.slice(1);
      if (names.length === 0) throw new UsageError(`resource(s) were provided, but no name was specified`);
      targets = names.map((name) => ({ info, namespace: namespaceOf(options), name }));
    }
    return deleteAll(ctx.io, await ctx.client(), targets, options.ignoreNotFound === true);
  },
};
