// The iptables mode as the registry sees it. Backend: iptables-legacy (the
// kernel's x_tables, built in here), driven by iptables-legacy-restore /
// -save from Debian's iptables package. minik owns only its KUBE-* chains
// in the nat and filter tables, plus its hook rules in the built-in chains.

import type { Exec } from '../../../api/exec/exec.ts';
import type { ProxyModeBackend } from '../types.ts';
import { IptablesProxier, RESTORE, SAVE } from './proxier.ts';
import { cleanupBatch, narrowSave, parseSave } from './save.ts';

async function save(exec: Exec): Promise<string | undefined> {
  const nat = await exec.run([SAVE, '-t', 'nat'], { allowFailure: true });
  if (nat.code === 127) return undefined; // no iptables here: nothing of ours can exist
  if (nat.code !== 0) throw new Error(`${SAVE} -t nat: ${nat.stderr.trim()}`);
  const filter = await exec.run([SAVE, '-t', 'filter']);
  return nat.stdout + filter.stdout;
}

export const iptablesMode: ProxyModeBackend = {
  name: 'iptables',
  async create(ctx) {
    const proxier = new IptablesProxier(ctx.exec, { clusterCidr: ctx.clusterCidr });
    return {
      sync: (input) => proxier.sync(input),
      async close() {},
    };
  },
  async cleanup(exec) {
    const text = await save(exec);
    if (text === undefined) return;
    const batch = cleanupBatch(parseSave(text));
    if (batch) await exec.run(RESTORE, { input: batch });
  },
  async rules(exec, { service }) {
    const text = await save(exec);
    if (text === undefined) return `# ${SAVE} is not installed on this node\n`;
    return narrowSave(text, service);
  },
};
