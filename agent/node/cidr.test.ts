import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CidrError, cidrContains, gatewayIp, ipToNumber, numberToIp, parseCidr, podAddressRange } from './cidr.ts';

test('round-trips addresses', () => {
  for (const ip of ['0.0.0.0', '10.244.1.2', '255.255.255.255']) assert.is(numberToIp(ipToNumber(ip)), ip);
});

test('gateway and pod range of a /24', () => {
  assert.is(gatewayIp('10.244.3.0/24'), '10.244.3.1');
  const r = podAddressRange('10.244.3.0/24');
  assert.equal([numberToIp(r.first), numberToIp(r.last)], ['10.244.3.2', '10.244.3.254']);
});

test('contains', () => {
  assert.ok(cidrContains('10.96.0.0/12', '10.111.255.255'));
  assert.not.ok(cidrContains('10.96.0.0/12', '10.112.0.0'));
});

test('rejects bad input with INVALID_CIDR', () => {
  for (const bad of ['10.244.1.0', '10.244.1.5/24', '10.244.1.0/33', '300.1.1.0/24', 'x/24']) {
    assert.throws(() => parseCidr(bad), (e: unknown) => e instanceof CidrError && e.code === 'INVALID_CIDR', bad);
  }
  assert.throws(() => gatewayIp('10.0.0.0/31'), /too small/);
});

test.run();
