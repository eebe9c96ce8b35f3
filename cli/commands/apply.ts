// `minik apply -f FILE|-`: create or replace each object, keeping what the
// server allocated; prints `service/web created|configured|unchanged`.
// Every document is parsed and checked before the first request; a server
// error on one object is printed and the rest still apply (as kubectl).

import { kindName } from '../output/serialize.ts';
import { formatError } from './errors.ts';
import { readManifests } from './manifests.ts';
import { listOption, NAMESPACE_OPTION, stringOption, type CommandModule } from './types.ts';

export const FILENAME_OPTION = { flags: '-f, --filename <file>', description: 'Manifest file, or - for stdin (repeatable)', repeatable: true };

export const applyCommand: CommandModule = {
  name: 'apply',
  description: 'Create or update objects from YAML/JSON manifests',
  options: [FILENAME_OPTION, NAMESPACE_OPTION],
  examples: ['apply -f service.yaml', 'cat all.yaml | minik apply -f -'],
  async run(ctx, { options }) {
    const manifests = await readManifests(ctx.io, listOption(options, 'filename'), stringOption(options, 'namespace'));
    const client = await ctx.client();
    let failed = 0;
    for (const { object, info } of manifests) {
      try {
        const { action } = await client.apply(object);
        ctx.io.out(`${kindName(info)}/${object.metadata.name} ${action}\n`);
      } catch (err) {
        failed++;
        // The server's message unchanged (kubectl would prefix `error when creating "FILE": `).
        ctx.io.err(`${formatError(err)}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
