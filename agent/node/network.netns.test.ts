// Node networking against the real kernel, inside a throwaway namespace
// `mkpod-nt` (entered with nsenter through netnsExec), never the host's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { netnsUnavailable, skipTest } from '../../e2e/support/skip.ts';
import { netnsExec, realExec } from '../../api/exec/exec.ts';
import { type IpLink, type IpRoute, ipJson } from '../../api/exec/ip-json.ts';
import { bindServiceAddress, routeServiceCidr, setupNodeNetwork, syncPodRoutes } from './network.ts';
import { addNetns, hostForwarding, run, sweepNetns } from './testdata/netns.ts';

const NODE = 'mkpod-nt';
const exec = netnsExec(realExec, NODE);
const unavailable = netnsUnavailable();

if (unavailable) {
  skipTest(test, 'node networking in a real namespace', unavailable);
} else {
  const hostForwardingBefore = hostForwarding();
  test.before(() => {
    sweepNetns(NODE);
    addNetns(NODE);
  });
  test.after(() => sweepNetns(NODE));

  test('setupNodeNetwork: bridge with gateway, up, forwarding on in the namespace only; idempotent', async () => {
    await setupNodeNetwork({ podCIDR: '10.244.1.0/24' }, exec);
    await setupNodeNetwork({ podCIDR: '10.244.1.0/24' }, exec);
    const [bridge] = await ipJson<IpLink>(exec, ['addr', 'show', 'dev', 'minik0']);
    assert.ok(bridge.flags?.includes('UP'));
    assert.equal(
      bridge.addr_info?.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`),
      ['10.244.1.1/24'],
    );
    assert.is((await exec.run(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim(), '1');
    assert.is(hostForwarding(), hostForwardingBefore, 'host forwarding untouched');

    await setupNodeNetwork({ podCIDR: '10.244.6.0/24' }, exec);
    const [moved] = await ipJson<IpLink>(exec, ['addr', 'show', 'dev', 'minik0']);
    assert.equal(moved.addr_info?.filter((a) => a.family === 'inet').map((a) => a.local), ['10.244.6.1']);
    await setupNodeNetwork({ podCIDR: '10.244.1.0/24' }, exec);
  });

  test('syncPodRoutes adds, replaces and removes its own routes and never touches others', async () => {
    run(['ip', '-n', NODE, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan1']);
    run(['ip', '-n', NODE, 'addr', 'add', '192.168.99.11/24', 'dev', 'lan0']);
    run(['ip', '-n', NODE, 'link', 'set', 'lan0', 'up']);
    run(['ip', '-n', NODE, 'link', 'set', 'lan1', 'up']);
    run(['ip', '-n', NODE, 'route', 'add', '10.250.0.0/24', 'via', '192.168.99.50']); // someone else's

    await syncPodRoutes([{ cidr: '10.244.2.0/24', via: '192.168.99.12' }, { cidr: '10.244.3.0/24', via: '192.168.99.13' }], exec);
    await syncPodRoutes([{ cidr: '10.244.2.0/24', via: '192.168.99.22' }, { cidr: '10.244.4.0/24', via: '192.168.99.14' }], exec);
    const again = await syncPodRoutes([{ cidr: '10.244.2.0/24', via: '192.168.99.22' }, { cidr: '10.244.4.0/24', via: '192.168.99.14' }], exec);
    assert.equal(again, { replace: [], remove: [] }, 'idempotent');

    const routes = await ipJson<IpRoute>(exec, ['route', 'show']);
    const viaOf = (dst: string) => routes.find((r) => r.dst === dst)?.gateway;
    assert.is(viaOf('10.244.2.0/24'), '192.168.99.22');
    assert.is(viaOf('10.244.4.0/24'), '192.168.99.14');
    assert.is(viaOf('10.244.3.0/24'), undefined);
    assert.is(viaOf('10.250.0.0/24'), '192.168.99.50', 'foreign route kept');

    await syncPodRoutes([], exec);
    const left = await ipJson<IpRoute>(exec, ['route', 'show']);
    assert.equal(left.filter((r) => r.dst.startsWith('10.244.') && r.gateway).length, 0);
    assert.ok(left.some((r) => r.dst === '10.250.0.0/24'));
  });

  test('service address on lo and service CIDR route survive a second call and do not disturb pod routes', async () => {
    await syncPodRoutes([{ cidr: '10.244.2.0/24', via: '192.168.99.12' }], exec);
    for (let i = 0; i < 2; i++) {
      await bindServiceAddress('10.96.0.10', exec);
      await routeServiceCidr({ gateway: '10.244.1.1' }, exec);
    }
    const [lo] = await ipJson<IpLink>(exec, ['addr', 'show', 'dev', 'lo']);
    assert.ok(lo.addr_info?.some((a) => a.local === '10.96.0.10' && a.prefixlen === 32));
    const [svc] = await ipJson<IpRoute>(exec, ['route', 'show', '10.96.0.0/12']);
    assert.equal([svc.dev, svc.prefsrc], ['minik0', '10.244.1.1']);
    await syncPodRoutes([{ cidr: '10.244.2.0/24', via: '192.168.99.12' }], exec);
    assert.is((await ipJson<IpRoute>(exec, ['route', 'show', '10.96.0.0/12'])).length, 1, 'pod route sync leaves the service route');
  });
}

test.run();
