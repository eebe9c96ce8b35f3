// A stuck `nft -i` (here: a stand-in that reads its input and never answers)
// misses the deadline: the transaction fails with NFT_TIMEOUT, the process is
// killed and reported, and the next transaction runs in a fresh process.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NftError } from './errors.ts';
import { InteractiveApplier } from './interactive.ts';
import { Transaction } from './transaction.ts';

const dir = mkdtempSync(join(tmpdir(), 'mknft-stuck-'));
const starts = join(dir, 'starts');
const stuckNft = join(dir, 'nft');
writeFileSync(stuckNft, `#!/bin/sh\necho "$$" >> ${starts}\nexec cat > /dev/null\n`);
chmodSync(stuckNft, 0o755);

const tx = () => new Transaction('ip', 'stuck').addTable();
const pids = () => readFileSync(starts, 'utf8').trim().split('\n').map(Number);
/** A process exists while /proc has its directory (node reaps killed children). */
const alive = (pid: number) => existsSync(`/proc/${pid}`);

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a transaction nft never answers fails with NFT_TIMEOUT, the process is killed and reported, the next one starts afresh', async () => {
  const reports: string[] = [];
  const nft = new InteractiveApplier({ nftPath: stuckNft, timeoutMs: 150, onRestart: (why) => reports.push(why) });
  try {
    const err = await nft.apply(tx()).catch((e: unknown) => e);
    assert.instance(err, NftError);
    assert.is((err as NftError).code, 'NFT_TIMEOUT');
    assert.equal(reports, ['nft -i did not answer within 150 ms; killed it, the next transaction starts a new one']);
    const [first] = pids();
    await new Promise((r) => setTimeout(r, 50));
    assert.not.ok(alive(first), 'the stuck process is gone');

    const again = await nft.apply(tx()).catch((e: unknown) => e);
    assert.is((again as NftError).code, 'NFT_TIMEOUT');
    assert.is(pids().length, 2, 'a fresh nft -i for the next transaction');
    assert.is.not(pids()[1], first);
  } finally {
    nft.close();
  }
});

test.run();
