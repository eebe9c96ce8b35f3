// InteractiveApplier against real nft in a throwaway namespace (mknft-ia-<pid>),
// beyond the contract every applier keeps (contract.ts): one process for many
// transactions, recovery after errors, restarts, the `nft -f` fallback.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InteractiveApplier } from './interactive.ts';
import { code, realNftUnavailable, skipTest } from './testing.ts';
import { Transaction } from './transaction.ts';

const NS = `mknft-ia-${process.pid}`;
const why = realNftUnavailable();
const tx = () => new Transaction('ip', 'mknftia');

if (why) {
  skipTest(test, 'interactive nft applier', why);
} else {
  const nft = new InteractiveApplier({ netns: NS });
  test.before(() => {
    execFileSync('ip', ['netns', 'add', NS]);
  });
  test.after(() => {
    nft.close();
    execFileSync('ip', ['netns', 'del', NS]);
  });

  test('applies transactions through one long-lived nft -i', async () => {
    await nft.apply(tx().addTable().addSet({ name: 'vips', key: 'ipv4_addr', data: 'verdict', elements: [] }).addChain({ name: 'a', rules: ['counter'] }));
    for (let i = 1; i <= 20; i++) await nft.apply(tx().addElements('vips', [{ key: `10.0.0.${i}`, value: 'goto a' }]));
    const state = (await nft.listTable('ip', 'mknftia'))!;
    assert.is(state.sets[0].elements.length, 20);
  });

  test('a line is one atomic transaction: a failing command undoes the others', async () => {
    const c = await code(nft.apply(tx().addChain({ name: 'b' }).addElements('vips', [{ key: '10.9.9.9', value: 'goto nowhere-chain' }])));
    assert.is(c, 'NFT_NOT_FOUND');
    assert.not.ok((await nft.listChains('ip')).some((x) => x.name === 'b'));
    // and the process is still usable
    await nft.apply(tx().deleteElements('vips', ['10.0.0.1']));
    assert.is((await nft.listTable('ip', 'mknftia'))!.sets[0].elements.length, 19);
  });

  test('syntax errors are reported with their code', async () => {
    assert.is(await code(nft.apply(tx().addRule('a', 'no such statement'))), 'NFT_SYNTAX');
    assert.is(await code(nft.apply(tx().createChain({ name: 'a' }))), 'NFT_EXISTS');
  });

  test('the process is replaced after restartAfter transactions, transparently', async () => {
    const short = new InteractiveApplier({ netns: NS, restartAfter: 2 });
    for (let i = 0; i < 5; i++) await short.apply(tx().addElements('vips', [{ key: `10.4.0.${i}`, value: 'accept' }]));
    short.close();
    const els = (await nft.listTable('ip', 'mknftia'))!.sets[0].elements;
    assert.is(els.filter((e) => e.key.startsWith('10.4.0.')).length, 5);
    await nft.apply(tx().deleteElements('vips', ['10.4.0.0', '10.4.0.1', '10.4.0.2', '10.4.0.3', '10.4.0.4']));
  });

  test('concurrent applies are serialized', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => nft.apply(tx().addElements('vips', [{ key: `10.1.0.${i}`, value: 'accept' }]))));
    assert.is((await nft.listTable('ip', 'mknftia'))!.sets[0].elements.length, 29);
  });

  test('large transactions go through a fresh nft -f, and a dead nft -i is restarted', async () => {
    const big = tx().addElements('vips', Array.from({ length: 3000 }, (_, i) => ({ key: `10.2.${i >> 8}.${i & 255}`, value: 'accept' })));
    await nft.apply(big);
    nft.close();
    await nft.apply(tx().addElements('vips', [{ key: '10.3.0.1', value: 'drop' }]));
    assert.is((await nft.listTable('ip', 'mknftia'))!.sets[0].elements.length, 3030);
  });
}

test.run();
