// `minik kubeconfig [--name LAB]`: prints a kubeconfig for a lab (context
// minik-LAB, the apiserver's CA and the token), the same entry `minik up`
// merges into $KUBECONFIG or ~/.kube/config. The lab ~/.minik/config names
// (any provider) comes from that config; another --name from the netns lab's
// own files on this machine.

import { DEFAULT_LAB, labLayout, type LabLayout } from '../../api/layout.ts';
import type { LabRecord } from '../lab/config.ts';
import type { CommandContext, CommandModule } from './types.ts';
import { stringOption } from './types.ts';

/** Tests point it at their own labs root. */
export interface KubeconfigCommandEnv {
  labsRoot?: string;
}

export class LabNotFoundError extends Error {
  readonly code = 'LAB_NOT_FOUND';
}

async function fromLabFiles(ctx: CommandContext, name: string, layout: LabLayout) {
  const { labRecordPath, tokenFilePath, caFilePath } = await import('../lab/config.ts');
  const { localServerUrl } = await import('../lab/specs.ts');
  let record: LabRecord;
  try {
    record = JSON.parse(await ctx.io.readFile(labRecordPath(layout))) as LabRecord;
  } catch {
    return undefined; // no such lab here
  }
  const read = async (path: string, what: string) => {
    try {
      return await ctx.io.readFile(path);
    } catch (err) {
      throw new LabNotFoundError(`lab ${name} has no ${what} at ${path} (is its apiserver started? minik up --name ${name}): ${(err as Error).message}`);
    }
  };
  return {
    lab: name,
    server: localServerUrl(record.apiPort),
    token: (await read(tokenFilePath(layout), 'token')).trim(),
    caPem: await read(caFilePath(layout), 'CA certificate'),
  };
}

export function makeKubeconfigCommand(env: KubeconfigCommandEnv = {}): CommandModule {
  return {
    name: 'kubeconfig',
    description: "Print a kubeconfig for a lab (context minik-LAB with the apiserver's CA and token), for kubectl",
    options: [{ flags: '--name <lab>', description: 'Lab name (default: the lab in ~/.minik/config, else minik)' }],
    examples: ['kubeconfig > /tmp/minik.kubeconfig && kubectl --kubeconfig /tmp/minik.kubeconfig get svc -A', 'kubeconfig --name mk2'],
    async run(ctx: CommandContext, input) {
      const { labKubeconfig } = await import('../lab/kubeconfig.ts');
      const named = stringOption(input.options, 'name');
      const config = await ctx.config().catch((err) => {
        if (named) return undefined; // a named netns lab does not need a readable config
        throw err;
      });
      const name = named ?? config?.lab ?? DEFAULT_LAB;
      let lab: Awaited<ReturnType<typeof fromLabFiles>>;
      if (config && config.lab === name && config.token && config.ca) {
        const { loadCa } = await import('../config.ts');
        lab = { lab: name, server: config.server, token: config.token, caPem: (await loadCa(config.ca, (p) => ctx.io.readFile(p)))! };
      } else {
        lab = await fromLabFiles(ctx, name, labLayout(name, env.labsRoot));
      }
      if (!lab) throw new LabNotFoundError(`no lab named ${name} on this machine (minik up${name === DEFAULT_LAB ? '' : ` --name ${name}`} makes it)`);
      ctx.io.out(labKubeconfig(lab));
      return 0;
    },
  };
}

export const kubeconfigCommand = makeKubeconfigCommand();
