import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeNft, NftError } from '../../nft/index.ts';
import { buildProxyModel, type ProxyModel } from '../model.ts';
import { NftablesProxier } from './proxier.ts';
import { endpoints, service } from './scenarios.ts';

function model(n: number, epsOf: (i: number) => string[] = () => ['10.244.1.1@node2', '10.244.2.1@node3']): ProxyModel {
  const services = Array.from({ length: n }, (_, i) => service('default', `s${i}`, { clusterIP: `10.96.1.${i + 1}`, ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }));
  const eps = services.map((_, i) => endpoints('default', `s${i}`, epsOf(i), [[undefined, 8080], [undefined, 5353, 'UDP']]));
  // two unnamed ports would not match by name; name them like kubectl does
  for (const s of services) s.spec.ports = [{ name: 'tcp-80', port: 80 }, { name: 'udp-53', port: 53, protocol: 'UDP' }];
  for (const e of eps) e.subsets![0].ports = [{ name: 'tcp-80', port: 8080, protocol: 'TCP' }, { name: 'udp-53', port: 5353, protocol: 'UDP' }];
  return buildProxyModel({ services, endpoints: eps, node: 'node1' });
}

const setup = () => {
  const nft = new FakeNft();
  return { nft, proxier: new NftablesProxier(nft, { driftCheckIntervalMs: 0 }) };
};

