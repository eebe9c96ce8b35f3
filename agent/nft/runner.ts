// Runs the `nft` binary, in the current network namespace or inside a named
// one (`nsenter --net=/run/netns/NAME`: cheaper than `ip netns exec`, which
// also sets up a mount namespace we do not need).

import { spawn } from 'node:child_process';
import { NftError, errorFromStderr } from './errors.ts';

export interface NftRunOptions {
  /** Network namespace name under /run/netns, or a path to a netns file; undefined = current namespace. */
  netns?: string;
  /** Extra nft flags before the command, e.g. ['-j'] or ['--check']. */
  flags?: string[];
  /** Text fed to `nft -f -`. When absent, `args` is the command line. */
  input?: string;
  args?: string[];
  nftPath?: string;
}

export interface NftRunResult {
  stdout: string;
  stderr: string;
}

/** The one side effect of this library: run nft once. Swappable in tests. */
export type NftExec = (opts: NftRunOptions) => Promise<NftRunResult>;

export function netnsPath(netns: string): string {
  return netns.includes('/') ? netns : `/run/netns/${netns}`;
}

export function nftCommandLine(opts: NftRunOptions): string[] {
  const nft = [opts.nftPath ?? 'nft', ...(opts.flags ?? []), ...(opts.input !== undefined ? ['-f', '-'] : (opts.args ?? []))];
  return opts.netns ? ['nsenter', `--net=${netnsPath(opts.netns)}`, ...nft] : nft;
}

export const execNft: NftExec = (opts) =>
  new Promise((resolve, reject) => {
    const [cmd, ...args] = nftCommandLine(opts);
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new NftError('NFT_NOT_INSTALLED', `${cmd} not found: install nftables (and util-linux for nsenter)`) : err);
    });
    child.on('close', (code) => {
      const out = Buffer.concat(stdout).toString();
      const err = Buffer.concat(stderr).toString();
      if (code === 0) resolve({ stdout: out, stderr: err });
      else reject(errorFromStderr(err, code));
    });
    // nft may exit early (bad flag); its stdin then errors with EPIPE, which the exit code already reports.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
