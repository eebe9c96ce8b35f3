// The chains both nftables-based data planes share: the nftables mode's
// `ip minik` table and the ipvs mode's helper table `ip minik-ipvs` hang off
// the same netfilter hooks with the same names, so a reader of `minik rules`
// meets the same path in either mode.
//
// Priorities: nat output at -100 runs before IPVS (LOCAL_OUT, -98), so marks
// are set before IPVS takes a connection; the filter chains at -110 see a
// new connection before NAT or IPVS and reject it when its service has no
// endpoints.

import type { ChainSpec } from '../nft/index.ts';

export const CHAIN = {
  natPrerouting: 'nat-prerouting',
  natOutput: 'nat-output',
  natPostrouting: 'nat-postrouting',
  filterInput: 'filter-input',
  filterForward: 'filter-forward',
  filterOutput: 'filter-output',
  services: 'services',
  endpointsCheck: 'endpoints-check',
  rejectService: 'reject-service',
  markForMasquerade: 'mark-for-masquerade',
  masquerading: 'masquerading',
} as const;

/** The six base chains: nat hooks into `services` / `masquerading`, filter hooks into `endpoints-check` for new connections. */
export function hookChains(): ChainSpec[] {
  return [
    { name: CHAIN.natPrerouting, base: { type: 'nat', hook: 'prerouting', priority: 'dstnat', policy: 'accept' }, rules: [`jump ${CHAIN.services}`] },
    { name: CHAIN.natOutput, base: { type: 'nat', hook: 'output', priority: -100, policy: 'accept' }, rules: [`jump ${CHAIN.services}`] },
    { name: CHAIN.natPostrouting, base: { type: 'nat', hook: 'postrouting', priority: 'srcnat', policy: 'accept' }, rules: [`jump ${CHAIN.masquerading}`] },
    { name: CHAIN.filterInput, base: { type: 'filter', hook: 'input', priority: -110, policy: 'accept' }, rules: [`ct state new jump ${CHAIN.endpointsCheck}`] },
    { name: CHAIN.filterForward, base: { type: 'filter', hook: 'forward', priority: -110, policy: 'accept' }, rules: [`ct state new jump ${CHAIN.endpointsCheck}`] },
    { name: CHAIN.filterOutput, base: { type: 'filter', hook: 'output', priority: -110, policy: 'accept' }, rules: [`ct state new jump ${CHAIN.endpointsCheck}`] },
  ];
}

/**
 * The chains after the service lookup: refusing a service without endpoints
 * (TCP reset, else ICMP), marking for masquerade, and masquerading what is
 * marked or hairpin (`hairpinSet` holds `ip . ip` of endpoints reaching themselves).
 */
export function tailChains(masqueradeMark: string, hairpinSet: string): ChainSpec[] {
  return [
    { name: CHAIN.rejectService, rules: ['meta l4proto tcp reject with tcp reset', 'reject'] },
    { name: CHAIN.markForMasquerade, rules: [`meta mark set meta mark | ${masqueradeMark}`] },
    {
      name: CHAIN.masquerading,
      rules: [
        `ip saddr . ip daddr @${hairpinSet} masquerade`,
        `meta mark & ${masqueradeMark} == 0 return`,
        `meta mark set meta mark ^ ${masqueradeMark}`,
        'masquerade fully-random',
      ],
    },
  ];
}
