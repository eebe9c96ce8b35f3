// Real nft in a throwaway network namespace (mknft-lib-<pid>): what the fake
// promises, checked against the kernel.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { netnsUnavailable, skipTest } from '../../e2e/support/skip.ts';
import { ExecApplier } from './applier.ts';
import { diffRulesets } from './diff.ts';
import { NftError } from './errors.ts';
import { Transaction } from './transaction.ts';
import type { Ruleset } from './types.ts';

const NS = `mknft-lib-${process.pid}`;
const why = netnsUnavailable();
const tx = () => new Transaction('ip', 'mknftlib');

const demo: Ruleset = {
  family: 'ip',
  table: 'mknftlib',
  comment: 'test table',
  sets: [
    { name: 'service-ips', key: 'ipv4_addr . inet_proto . inet_service', data: 'verdict', elements: [{ key: '10.96.0.1 . tcp . 443', value: 'goto svc-a', comment: 'default/kubernetes' }] },
    { name: 'endpoints', key: 'ip daddr . meta l4proto . th dport . numgen random mod 1', data: 'ip daddr . tcp dport', typeof: true, elements: [{ key: '10.96.0.1 . tcp . 443 . 0', value: '10.244.1.5 . 8080' }] },
    { name: 'clients', key: 'ipv4_addr', flags: ['dynamic', 'timeout'], timeout: '3h', elements: [] },
  ],
  chains: [
    { name: 'svc-a', rules: ['update @clients { ip saddr }', 'dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 1 map @endpoints'] },
    { name: 'prerouting', base: { type: 'nat', hook: 'prerouting', priority: 'dstnat', policy: 'accept' }, rules: ['ip daddr . meta l4proto . th dport vmap @service-ips'] },
  ],
};

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (!(err instanceof NftError)) throw err;
    return err.code;
  }
}

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

  test('full load, then JSON read-back matches what was written', async () => {
    await nft.apply(diffRulesets(undefined, demo));
    const state = (await nft.listTable('ip', 'mknftlib'))!;
    assert.ok(state.handle > 0);
    assert.equal(state.chains.map((c) => c.name).sort(), ['prerouting', 'svc-a']);
    assert.equal(state.chains.find((c) => c.name === 'prerouting')!.base, { type: 'nat', hook: 'prerouting', priority: -100, policy: 'accept' });
    const vips = state.sets.find((s) => s.name === 'service-ips')!;
    assert.is(vips.map, true);
    assert.equal(vips.elements, [{ key: '10.96.0.1 . tcp . 443', value: 'goto svc-a', comment: 'default/kubernetes' }]);
    const eps = state.sets.find((s) => s.name === 'endpoints')!;
    assert.equal(eps.elements, [{ key: '10.96.0.1 . tcp . 443 . 0', value: '10.244.1.5 . 8080' }]);
    assert.ok(state.sets.find((s) => s.name === 'clients')!.flags.includes('timeout'));
    const text = (await nft.listTableText('ip', 'mknftlib'))!;
    assert.match(text, /chain svc-a \{/);
  });

  test('a failed transaction changes nothing', async () => {
    const before = await nft.listTableText('ip', 'mknftlib');
    const bad = tx().addChain({ name: 'new-chain' }).addElements('service-ips', [{ key: '10.96.0.2 . tcp . 80', value: 'goto no-such-chain' }]);
    const c = await code(nft.apply(bad));
    assert.is(c, 'NFT_NOT_FOUND');
    assert.is(await nft.listTableText('ip', 'mknftlib'), before);
  });

  test('errors carry stable codes and the line nft blamed', async () => {
    try {
      await nft.apply(tx().addRule('svc-a', 'this is not nft'));
      assert.unreachable();
    } catch (err) {
      assert.instance(err, NftError);
      assert.is((err as NftError).code, 'NFT_SYNTAX');
      assert.is((err as NftError).inputLine, 1);
      assert.match((err as NftError).stderr, /Error/);
    }
    assert.is(await code(nft.apply(tx().createChain({ name: 'svc-a' }))), 'NFT_EXISTS');
    assert.is(await code(nft.apply(tx().deleteChain('svc-a'))), 'NFT_BUSY');
    assert.is(await code(nft.apply(tx().deleteElements('service-ips', ['10.9.9.9 . tcp . 1']))), 'NFT_NOT_FOUND');
    assert.is(await nft.listTable('ip', 'nope'), undefined);
  });

  test('check() validates against live state without changing it', async () => {
    await nft.check(tx().addElements('service-ips', [{ key: '10.96.0.3 . udp . 53', value: 'goto svc-a' }]));
    const vips = (await nft.listTable('ip', 'mknftlib'))!.sets.find((s) => s.name === 'service-ips')!;
    assert.is(vips.elements.length, 1);
    assert.is(await code(nft.check(tx().addRule('svc-a', 'jump nowhere'))), 'NFT_NOT_FOUND');
  });

  test('diff of a changed ruleset applies, and sets/maps can be deleted and destroyed', async () => {
    const next: Ruleset = structuredClone(demo);
    next.sets[0].elements.push({ key: '10.96.0.9 . udp . 53', value: 'goto svc-b' });
    next.chains.push({ name: 'svc-b', rules: ['counter'] });
    next.sets = next.sets.filter((s) => s.name !== 'clients');
    next.chains[0].rules = ['dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 1 map @endpoints'];
    await nft.apply(diffRulesets(demo, next));
    const state = (await nft.listTable('ip', 'mknftlib'))!;
    assert.equal(state.sets.map((s) => s.name).sort(), ['endpoints', 'service-ips']);
    assert.is(state.sets.find((s) => s.name === 'service-ips')!.elements.length, 2);
    await nft.apply(tx().destroySet({ name: 'gone', key: 'ipv4_addr' }).destroyChain('also-gone'));
    assert.is(await code(nft.apply(tx().destroyChain('svc-b'))), 'NFT_BUSY', 'an element still jumps to it');
    await nft.apply(tx().deleteElements('service-ips', ['10.96.0.9 . udp . 53']).destroyChain('svc-b'));
    assert.not.ok((await nft.listChains('ip')).some((c) => c.name === 'svc-b' || c.name === 'also-gone'));
  });

  test('listChains is cheap and names every chain with its handle; destroy table is idempotent', async () => {
    const chains = await nft.listChains('ip');
    assert.ok(chains.every((c) => c.table === 'mknftlib' && c.handle > 0));
    await nft.apply(tx().destroyTable());
    await nft.apply(tx().destroyTable());
    assert.equal(await nft.listChains('ip'), []);
  });
}

test.run();
