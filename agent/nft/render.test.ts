import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NftError } from './errors.ts';
import { renderRuleset } from './render.ts';
import { Transaction } from './transaction.ts';
import type { Ruleset } from './types.ts';

const sample: Ruleset = {
  family: 'ip',
  table: 'demo',
  comment: 'made by "tests"',
  sets: [
    {
      name: 'service-ips',
      key: 'ipv4_addr . inet_proto . inet_service',
      data: 'verdict',
      elements: [{ key: '10.96.0.1 . tcp . 443', value: 'goto svc-a', comment: 'default/kubernetes:https' }],
    },
    { name: 'clients', key: 'ipv4_addr', flags: ['dynamic', 'timeout'], timeout: '3h', elements: [] },
  ],
  chains: [
    { name: 'svc-a', rules: ['meta l4proto tcp dnat to 10.244.1.5:8080'] },
    { name: 'prerouting', base: { type: 'nat', hook: 'prerouting', priority: 'dstnat', policy: 'accept' }, rules: ['ip daddr . meta l4proto . th dport vmap @service-ips'] },
  ],
};

test('renders a table block like nft list', () => {
  assert.is(
    renderRuleset(sample),
    `table ip demo {
\tcomment "made by 'tests'"

\tmap service-ips {
\t\ttype ipv4_addr . inet_proto . inet_service : verdict
\t\telements = { 10.96.0.1 . tcp . 443 comment "default/kubernetes:https" : goto svc-a }
\t}

\tset clients {
\t\ttype ipv4_addr
\t\tflags dynamic,timeout
\t\ttimeout 3h
\t}

\tchain svc-a {
\t\tmeta l4proto tcp dnat to 10.244.1.5:8080
\t}

\tchain prerouting {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\tip daddr . meta l4proto . th dport vmap @service-ips
\t}
}
`,
  );
});

test('addRuleset renders sets and chains before the rules and elements that use them', () => {
  const text = new Transaction('ip', 'demo').addRuleset(sample).render();
  assert.is(
    text,
    `add table ip demo { comment "made by 'tests'"; }
add map ip demo service-ips { type ipv4_addr . inet_proto . inet_service : verdict; }
add set ip demo clients { type ipv4_addr; flags dynamic,timeout; timeout 3h; }
add chain ip demo svc-a
add chain ip demo prerouting { type nat hook prerouting priority dstnat; policy accept; }
add rule ip demo svc-a meta l4proto tcp dnat to 10.244.1.5:8080
add rule ip demo prerouting ip daddr . meta l4proto . th dport vmap @service-ips
add element ip demo service-ips { 10.96.0.1 . tcp . 443 comment "default/kubernetes:https" : goto svc-a }
`,
  );
});

test('destroy is emulated for nft 1.0.6 and native on request', () => {
  const tx = new Transaction('ip', 'demo').destroyTable().destroyChain('c');
  assert.is(tx.render(), 'add table ip demo\ndelete table ip demo\nadd chain ip demo c\nflush chain ip demo c\ndelete chain ip demo c\n');
  assert.is(tx.render({ nativeDestroy: true }), 'destroy table ip demo\ndestroy chain ip demo c\n');
});

test('element statements are chunked and deletes carry only keys', () => {
  const els = Array.from({ length: 5 }, (_, i) => ({ key: `10.0.0.${i}`, value: 'accept', timeout: '5s' }));
  const text = new Transaction('ip', 't').addElements('m', els).deleteElements('m', els.slice(0, 2)).render({ elementsPerStatement: 2 });
  assert.is(
    text,
    [
      'add element ip t m { 10.0.0.0 timeout 5s : accept, 10.0.0.1 timeout 5s : accept }',
      'add element ip t m { 10.0.0.2 timeout 5s : accept, 10.0.0.3 timeout 5s : accept }',
      'add element ip t m { 10.0.0.4 timeout 5s : accept }',
      'delete element ip t m { 10.0.0.0, 10.0.0.1 }',
      '',
    ].join('\n'),
  );
});

test('names outside nft identifier grammar are refused before nft runs', () => {
  try {
    new Transaction('ip', 't').addChain({ name: 'bad name' });
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, NftError);
    assert.is((err as NftError).code, 'NFT_SYNTAX');
  }
  assert.throws(() => new Transaction('ip', '1table'));
});

test('an empty transaction renders nothing', () => {
  const tx = new Transaction('ip', 't');
  assert.ok(tx.isEmpty);
  assert.is(tx.render(), '');
});

test.run();
