// ExecApplier against real nft in a throwaway network namespace
// (mknft-lib-<pid>), beyond the contract every applier keeps (contract.ts):
// nft's own parsing (syntax errors, the line it blamed) and its JSON shapes.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ExecApplier } from './applier.ts';
import { CONTRACT_TABLE, demo } from './contract.ts';
import { diffRulesets } from './diff.ts';
import { NftError } from './errors.ts';
import { realNftUnavailable, skipTest } from './testing.ts';
import { Transaction } from './transaction.ts';

const NS = `mknft-lib-${process.pid}`;
const why = realNftUnavailable();
const tx = () => new Transaction('ip', CONTRACT_TABLE);

if (why) {
  skipTest(test, 'real nft applier', why);
} else {
  const nft = new ExecApplier({ netns: NS });
  test.before(() => {
    execFileSync('ip', ['netns', 'add', NS]);
  });
  test.after(() => {
    nft.close();
    execFileSync('ip', ['netns', 'del', NS]);
  });

  test('JSON read-back: base chains come back with numeric priority and policy', async () => {
    await nft.apply(diffRulesets(undefined, demo));
    const state = (await nft.listTable('ip', CONTRACT_TABLE))!;
    assert.equal(state.chains.find((c) => c.name === 'prerouting')!.base, { type: 'nat', hook: 'prerouting', priority: -100, policy: 'accept' });
  });

  test('syntax errors carry NFT_SYNTAX, nft\'s stderr and the line it blamed', async () => {
    try {
      await nft.apply(tx().addRule('svc-a', 'this is not nft'));
      assert.unreachable();
    } catch (err) {
      assert.instance(err, NftError);
      assert.is((err as NftError).code, 'NFT_SYNTAX');
      assert.is((err as NftError).inputLine, 1);
      assert.match((err as NftError).stderr, /Error/);
    }
  });
}

test.run();
