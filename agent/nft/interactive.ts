// InteractiveApplier: one long-lived `nft -i` per namespace, so a small
// transaction skips process start-up (~2 ms with nsenter) and nft's cache
// warm-up. Each transaction goes in as ONE line (commands joined by `;`):
// nft parses a line as one buffer and sends it as one netlink batch, so it
// stays atomic. nft -i prints nothing on success, so after each line we send
// an invalid sentinel word and wait for nft to complain about it: whatever
// stderr held before that complaint belongs to the transaction.
//
// A stuck nft must not stall its caller: every transaction has a deadline
// (`timeoutMs`). Past it the process is killed, the transaction fails with
// NFT_TIMEOUT (whether it was applied is unknown, so the caller resyncs in
// full, as it does after any NftError), `onRestart` reports it, and the next
// transaction starts a fresh `nft -i`.
//
// Large transactions (full syncs) go to a fresh `nft -f -` instead: a
// multi-megabyte line is not what an interactive shell is for. Reads (list)
// also go there: listing in the long-lived process would make it cache every
// element (seconds and hundreds of MB at 300k elements).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ExecApplier, type ExecApplierOptions, type NftApplier } from './applier.ts';
import { NftError, errorFromStderr } from './errors.ts';
import { nftCommandLine } from './runner.ts';
import type { Transaction } from './transaction.ts';
import type { ChainSummary, Family, TableState } from './types.ts';

export interface InteractiveApplierOptions extends ExecApplierOptions {
  /** Transactions whose rendered text is longer go through a fresh `nft -f -`. Default 64 KiB. */
  maxInteractiveBytes?: number;
  /** Start a new `nft -i` after this many transactions, so its line history cannot grow without bound. Default 1000. */
  restartAfter?: number;
  /** Deadline of one transaction in the long-lived process. Default 10 s. */
  timeoutMs?: number;
  /** Called when the long-lived process is killed for missing its deadline (the next transaction restarts it). */
  onRestart?(reason: string): void;
}

export const INTERACTIVE_TIMEOUT_MS = 10_000;

interface Pending {
  sentinel: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class InteractiveApplier implements NftApplier {
  private readonly opts: InteractiveApplierOptions;
  private readonly fallback: ExecApplier;
  private child?: ChildProcessWithoutNullStreams;
  private stderr = '';
  private pending?: Pending;
  private seq = 0;
  private sentByChild = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: InteractiveApplierOptions = {}) {
    this.opts = opts;
    this.fallback = new ExecApplier(opts);
  }

  apply(tx: Transaction): Promise<void> {
    if (tx.isEmpty) return Promise.resolve();
    const text = tx.render({ nativeDestroy: this.opts.nativeDestroy });
    if (text.length > (this.opts.maxInteractiveBytes ?? 64 * 1024)) return this.serialized(() => this.fallback.apply(tx));
    const line = text.trimEnd().split('\n').join('; ');
    return this.serialized(() => this.send(line));
  }

  check(tx: Transaction): Promise<void> {
    return this.fallback.check(tx);
  }
  listTable(family: Family, name: string): Promise<TableState | undefined> {
    return this.fallback.listTable(family, name);
  }
  listTableText(family: Family, name: string): Promise<string | undefined> {
    return this.fallback.listTableText(family, name);
  }
  listChains(family: Family): Promise<ChainSummary[]> {
    return this.fallback.listChains(family);
  }

  close(): void {
    this.child?.stdin.end();
    this.child?.kill();
    this.child = undefined;
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private start(): ChildProcessWithoutNullStreams {
    const [cmd, ...args] = nftCommandLine({ netns: this.opts.netns, nftPath: this.opts.nftPath, args: ['-i'] });
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      this.settle();
    });
    const gone = (why: Error) => {
      if (this.child !== child) return; // closed on purpose; a newer process owns `pending`
      this.child = undefined;
      const p = this.pending;
      this.pending = undefined;
      p?.reject(why);
    };
    child.on('error', (err: NodeJS.ErrnoException) =>
      gone(err.code === 'ENOENT' ? new NftError('NFT_NOT_INSTALLED', `${cmd} not found`) : err),
    );
    child.on('exit', (code) => gone(errorFromStderr(this.stderr || `nft -i exited (${code})`, code)));
    child.stdin.on('error', () => {});
    this.child = child;
    return child;
  }

  private send(line: string): Promise<void> {
    if (this.child && this.sentByChild >= (this.opts.restartAfter ?? 1000)) this.close();
    if (!this.child) this.sentByChild = 0;
    const child = this.child ?? this.start();
    this.sentByChild++;
    const sentinel = `mknft-done-${++this.seq}`;
    const timeoutMs = this.opts.timeoutMs ?? INTERACTIVE_TIMEOUT_MS;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending?.sentinel !== sentinel) return;
        this.pending = undefined;
        const reason = `nft -i did not answer within ${timeoutMs} ms; killed it, the next transaction starts a new one`;
        if (this.child === child) this.child = undefined;
        child.kill('SIGKILL');
        this.opts.onRestart?.(reason);
        reject(new NftError('NFT_TIMEOUT', reason));
      }, timeoutMs);
      const done = () => clearTimeout(timer);
      this.pending = {
        sentinel,
        resolve: () => (done(), resolve()),
        reject: (err) => (done(), reject(err)),
      };
      child.stdin.write(`${line}\n${sentinel}\n`);
    });
  }

  /** Resolves the pending transaction once nft has complained about its sentinel (the line after it is the caret). */
  private settle(): void {
    const p = this.pending;
    if (!p) return;
    const at = this.stderr.indexOf(`\n${p.sentinel}\n`);
    if (at < 0 || this.stderr.indexOf('\n', at + p.sentinel.length + 2) < 0) return;
    const before = this.stderr.slice(0, at);
    const ownLines = before.split('\n').slice(0, -1).join('\n'); // drop the sentinel's own "Error: syntax error" line
    this.stderr = this.stderr.slice(this.stderr.indexOf('\n', at + p.sentinel.length + 2) + 1);
    this.pending = undefined;
    if (/Error:/.test(ownLines)) p.reject(errorFromStderr(ownLines, 1));
    else p.resolve();
  }
}
