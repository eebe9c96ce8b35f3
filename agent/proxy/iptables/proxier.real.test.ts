// The iptables mode against the real iptables-legacy in a throwaway network
// namespace: full sync, partial sync, drift repair, `rules`, cleanup.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { netnsUnavailable, skipTest } from '../../../e2e/support/skip.ts';
import { netnsExec, realExec } from '../../../api/exec/exec.ts';
import { diffModels } from '../changes.ts';
import type { ProxyModel } from '../model.ts';
import { SCENARIOS } from '../nftables/scenarios.ts';
import { iptablesMode } from './mode.ts';
import { IptablesProxier, SAVE } from './proxier.ts';

const NS = `mkipt-real-${process.pid}`;
const exec = netnsExec(realExec, NS);
const save = () => execFileSync('nsenter', [`--net=/run/netns/${NS}`, SAVE], { encoding: 'utf8' });
const model = (name: string) => SCENARIOS.find((s) => s.name === name)!.model;
const input = (m: ProxyModel, prev?: ProxyModel) => ({ model: m, changed: diffModels(prev, m), first: prev === undefined });

let why = netnsUnavailable();
try {
  execFileSync(SAVE, ['--version'], { stdio: 'ignore' });
} catch {
  why ??= "needs iptables-legacy-save (Debian's iptables; scripts/deps.sh)";
}

if (why) {
  skipTest(test, 'iptables mode against the real kernel', why);
} else {
  test.before(() => void execFileSync('ip', ['netns', 'add', NS]));
  test.after(() => void execFileSync('ip', ['netns', 'del', NS]));

  test('full sync writes the chains and hooks once; the same state again changes nothing', async () => {
    const p = new IptablesProxier(exec, { clusterCidr: '10.244.0.0/16' }, { driftCheckIntervalMs: 0 });
    const m = model('nodeport-loadbalancer');
    const r = await p.sync(input(m));
    assert.is(r.kind, 'full');
    const text = save();
    assert.match(text, /-A PREROUTING -m comment --comment "minik service portals" -j KUBE-SERVICES/);
    assert.match(text, /-A KUBE-NODEPORTS -p tcp -m tcp --dport 30080 -m comment --comment "shop\/front:http" -j KUBE-EXT-/);
    assert.is((await p.sync({ model: m, changed: [], first: false })).kind, 'unchanged');
    // A second agent start (full sync on a live table) adds no duplicate hook.
    const again = new IptablesProxier(exec, { clusterCidr: '10.244.0.0/16' });
    await again.sync(input(m));
    assert.is(save().match(/-A PREROUTING .*KUBE-SERVICES/g)!.length, 1);
  });

  test('a one-service change is a partial batch; removed endpoints lose their chains', async () => {
    const p = new IptablesProxier(exec, { clusterCidr: '10.244.0.0/16' }, { driftCheckIntervalMs: 60_000 });
    const m1 = model('nodeport-loadbalancer');
    await p.sync(input(m1));
    const m2: ProxyModel = structuredClone(m1);
    const front = m2.servicePorts.find((sp) => sp.key === 'shop/front:80/tcp')!;
    front.endpoints = front.endpoints.slice(0, 1);
    const r = await p.sync(input(m2, m1));
    assert.is(r.kind, 'partial');
    const text = save();
    assert.not.match(text, /10\.244\.1\.7:8080/);
    assert.match(text, /10\.244\.0\.7:8080/);
    assert.match(text, /10\.244\.1\.7:5353/, 'the UDP port of the same service is untouched');
  });

  test('drift (someone flushed KUBE-SERVICES) brings a full resync', async () => {
    const p = new IptablesProxier(exec, { clusterCidr: '10.244.0.0/16' }, { driftCheckIntervalMs: 0 });
    const m = model('affinity');
    await p.sync(input(m));
    execFileSync('nsenter', [`--net=/run/netns/${NS}`, 'iptables-legacy', '-t', 'nat', '-F', 'KUBE-SERVICES']);
    const r = await p.sync({ model: m, changed: [], first: false });
    assert.is(r.kind, 'full');
    assert.is(r.reason, 'drift');
    assert.match(save(), /-m recent --rcheck --seconds 600 --reap --name KUBE-SEP-/);
  });

  test('rules --service narrows to one service; cleanup removes every chain and hook', async () => {
    const p = new IptablesProxier(exec, { clusterCidr: '10.244.0.0/16' });
    await p.sync(input(model('nodeport-loadbalancer')));
    const only = await iptablesMode.rules(exec, { service: 'shop/lb', stateDir: '' });
    assert.match(only, /shop\/lb:443 loadbalancer IP/);
    assert.not.match(only, /shop\/front/);
    assert.match(only, /DNAT --to-destination 10\.244\.0\.8:8443/);
    await iptablesMode.cleanup(exec);
    const text = save();
    assert.not.match(text, /KUBE-/);
    await iptablesMode.cleanup(exec); // idempotent
  });
}

test.run();
