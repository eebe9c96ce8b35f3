// NftApplier: the small interface programs use to change and read a table.
// ExecApplier runs a fresh `nft -f -` per transaction (atomic: nft sends the
// whole script as one netlink batch). FakeNft (fake.ts) is its in-memory twin.

import { NftError } from './errors.ts';
import { parseChainsJson, parseTableJson } from './json.ts';
import { execNft, type NftExec } from './runner.ts';
import type { Transaction } from './transaction.ts';
import type { ChainSummary, Family, TableState } from './types.ts';

export interface NftApplier {
  /** Applies the transaction atomically: on error nothing changed. */
  apply(tx: Transaction): Promise<void>;
  /** Dry run (`nft --check`): parses and validates against the live state, changes nothing. */
  check(tx: Transaction): Promise<void>;
  /** The table as JSON-parsed state, or undefined when it does not exist. Expensive for huge sets (nft 1.0.6: seconds at 300k elements). */
  listTable(family: Family, name: string): Promise<TableState | undefined>;
  /** nft's own text listing of the table, or undefined when it does not exist. */
  listTableText(family: Family, name: string): Promise<string | undefined>;
  /** Chain names and handles of every table of the family: cheap even with huge sets, so good for drift checks. */
  listChains(family: Family): Promise<ChainSummary[]>;
  close(): void;
}

export interface ExecApplierOptions {
  /** Network namespace (name under /run/netns or a path); undefined = the current one. */
  netns?: string;
  exec?: NftExec;
  nftPath?: string;
  /** nft >= 1.0.8 understands `destroy`; default false (emulated). */
  nativeDestroy?: boolean;
}

export class ExecApplier implements NftApplier {
  private readonly opts: ExecApplierOptions;
  private readonly exec: NftExec;

  constructor(opts: ExecApplierOptions = {}) {
    this.opts = opts;
    this.exec = opts.exec ?? execNft;
  }

  async apply(tx: Transaction): Promise<void> {
    if (tx.isEmpty) return;
    await this.run({ input: tx.render({ nativeDestroy: this.opts.nativeDestroy }) });
  }

  async check(tx: Transaction): Promise<void> {
    await this.run({ input: tx.render({ nativeDestroy: this.opts.nativeDestroy }), flags: ['--check'] });
  }

  async listTable(family: Family, name: string): Promise<TableState | undefined> {
    const out = await this.listOrUndefined(['-j'], ['list', 'table', family, name]);
    return out === undefined ? undefined : parseTableJson(out);
  }

  async listTableText(family: Family, name: string): Promise<string | undefined> {
    return this.listOrUndefined([], ['list', 'table', family, name]);
  }

  async listChains(family: Family): Promise<ChainSummary[]> {
    const { stdout } = await this.run({ flags: ['-j'], args: ['list', 'chains', family] });
    return parseChainsJson(stdout);
  }

  close(): void {}

  private async listOrUndefined(flags: string[], args: string[]): Promise<string | undefined> {
    try {
      return (await this.run({ flags, args })).stdout;
    } catch (err) {
      if (err instanceof NftError && err.code === 'NFT_NOT_FOUND') return undefined;
      throw err;
    }
  }

  private run(o: { input?: string; flags?: string[]; args?: string[] }) {
    return this.exec({ ...o, netns: this.opts.netns, nftPath: this.opts.nftPath });
  }
}
