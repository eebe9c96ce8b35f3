import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffRulesets } from './diff.ts';
import { FakeNft } from './fake.ts';
import type { Ruleset } from './types.ts';

function ruleset(services: Record<string, string[]>): Ruleset {
  const names = Object.keys(services).sort();
  return {
    family: 'ip',
    table: 't',
    sets: [
      {
        name: 'vips',
        key: 'ipv4_addr',
        data: 'verdict',
        elements: names.map((n, i) => ({ key: `10.96.0.${i + 1}`, value: `goto svc-${n}` })),
      },
    ],
    chains: [
      { name: 'pre', base: { type: 'nat', hook: 'prerouting', priority: 'dstnat' }, rules: ['ip daddr vmap @vips'] },
      ...names.map((n) => ({ name: `svc-${n}`, rules: services[n].map((ep) => `meta l4proto tcp dnat to ${ep}`) })),
    ],
  };
}

const byName = (x: { name: string }, y: { name: string }) => x.name.localeCompare(y.name);
const normal = (rs: Ruleset) =>
  JSON.parse(JSON.stringify({ ...rs, chains: [...rs.chains].sort(byName), sets: [...rs.sets].sort(byName).map((s) => ({ ...s, elements: [...s.elements].sort((p, q) => p.key.localeCompare(q.key)) })) }));

async function roundTrip(a: Ruleset, b: Ruleset) {
  const nft = new FakeNft();
  await nft.apply(diffRulesets(undefined, a));
  const tx = diffRulesets(a, b);
  await nft.apply(tx);
  assert.equal(normal(nft.ruleset('ip', 't')!), normal(b), 'applying the diff yields the target');
  return tx.render();
}

test('without a previous ruleset: destroy and recreate the table in one transaction', () => {
  const text = diffRulesets(undefined, ruleset({ a: ['1.1.1.1:80'] })).render();
  assert.ok(text.startsWith('add table ip t\ndelete table ip t\nadd table ip t\n'));
});

test('identical rulesets give an empty transaction', () => {
  const a = ruleset({ a: ['1.1.1.1:80'], b: ['2.2.2.2:80'] });
  assert.ok(diffRulesets(a, structuredClone(a)).isEmpty);
});

test('an endpoint change touches only that service chain', async () => {
  const a = ruleset({ a: ['1.1.1.1:80'], b: ['2.2.2.2:80'] });
  const b = ruleset({ a: ['1.1.1.1:80'], b: ['2.2.2.3:80'] });
  assert.is(await roundTrip(a, b), 'flush chain ip t svc-b\nadd rule ip t svc-b meta l4proto tcp dnat to 2.2.2.3:80\n');
});

test('a new service adds its chain, rules and element; a removed one deletes element before chain', async () => {
  const a = ruleset({ a: ['1.1.1.1:80'] });
  const b = ruleset({ a: ['1.1.1.1:80'], c: ['3.3.3.3:80'] });
  assert.is(
    await roundTrip(a, b),
    'add chain ip t svc-c\nadd rule ip t svc-c meta l4proto tcp dnat to 3.3.3.3:80\nadd element ip t vips { 10.96.0.2 : goto svc-c }\n',
  );
  assert.is(
    await roundTrip(b, a),
    'flush chain ip t svc-c\ndelete element ip t vips { 10.96.0.2 }\ndelete chain ip t svc-c\n',
  );
});

test('a changed element value is deleted then re-added', async () => {
  const a = ruleset({ a: ['1.1.1.1:80'], b: ['2.2.2.2:80'] });
  const b = structuredClone(a);
  b.sets[0].elements[0].value = 'goto svc-b';
  assert.is(await roundTrip(a, b), 'delete element ip t vips { 10.96.0.1 }\nadd element ip t vips { 10.96.0.1 : goto svc-b }\n');
});

test('a set whose declaration changes is recreated, and chains using it refilled', async () => {
  const a = ruleset({ a: ['1.1.1.1:80'] });
  const b = structuredClone(a);
  b.sets[0].comment = 'now with comment';
  const text = await roundTrip(a, b);
  assert.match(text, /flush chain ip t pre\n/);
  assert.match(text, /delete set ip t vips\nadd map ip t vips/);
});

test('a base chain whose hook changes is recreated', async () => {
  const a = ruleset({ a: ['1.1.1.1:80'] });
  const b = structuredClone(a);
  b.chains[0].base = { type: 'nat', hook: 'output', priority: -100 };
  const text = await roundTrip(a, b);
  assert.match(text, /delete chain ip t pre\n/);
  assert.match(text, /add chain ip t pre \{ type nat hook output priority -100; \}/);
});

test.run();
