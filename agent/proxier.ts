// The agent's proxy data plane behind one small interface, whatever the mode:
// given the watched Services, Endpoints and Nodes, make this node forward
// service traffic. Today: the nftables mode; ipvs and userspace are refused
// at start with a clear message until they exist.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Endpoints, Node, Service } from '../api/types.ts';
import { InteractiveApplier } from './nft/index.ts';
import type { ProxyMode } from './options.ts';
import { createProxyModelBuilder } from './proxy/model.ts';
import { NftablesProxier, type StaleUdpEndpoint } from './proxy/nftables/proxier.ts';

const run = promisify(execFile);

export interface ProxyState {
  services: Service[];
  endpoints: Endpoints[];
  nodes: Node[];
}

export interface Proxier {
  sync(state: ProxyState): Promise<void>;
  close(): Promise<void>;
}

export interface ProxierOptions {
  nodeName: string;
  nodeIp: string;
  serviceCidr: string;
  clusterCidr: string;
  podCIDR: string;
  log(line: string): void;
}

export class ProxyModeError extends Error {
  readonly code = 'PROXY_MODE_UNAVAILABLE';
}

/** UDP has no FIN: entries to a gone endpoint would keep steering packets to it until they time out. */
async function flushUdpConntrack(stale: StaleUdpEndpoint[], log: (line: string) => void): Promise<void> {
  for (const s of stale) {
    const args = ['-D', '-p', 'udp', '--orig-dst', s.serviceIp, '--orig-port-dst', String(s.servicePort), '--reply-src', s.endpointIp];
    // conntrack exits 1 when nothing matched: that is the common case, not an error.
    await run('conntrack', args).catch((err: { code?: number; stderr?: string }) => {
      if (err.code !== 1) log(`conntrack ${args.join(' ')}: ${err.stderr ?? err}`);
    });
  }
}

export async function createProxier(mode: ProxyMode, options: ProxierOptions): Promise<Proxier> {
  if (mode !== 'nftables') {
    throw new ProxyModeError(`proxy mode "${mode}" is not available in this version of minik yet; use --proxy-mode nftables`);
  }
  // A long-lived `nft -i` keeps nft's cache warm: small changes cost
  // milliseconds instead of a process start and a cache load each.
  const applier = new InteractiveApplier({ onRestart: (why) => options.log(`nft: ${why}; resyncing in full`) });
  const proxier = new NftablesProxier(applier);
  // Reuses the model of every Service whose objects did not change.
  const buildModel = createProxyModelBuilder();
  return {
    async sync(state) {
      const model = buildModel({
        services: state.services,
        endpoints: state.endpoints,
        nodes: state.nodes,
        node: options.nodeName,
        clusterCidr: options.clusterCidr,
        serviceCidr: options.serviceCidr,
      });
      const result = await proxier.sync(model);
      if (result.mode === 'full') options.log(`nftables: full sync (${result.reason}), ${result.operations} operations in ${result.durationMs.toFixed(0)} ms`);
      if (result.staleUdpEndpoints.length) await flushUdpConntrack(result.staleUdpEndpoints, options.log);
    },
    async close() {
      applier.close();
    },
  };
}
