// Every chain name and constant of the iptables mode, in one place. The
// shape and names are kube-proxy's (pkg/proxy/iptables), so what people read
// about kube-proxy is what `minik rules` shows.

import { createHash } from 'node:crypto';
import type { ServicePortModel } from '../model.ts';

export const CHAIN = {
  /** nat and filter: the entry chain of service traffic */
  services: 'KUBE-SERVICES',
  /** nat: NodePorts, from KUBE-SERVICES for local destination addresses */
  nodePorts: 'KUBE-NODEPORTS',
  /** nat: masquerades packets carrying the mark */
  postrouting: 'KUBE-POSTROUTING',
  markMasq: 'KUBE-MARK-MASQ',
  /** filter: NodePort / LoadBalancer addresses without (local) endpoints */
  externalServices: 'KUBE-EXTERNAL-SERVICES',
} as const;

/** kube-proxy's masquerade bit. */
export const MASQ_MARK = '0x4000/0x4000';

/** Where minik's entry chains hook into the built-in chains, per table. */
export const JUMPS: Record<'nat' | 'filter', { chain: string; rule: string }[]> = {
  nat: [
    { chain: 'PREROUTING', rule: `-m comment --comment "minik service portals" -j ${CHAIN.services}` },
    { chain: 'OUTPUT', rule: `-m comment --comment "minik service portals" -j ${CHAIN.services}` },
    { chain: 'POSTROUTING', rule: `-m comment --comment "minik postrouting rules" -j ${CHAIN.postrouting}` },
  ],
  filter: [
    { chain: 'INPUT', rule: `-m conntrack --ctstate NEW -m comment --comment "minik externally-visible service portals" -j ${CHAIN.externalServices}` },
    { chain: 'FORWARD', rule: `-m conntrack --ctstate NEW -m comment --comment "minik externally-visible service portals" -j ${CHAIN.externalServices}` },
    { chain: 'FORWARD', rule: `-m conntrack --ctstate NEW -m comment --comment "minik service portals" -j ${CHAIN.services}` },
    { chain: 'OUTPUT', rule: `-m conntrack --ctstate NEW -m comment --comment "minik service portals" -j ${CHAIN.services}` },
  ],
};

/** Chains whose names carry a per-service or per-endpoint hash: they come and go with services. */
export const PER_SERVICE_CHAIN = /^KUBE-(SVC|SVL|EXT|SEP)-[A-Z2-7]{16}$/;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** kube-proxy's portProtoHash: base32 of sha256, 16 characters (chain names stay under iptables' 28). */
function hash16(text: string): string {
  const bytes = createHash('sha256').update(text).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === 16) break;
  }
  return out;
}

const id = (sp: ServicePortModel) => `${sp.namespace}/${sp.name}:${sp.portName || sp.port}${sp.protocol}`;
export const svcChain = (sp: ServicePortModel) => `KUBE-SVC-${hash16(id(sp))}`;
export const svlChain = (sp: ServicePortModel) => `KUBE-SVL-${hash16(id(sp))}`;
export const extChain = (sp: ServicePortModel) => `KUBE-EXT-${hash16(id(sp))}`;
export const sepChain = (sp: ServicePortModel, ip: string, port: number) => `KUBE-SEP-${hash16(`${id(sp)}${ip}:${port}`)}`;
