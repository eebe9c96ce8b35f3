// The userspace mode as the registry sees it: nftables redirects each
// service address to a portal in the agent, which proxies to endpoints.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deleteNftTable, listNftTable, narrowNftListing, serviceRef } from '../nft-tables.ts';
import type { ProxyModeBackend } from '../types.ts';
import { TABLE } from './plan.ts';
import { formatListeners, LISTENERS_FILE, UserspaceProxier, type ListenerRow } from './proxier.ts';

export const userspaceMode: ProxyModeBackend = {
  name: 'userspace',
  async create(ctx) {
    const proxier = new UserspaceProxier({ exec: ctx.exec, stateDir: ctx.stateDir, log: ctx.log });
    return {
      sync: (input) => proxier.sync(input),
      close: () => proxier.close(),
    };
  },
  cleanup: (exec) => deleteNftTable(exec, 'ip', TABLE),
  async rules(exec, { service, stateDir }) {
    let rows: ListenerRow[] = [];
    try {
      rows = JSON.parse(readFileSync(join(stateDir, LISTENERS_FILE), 'utf8')) as ListenerRow[];
    } catch {
      // no agent has written its table yet
    }
    if (service) rows = rows.filter((r) => r.label.startsWith(`${serviceRef(service)}:`));
    const table = await listNftTable(exec, 'ip', TABLE);
    return `# userspace proxy listeners (${join(stateDir, LISTENERS_FILE)})\n${formatListeners(rows)}\n# redirects\n${service ? narrowNftListing(table, service) : table}`;
  },
};