test('first sync is a full one; the same model again changes nothing', async () => {
  const { nft, proxier } = setup();
  const r1 = await proxier.sync(model(3));
  assert.is(r1.mode, 'full');
  assert.is(r1.reason, 'start');
  assert.match(nft.applied[0].render(), /^add table ip minik\ndelete table ip minik\n/);
  const r2 = await proxier.sync(model(3));
  assert.is(r2.mode, 'unchanged');
  assert.is(nft.applied.length, 1);
  assert.match(proxier.rules(), /table ip minik \{/);
  assert.is(proxier.rules(), (await nft.listTableText('ip', 'minik'))!);
});

test('a one-service endpoint change touches only that service\'s elements', async () => {
  const { nft, proxier } = setup();
  await proxier.sync(model(50));
  const r = await proxier.sync(model(50, (i) => (i === 7 ? ['10.244.1.1@node2', '10.244.2.9@node3'] : ['10.244.1.1@node2', '10.244.2.1@node3'])));
  assert.is(r.mode, 'partial');
  const text = nft.applied.at(-1)!.render();
  assert.is(
    text,
    [
      'delete element ip minik service-endpoints-tcp { 10.96.1.8 . 80 . 1 }',
      'delete element ip minik service-endpoints-udp { 10.96.1.8 . 53 . 1 }',
      'add element ip minik service-endpoints-tcp { 10.96.1.8 . 80 . 1 : 10.244.2.9 . 8080 }',
      'add element ip minik service-endpoints-udp { 10.96.1.8 . 53 . 1 : 10.244.2.9 . 5353 }',
      '',
    ].join('\n'),
  );
});

test('a new service adds elements only; a dnat chain only for an endpoint count beyond the preallocated 16', async () => {
  const { nft, proxier } = setup();
  await proxier.sync(model(5));
  await proxier.sync(model(6));
  const added = nft.applied.at(-1)!.render();
  assert.not.match(added, /chain/);
  assert.match(added, /10\.96\.1\.6 \. tcp \. 80 comment "default\/s5:tcp-80" : goto dnat-tcp-2/);
  const seventeen = Array.from({ length: 17 }, (_, k) => `10.244.${k}.1@node2`);
  await proxier.sync(model(6, (i) => (i === 5 ? seventeen : ['10.244.1.1@node2', '10.244.2.1@node3'])));
  const grown = nft.applied.at(-1)!.render();
  assert.match(grown, /add chain ip minik dnat-tcp-17\n/);
  assert.match(grown, /add chain ip minik dnat-udp-17\n/);
  assert.match(grown, /delete element ip minik service-ips \{ 10\.96\.1\.6 \. udp \. 53, 10\.96\.1\.6 \. tcp \. 80 \}/);
  assert.not.match(grown, /10\.96\.1\.5 /);
});

test('a service losing all endpoints moves to the reject map; removing it deletes its elements', async () => {
  const { nft, proxier } = setup();
  await proxier.sync(model(2));
  await proxier.sync(model(2, (i) => (i === 1 ? [] : ['10.244.1.1@node2', '10.244.2.1@node3'])));
  const ruleset = nft.ruleset('ip', 'minik')!;
  const rejects = ruleset.sets.find((s) => s.name === 'no-endpoint-services')!.elements;
  assert.equal(rejects.map((e) => [e.key, e.value]), [['10.96.1.2 . udp . 53', 'goto reject-service'], ['10.96.1.2 . tcp . 80', 'goto reject-service']]);
  await proxier.sync(model(1));
  const after = nft.ruleset('ip', 'minik')!;
  assert.equal(after.sets.find((s) => s.name === 'no-endpoint-services')!.elements, []);
  assert.is(after.sets.find((s) => s.name === 'service-ips')!.elements.length, 2);
});

test('drift: a flushed ruleset or a recreated table triggers a full resync', async () => {
  const { nft, proxier } = setup();
  await proxier.sync(model(2));
  nft.flushRuleset();
  assert.ok(await proxier.drifted());
  const r = await proxier.sync(model(2));
  assert.is(r.mode, 'full');
  assert.is(r.reason, 'drift');
  assert.not.ok(await proxier.drifted());
  assert.is(nft.ruleset('ip', 'minik')!.sets.find((s) => s.name === 'service-ips')!.elements.length, 4);
});

test('a failed partial apply falls back to a full resync; a failed full sync is reported and retried next time', async () => {
  const { nft, proxier } = setup();
  await proxier.sync(model(2));
  nft.failNextApply(new NftError('NFT_NOT_FOUND', 'Error: No such file or directory'));
  const r = await proxier.sync(model(3));
  assert.is(r.mode, 'full');
  assert.is(r.reason, 'retry-after-error');
  nft.failNextApply(new NftError('NFT_EXEC', 'boom'), 2);
  await proxier.sync(model(4)).then(
    () => assert.unreachable(),
    (err) => assert.is(err.code, 'NFT_EXEC'),
  );
  const again = await proxier.sync(model(4));
  assert.is(again.mode, 'full');
  assert.is(nft.ruleset('ip', 'minik')!.sets.find((s) => s.name === 'service-ips')!.elements.length, 8);
});

test('periodic full resync after the configured interval, drift checks only as often as asked', async () => {
  let now = 0;
  const nft = new FakeNft();
  const proxier = new NftablesProxier(nft, { driftCheckIntervalMs: 1000, fullResyncIntervalMs: 60_000, now: () => now });
  await proxier.sync(model(1));
  nft.flushRuleset();
  now = 500;
  const quick = await proxier.sync(model(2));
  assert.is(quick.mode, 'full', 'the partial apply failed against the flushed table, so it fell back');
  now = 70_000;
  const periodic = await proxier.sync(model(2));
  assert.is(periodic.reason, 'periodic');
});

test('concurrent syncs are serialized and the last model wins', async () => {
  const { nft, proxier } = setup();
  await Promise.all([proxier.sync(model(1)), proxier.sync(model(2)), proxier.sync(model(3))]);
  assert.is(nft.ruleset('ip', 'minik')!.sets.find((s) => s.name === 'service-ips')!.elements.length, 6);
});

test('cleanup removes the table', async () => {
  const { nft, proxier } = setup();
  await proxier.sync(model(1));
  await proxier.cleanup();
  assert.is(await nft.listTable('ip', 'minik'), undefined);
  assert.is(proxier.rules(), '');
});

test.run();
