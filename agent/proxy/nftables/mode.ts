// The nftables mode as the registry sees it: the NftablesProxier (compile →
// diff → one `nft` transaction on `ip minik`) behind the ModeProxier contract.

import { InteractiveApplier } from '../../nft/index.ts';
import { deleteNftTable, listNftTable, narrowNftListing } from '../nft-tables.ts';
import type { ProxyModeBackend } from '../types.ts';
import { TABLE } from './names.ts';
import { NftablesProxier } from './proxier.ts';

export const nftablesMode: ProxyModeBackend = {
  name: 'nftables',
  async create(ctx) {
    // A long-lived `nft -i` keeps nft's cache warm: small changes cost
    // milliseconds instead of a process start and a cache load each.
    // A stuck nft is killed at its deadline; the next sync is then a full one.
    const applier = new InteractiveApplier({ onRestart: (why) => ctx.log(`nft: ${why}; resyncing in full`) });
    const proxier = new NftablesProxier(applier);
    return {
      async sync({ model }) {
        const r = await proxier.sync(model);
        return { kind: r.mode, reason: r.reason, operations: r.operations, durationMs: r.durationMs };
      },
      async close() {
        applier.close();
      },
    };
  },
  cleanup: (exec) => deleteNftTable(exec, 'ip', TABLE),
  async rules(exec, { service }) {
    const text = await listNftTable(exec, 'ip', TABLE);
    return service ? narrowNftListing(text, service) : text;
  },
};
