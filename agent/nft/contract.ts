// The contract every NftApplier keeps: the in-memory FakeNft, ExecApplier
// (`nft -f -` per transaction) and InteractiveApplier (a long-lived `nft -i`)
// run this same suite (contract.test.ts), so a program tested against the
// fake behaves the same against the kernel. Only what all three promise is
// asserted here; nft's own parsing (syntax errors, the blamed input line) is
// checked against the real binaries alone (applier.test.ts).

import * as assert from 'uvu/assert';
import type { Test } from 'uvu';
import type { NftApplier } from './applier.ts';
import { diffRulesets } from './diff.ts';
import { code } from './testing.ts';
import { Transaction } from './transaction.ts';
import type { Ruleset } from './types.ts';

export const CONTRACT_TABLE = 'mknftct';

export const demo: Ruleset = {
  family: 'ip',
  table: CONTRACT_TABLE,
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

const tx = () => new Transaction('ip', CONTRACT_TABLE);

/** Registers the contract's tests on `suite`, run in order against `nft()` (one applier, one fresh table). */
export function defineContract(suite: Test, nft: () => NftApplier): void {
  suite('full load, then read-back matches what was written', async () => {
    await nft().apply(diffRulesets(undefined, demo));
    const state = (await nft().listTable('ip', CONTRACT_TABLE))!;
    assert.ok(state.handle > 0);
    assert.equal(state.chains.map((c) => c.name).sort(), ['prerouting', 'svc-a']);
    assert.is(state.chains.find((c) => c.name === 'prerouting')!.base?.hook, 'prerouting');
    const vips = state.sets.find((s) => s.name === 'service-ips')!;
    assert.is(vips.map, true);
    assert.equal(vips.elements, [{ key: '10.96.0.1 . tcp . 443', value: 'goto svc-a', comment: 'default/kubernetes' }]);
    const eps = state.sets.find((s) => s.name === 'endpoints')!;
    assert.equal(eps.elements, [{ key: '10.96.0.1 . tcp . 443 . 0', value: '10.244.1.5 . 8080' }]);
    assert.ok(state.sets.find((s) => s.name === 'clients')!.flags.includes('timeout'));
    assert.match((await nft().listTableText('ip', CONTRACT_TABLE))!, /chain svc-a \{/);
  });

  suite('a failed transaction changes nothing (atomic)', async () => {
    const before = await nft().listTableText('ip', CONTRACT_TABLE);
    const bad = tx().addChain({ name: 'new-chain' }).addElements('service-ips', [{ key: '10.96.0.2 . tcp . 80', value: 'goto no-such-chain' }]);
    assert.is(await code(nft().apply(bad)), 'NFT_NOT_FOUND');
    assert.is(await nft().listTableText('ip', CONTRACT_TABLE), before);
    assert.not.ok((await nft().listChains('ip')).some((c) => c.name === 'new-chain'));
  });

  suite('errors carry stable codes: exists, busy, not found', async () => {
    assert.is(await code(nft().apply(tx().createChain({ name: 'svc-a' }))), 'NFT_EXISTS');
    assert.is(await code(nft().apply(tx().deleteChain('svc-a'))), 'NFT_BUSY');
    assert.is(await code(nft().apply(tx().deleteElements('service-ips', ['10.9.9.9 . tcp . 1']))), 'NFT_NOT_FOUND');
    assert.is(await nft().listTable('ip', 'nope'), undefined);
  });

  suite('check() validates against live state without changing it', async () => {
    await nft().check(tx().addElements('service-ips', [{ key: '10.96.0.3 . udp . 53', value: 'goto svc-a' }]));
    const vips = (await nft().listTable('ip', CONTRACT_TABLE))!.sets.find((s) => s.name === 'service-ips')!;
    assert.is(vips.elements.length, 1);
    assert.is(await code(nft().check(tx().addRule('svc-a', 'jump nowhere'))), 'NFT_NOT_FOUND');
  });

  suite('a diff of a changed ruleset applies; sets and chains can be deleted and destroyed', async () => {
    const next: Ruleset = structuredClone(demo);
    next.sets[0].elements.push({ key: '10.96.0.9 . udp . 53', value: 'goto svc-b' });
    next.chains.push({ name: 'svc-b', rules: ['counter'] });
    next.sets = next.sets.filter((s) => s.name !== 'clients');
    next.chains[0].rules = ['dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 1 map @endpoints'];
    await nft().apply(diffRulesets(demo, next));
    const state = (await nft().listTable('ip', CONTRACT_TABLE))!;
    assert.equal(state.sets.map((s) => s.name).sort(), ['endpoints', 'service-ips']);
    assert.is(state.sets.find((s) => s.name === 'service-ips')!.elements.length, 2);
    await nft().apply(tx().destroySet({ name: 'gone', key: 'ipv4_addr' }).destroyChain('also-gone'));
    assert.is(await code(nft().apply(tx().destroyChain('svc-b'))), 'NFT_BUSY', 'an element still jumps to it');
    await nft().apply(tx().deleteElements('service-ips', ['10.96.0.9 . udp . 53']).destroyChain('svc-b'));
    assert.not.ok((await nft().listChains('ip')).some((c) => c.name === 'svc-b' || c.name === 'also-gone'));
  });

  suite('many small transactions in a row, and concurrent ones, all land', async () => {
    for (let i = 1; i <= 20; i++) await nft().apply(tx().addElements('service-ips', [{ key: `10.0.0.${i} . tcp . 80`, value: 'goto svc-a' }]));
    await Promise.all(Array.from({ length: 10 }, (_, i) => nft().apply(tx().addElements('service-ips', [{ key: `10.1.0.${i} . udp . 53`, value: 'accept' }]))));
    assert.is((await nft().listTable('ip', CONTRACT_TABLE))!.sets.find((s) => s.name === 'service-ips')!.elements.length, 31);
  });

  suite('listChains names every chain with its handle; destroy table is idempotent', async () => {
    const chains = (await nft().listChains('ip')).filter((c) => c.table === CONTRACT_TABLE);
    assert.ok(chains.length > 0 && chains.every((c) => c.handle > 0));
    await nft().apply(tx().destroyTable());
    await nft().apply(tx().destroyTable());
    assert.equal((await nft().listChains('ip')).filter((c) => c.table === CONTRACT_TABLE), []);
  });
}
