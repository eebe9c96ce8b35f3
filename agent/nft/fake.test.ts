import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NftError } from './errors.ts';
import { FakeNft } from './fake.ts';
import { Transaction } from './transaction.ts';

const tx = () => new Transaction('ip', 't');

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    assert.instance(err, NftError);
    return (err as NftError).code;
  }
}

test('applies tables, chains, sets, rules and elements', async () => {
  const nft = new FakeNft();
  await nft.apply(
    tx()
      .addTable()
      .addSet({ name: 'm', key: 'ipv4_addr', data: 'verdict', elements: [] })
      .addChain({ name: 'a', rules: ['counter'] })
      .addChain({ name: 'b', base: { type: 'filter', hook: 'input', priority: 0 }, rules: ['ip saddr vmap @m'] })
      .addElements('m', [{ key: '10.0.0.1', value: 'goto a' }]),
  );
  const rs = nft.ruleset('ip', 't')!;
  assert.equal(rs.chains.map((c) => [c.name, c.rules]), [['a', ['counter']], ['b', ['ip saddr vmap @m']]]);
  assert.equal(rs.sets[0].elements, [{ key: '10.0.0.1', value: 'goto a' }]);
  assert.is(nft.applied.length, 1);
  const chains = await nft.listChains('ip');
  assert.equal(chains.map((c) => c.name), ['a', 'b']);
});

test('a failing transaction changes nothing (atomic)', async () => {
  const nft = new FakeNft();
  await nft.apply(tx().addTable().addChain({ name: 'a' }));
  const before = await nft.listTableText('ip', 't');
  assert.is(await code(nft.apply(tx().addChain({ name: 'b' }).addRule('missing', 'counter'))), 'NFT_NOT_FOUND');
  assert.is(await nft.listTableText('ip', 't'), before);
  assert.is(nft.applied.length, 1);
});

test('error codes match the kernel: not found, exists, busy', async () => {
  const nft = new FakeNft();
  assert.is(await code(nft.apply(tx().addChain({ name: 'a' }))), 'NFT_NOT_FOUND');
  await nft.apply(tx().addTable().addChain({ name: 'a' }).addChain({ name: 'b', rules: ['jump a'] }));
  assert.is(await code(nft.apply(tx().createTable())), 'NFT_EXISTS');
  assert.is(await code(nft.apply(tx().createChain({ name: 'a' }))), 'NFT_EXISTS');
  assert.is(await code(nft.apply(tx().deleteChain('a'))), 'NFT_BUSY');
  assert.is(await code(nft.apply(tx().deleteChain('b'))), 'NFT_BUSY');
  assert.is(await code(nft.apply(tx().flushChain('b').deleteChain('b').deleteChain('a'))), 'ok');
  assert.is(await code(nft.apply(tx().deleteChain('a'))), 'NFT_NOT_FOUND');
  assert.is(await code(nft.apply(tx().destroyChain('a'))), 'ok');
});

test('elements: re-adding with other data fails, delete needs presence, chains referenced by elements are busy', async () => {
  const nft = new FakeNft();
  await nft.apply(tx().addTable().addChain({ name: 'c' }).addSet({ name: 'm', key: 'ipv4_addr', data: 'verdict', elements: [{ key: '1.1.1.1', value: 'goto c' }] }));
  assert.is(await code(nft.apply(tx().addElements('m', [{ key: '1.1.1.1', value: 'goto c' }]))), 'ok');
  assert.is(await code(nft.apply(tx().addElements('m', [{ key: '1.1.1.1', value: 'accept' }]))), 'NFT_EXISTS');
  assert.is(await code(nft.apply(tx().createElements('m', [{ key: '1.1.1.1', value: 'goto c' }]))), 'NFT_EXISTS');
  assert.is(await code(nft.apply(tx().deleteElements('m', ['2.2.2.2']))), 'NFT_NOT_FOUND');
  assert.is(await code(nft.apply(tx().deleteChain('c'))), 'NFT_BUSY');
  assert.is(await code(nft.apply(tx().addElements('m', [{ key: '3.3.3.3', value: 'goto nowhere' }]))), 'NFT_NOT_FOUND');
  assert.is(await code(nft.apply(tx().deleteElements('m', ['1.1.1.1']).deleteChain('c'))), 'ok');
});

test('sets in use by a rule cannot be deleted; check() never changes state', async () => {
  const nft = new FakeNft();
  await nft.apply(tx().addTable().addSet({ name: 's', key: 'ipv4_addr', elements: [] }).addChain({ name: 'c', rules: ['ip saddr @s drop'] }));
  assert.is(await code(nft.apply(tx().deleteSet('s'))), 'NFT_BUSY');
  await nft.check(tx().flushChain('c').deleteSet('s'));
  assert.is(nft.ruleset('ip', 't')!.sets.length, 1);
  assert.is(await code(nft.check(tx().addRule('c', 'ip saddr @nope drop'))), 'NFT_NOT_FOUND');
});

test('destroy table and flushRuleset remove everything; failNextApply injects an error', async () => {
  const nft = new FakeNft();
  await nft.apply(tx().destroyTable().addTable().addChain({ name: 'a' }));
  await nft.apply(tx().destroyTable().addTable());
  assert.equal(nft.ruleset('ip', 't')!.chains, []);
  nft.flushRuleset();
  assert.is(await nft.listTable('ip', 't'), undefined);
  nft.failNextApply(new NftError('NFT_EXEC', 'boom'));
  assert.is(await code(nft.apply(tx().addTable())), 'NFT_EXEC');
  assert.is(await nft.listTable('ip', 't'), undefined);
});

test.run();
