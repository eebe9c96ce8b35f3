// The typed model of an nftables table: what a program wants the kernel to
// hold. Statements inside rules stay nft text (the language is large and
// stable); everything with identity (tables, chains, sets, elements) is typed
// so that it can be diffed, faked and rendered.

export type Family = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';
export type ChainType = 'filter' | 'nat' | 'route';
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress' | 'egress';
export type Policy = 'accept' | 'drop';
export type Verdict = 'accept' | 'drop' | 'continue' | 'return' | `jump ${string}` | `goto ${string}`;

/** Present on base chains only: where the chain hooks into the stack. */
export interface BaseChainSpec {
  type: ChainType;
  hook: Hook;
  /** A number or a standard name (`dstnat`, `srcnat`, `filter`, ...). Names are only valid for some hooks. */
  priority: number | string;
  policy?: Policy;
}

export interface ChainSpec {
  name: string;
  base?: BaseChainSpec;
  /** Each rule is nft statement text, e.g. `ip saddr 10.0.0.1 jump mark-for-masquerade`. */
  rules: string[];
  comment?: string;
}

export type SetFlag = 'constant' | 'interval' | 'timeout' | 'dynamic';

export interface SetSpec {
  name: string;
  /**
   * The key's declaration. With `typeof`, an expression (`ip daddr . th dport`),
   * otherwise a datatype (`ipv4_addr . inet_proto . inet_service`).
   */
  key: string;
  /** Maps only: the data declaration (`verdict`, `ipv4_addr . inet_service`, or a typeof expression). */
  data?: string;
  /** Declare key (and data) with `typeof` instead of `type`; nft 1.0.6 cannot mix the two. */
  typeof?: boolean;
  flags?: SetFlag[];
  /** Default element timeout, nft syntax (`10800s`). */
  timeout?: string;
  size?: number;
  comment?: string;
  elements: ElementSpec[];
}

export interface ElementSpec {
  /** Key in nft syntax, concatenations joined with ` . `: `10.96.0.1 . tcp . 80`. */
  key: string;
  /** Maps only: the value (`goto svc-web`, `10.244.1.5 . 8080`). */
  value?: string;
  timeout?: string;
  comment?: string;
}

export interface Ruleset {
  family: Family;
  table: string;
  comment?: string;
  chains: ChainSpec[];
  sets: SetSpec[];
}

export const isMap = (set: SetSpec): boolean => set.data !== undefined;

/** What the kernel holds, read back with `nft -j list`. */
export interface ChainState {
  name: string;
  handle: number;
  base?: BaseChainSpec;
  /** Rules as nft's JSON expression lists (kept raw: the JSON schema for statements is vast). */
  rules: { handle: number; expr: unknown[]; comment?: string }[];
}

export interface SetState {
  name: string;
  handle: number;
  map: boolean;
  /** nft's own rendering of the type, e.g. `ipv4_addr . inet_proto . inet_service` (typeof keys are resolved to types). */
  key: string;
  data?: string;
  flags: string[];
  timeout?: number;
  elements: ElementSpec[];
}

export interface TableState {
  family: Family;
  name: string;
  handle: number;
  chains: ChainState[];
  sets: SetState[];
}

/** One line of `nft -j list chains`: cheap to read even when the table holds huge sets. */
export interface ChainSummary {
  family: Family;
  table: string;
  name: string;
  handle: number;
}
