import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeExec } from '../../api/exec/fake.ts';
import { bindServiceAddress, routeServiceCidr, setupNodeNetwork, syncPodRoutes } from './network.ts';
import { planRouteSync, staleAddresses } from './plan.ts';

test('planRouteSync adds missing, fixes changed gateways, removes unwanted owned routes', () => {
  const plan = planRouteSync(
    [
      { dst: '10.244.2.0/24', gateway: '192.168.77.12' },
      { dst: '10.244.3.0/24', gateway: '192.168.77.99' },
      { dst: '10.244.9.0/24', gateway: '192.168.77.19' },
    ],
    [
      { cidr: '10.244.2.0/24', via: '192.168.77.12' },
      { cidr: '10.244.3.0/24', via: '192.168.77.13' },
      { cidr: '10.244.4.0/24', via: '192.168.77.14' },
    ],
  );
  assert.equal(plan.replace, [
    { cidr: '10.244.3.0/24', via: '192.168.77.13' },
    { cidr: '10.244.4.0/24', via: '192.168.77.14' },
  ]);
  assert.equal(plan.remove, ['10.244.9.0/24']);
});

test('staleAddresses keeps only the gateway', () => {
  assert.equal(
    staleAddresses(
      [
        { family: 'inet', local: '10.244.1.1', prefixlen: 24 },
        { family: 'inet', local: '10.244.7.1', prefixlen: 24 },
        { family: 'inet6', local: 'fe80::1', prefixlen: 64 },
      ],
      { ip: '10.244.1.1', prefixLength: 24 },
    ),
    ['10.244.7.1/24'],
  );
});

test('setupNodeNetwork on a fresh namespace creates the bridge with the gateway and turns forwarding on', async () => {
  const exec = new FakeExec().on('ip -j addr show dev minik0', { code: 1, stderr: 'Device "minik0" does not exist.' });
  const net = await setupNodeNetwork({ podCIDR: '10.244.1.0/24' }, exec);
  assert.equal(net, { bridge: 'minik0', gateway: '10.244.1.1', prefixLength: 24 });
  assert.equal(exec.commands(), [
    'ip link set lo up',
    'ip -j addr show dev minik0',
    'ip link add minik0 type bridge',
    'ip addr replace 10.244.1.1/24 dev minik0',
    'ip link set minik0 up',
    'sysctl -q -w net.ipv4.ip_forward=1',
  ]);
});

test('setupNodeNetwork on a ready bridge only re-asserts forwarding; a stale address is removed', async () => {
  const ready = JSON.stringify([
    { ifname: 'minik0', link_type: 'ether', flags: ['UP'], addr_info: [{ family: 'inet', local: '10.244.1.1', prefixlen: 24 }] },
  ]);
  const exec = new FakeExec().on('ip -j addr show dev minik0', { stdout: ready });
  await setupNodeNetwork({ podCIDR: '10.244.1.0/24' }, exec);
  assert.equal(exec.commands(), ['ip link set lo up', 'ip -j addr show dev minik0', 'sysctl -q -w net.ipv4.ip_forward=1']);

  const moved = new FakeExec().on('ip -j addr show dev minik0', { stdout: ready });
  await setupNodeNetwork({ podCIDR: '10.244.5.0/24' }, moved);
  assert.ok(moved.commands().includes('ip addr del 10.244.1.1/24 dev minik0'));
  assert.ok(moved.commands().includes('ip addr replace 10.244.5.1/24 dev minik0'));
});

test('syncPodRoutes reads only its own protocol and marks what it adds', async () => {
  const exec = new FakeExec().on('ip -j route show proto 77', { stdout: JSON.stringify([{ dst: '10.244.9.0/24', gateway: '192.168.77.19' }]) });
  await syncPodRoutes([{ cidr: '10.244.2.0/24', via: '192.168.77.12' }], exec);
  assert.equal(exec.commands(), [
    'ip -j route show proto 77',
    'ip route replace 10.244.2.0/24 via 192.168.77.12 proto 77',
    'ip route del 10.244.9.0/24 proto 77',
  ]);
});

test('service address on lo and the service CIDR route via the bridge', async () => {
  const exec = new FakeExec();
  await bindServiceAddress('10.96.0.10', exec);
  await routeServiceCidr({ gateway: '10.244.1.1' }, exec);
  assert.equal(exec.commands(), [
    'ip addr replace 10.96.0.10/32 dev lo',
    'ip route replace 10.96.0.0/12 dev minik0 src 10.244.1.1 proto 78',
  ]);
});

test.run();
