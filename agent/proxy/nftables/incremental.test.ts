import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeNft, diffRulesets, fullSyncTransaction, renderRuleset } from '../../nft/index.ts';
import type { ProxyEndpoint, ProxyModel, ServicePortModel } from '../model.ts';
import { compile } from './compile.ts';
import { IncrementalCompiler } from './incremental.ts';

function sp(i: number, eps: number, extra: Partial<ServicePortModel> = {}): ServicePortModel {
  const endpoints: ProxyEndpoint[] = Array.from({ length: eps }, (_, e) => ({ ip: `10.244.${e % 3}.${i}`, port: 8080, isLocal: e % 3 === 0 }));
  return {
    key: `ns/s${String(i).padStart(3, '0')}:80/tcp`,
    namespace: 'ns',
    name: `s${i}`,
    portName: '',
    protocol: i % 4 === 0 ? 'udp' : 'tcp',
    clusterIP: `10.96.0.${i}`,
    port: 80,
    nodePort: i % 5 === 0 ? 30000 + i : undefined,
    loadBalancerIPs: i % 7 === 0 ? [`192.168.77.${i}`] : [],
    externalLocal: i % 2 === 0,
    internalLocal: false,
    affinityTimeoutSeconds: i % 11 === 0 ? 60 : undefined,
    endpoints,
    ...extra,
  };
}
const model = (sps: ServicePortModel[]): ProxyModel => ({ node: 'n', clusterCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/12', servicePorts: sps });
const normal = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean).sort().join('\n');

test('a sequence of incremental updates always lands on exactly what compile() gives', async () => {
  const nft = new FakeNft();
  const inc = new IncrementalCompiler();
  let sps = Array.from({ length: 40 }, (_, i) => sp(i + 1, (i % 4) + 1));
  await nft.apply(fullSyncTransaction(inc.reset(model(sps))));
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  for (let step = 0; step < 60; step++) {
    const i = rnd(sps.length);
    const action = rnd(4);
    if (action === 0) sps = sps.filter((_, j) => j !== i);
    else if (action === 1) sps = [...sps, sp(100 + step, rnd(5))];
    else if (action === 2) sps = sps.map((s, j) => (j === i ? { ...s, endpoints: s.endpoints.slice(1) } : s));
    else sps = sps.map((s, j) => (j === i ? sp(Number(s.name.slice(1)), rnd(6)) : s));
    const change = inc.update(model(sps));
    await nft.apply(diffRulesets(change.prev, change.next));
    const want = renderRuleset(compile(model(sps)));
    assert.is(normal((await nft.listTableText('ip', 'minik'))!), normal(want), `step ${step}`);
    assert.is(renderRuleset(inc.ruleset()), want);
  }
});

test('unchanged objects cost nothing; an equal copy is recognised by content', () => {
  const inc = new IncrementalCompiler();
  const sps = [sp(1, 2), sp(2, 2)];
  inc.reset(model(sps));
  let change = inc.update(model(sps));
  assert.equal(change.changed, []);
  change = inc.update(model(sps.map((s) => structuredClone(s))));
  assert.equal(change.changed, []);
  assert.ok(diffRulesets(change.prev, change.next).isEmpty);
});

test('shared dnat chains live while any service uses them', () => {
  const inc = new IncrementalCompiler();
  // NodePort services with policy Cluster use nodeport-masq-dnat-tcp-N, created on demand (dnat-tcp-1..16 always exist).
  const np = (i: number, eps: number) => sp(i, eps, { nodePort: 30000 + i, externalLocal: false, affinityTimeoutSeconds: undefined, protocol: 'tcp' });
  inc.reset(model([np(1, 3), np(3, 3)]));
  let c = inc.update(model([np(1, 3)]));
  assert.not.match(diffRulesets(c.prev, c.next).render(), /chain/);
  c = inc.update(model([np(1, 2)]));
  const text = diffRulesets(c.prev, c.next).render();
  assert.match(text, /add chain ip minik nodeport-masq-dnat-tcp-2\n/);
  assert.match(text, /delete chain ip minik nodeport-masq-dnat-tcp-3\n/);
  assert.not.match(text, /chain ip minik dnat-/);
});

test('chainNames() lists the same chains as the assembled table', () => {
  const inc = new IncrementalCompiler();
  inc.reset(model([sp(11, 2), sp(5, 3), sp(2, 1)]));
  assert.equal(inc.chainNames().sort(), inc.ruleset().chains.map((c) => c.name).sort());
});

test('needsReset before the first reset and when the cluster ranges move', () => {
  const inc = new IncrementalCompiler();
  assert.ok(inc.needsReset(model([])));
  inc.reset(model([]));
  assert.not.ok(inc.needsReset(model([])));
  assert.ok(inc.needsReset({ ...model([]), serviceCidr: '10.100.0.0/16' }));
});

test.run();
