// What the conformance suite needs from a lab, kept small so any lab can
// offer it: the netns lab here (netns-lab.ts), a VM lab elsewhere (the
// Vagrant/QEMU tier runs ipvs and nftables inside VMs). Everything goes
// through the `minik` CLI (exec, ssh, rules, trace are provider-neutral)
// plus commands on the host, which sits on the lab LAN.

import type { RunResult } from '../support/lab.ts';

export interface ConformanceLab {
  /** `minik ARGS` against this lab; throws with stderr on failure unless allowFailure. */
  minik(args: string[], options?: { allowFailure?: boolean; timeoutMs?: number }): Promise<RunResult>;
  /** argv as root on a lab node (inside its network namespace, or its VM). */
  onNode(node: string, argv: string[]): Promise<RunResult>;
  /** argv on the test host (which reaches node addresses and LB IPs on the lab LAN). */
  host(argv: string[], timeoutMs?: number): Promise<RunResult>;
  /** Builds the lab in `mode` (or switches a running one to it). */
  up(mode: string): Promise<void>;
  /** Removes the lab; afterwards `leftovers()` must be empty. */
  down(): Promise<void>;
  /** Anything of the lab still on the host (namespaces, links, tables, processes); [] when clean. */
  leftovers(): Promise<string[]>;
  /** Node names in order, each with its LAN address. */
  nodes: { name: string; ip: string }[];
  /** Address of the outside client (`minik ssh client`) on the lab LAN. */
  clientIp: string;
  /** Address of the host on the lab LAN. */
  hostIp: string;
  /** `minik trace` works against this lab (netns labs). */
  canTrace: boolean;
  /** A writable directory for manifests. */
  tmpDir: string;
}
