import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cidrContains, compareIps, gatewayIp, intToIp, inRange, ipToInt, IpError, isIPv4, parseCidr, parseIpRange, parseNetworkCidr, parsePortRange, podAddressRange } from './ip.ts';

test('addresses and numbers round-trip', () => {
  for (const ip of ['0.0.0.0', '10.96.0.10', '192.168.77.200', '255.255.255.255']) assert.is(intToIp(ipToInt(ip)), ip);
  assert.is(ipToInt('10.0.0.1'), 167772161);
});

test('bad addresses are refused', () => {
  for (const bad of ['10.0.0', '10.0.0.256', 'a.b.c.d', '10.0.0.1.2', '']) {
    assert.not.ok(isIPv4(bad), bad);
    assert.throws(() => ipToInt(bad));
  }
});

test('CIDRs are normalised to their network; membership is inclusive', () => {
  const c = parseCidr('10.96.5.7/12');
  assert.is(c.text, '10.96.0.0/12');
  assert.is(intToIp(c.last), '10.111.255.255');
  assert.ok(cidrContains('10.96.0.0/12', '10.111.255.255'));
  assert.not.ok(cidrContains('10.96.0.0/12', '10.112.0.0'));
  assert.ok(cidrContains('0.0.0.0/0', '1.2.3.4'));
  assert.throws(() => parseCidr('10.0.0.0/33'));
  assert.throws(() => parseCidr('10.0.0.0'));
});

test('ranges: FIRST-LAST or a CIDR', () => {
  const r = parseIpRange('192.168.77.200-192.168.77.250');
  assert.ok(inRange(r, '192.168.77.200') && inRange(r, '192.168.77.250'));
  assert.not.ok(inRange(r, '192.168.77.251'));
  assert.throws(() => parseIpRange('192.168.77.250-192.168.77.200'), /ends before it starts/);
  assert.equal(parsePortRange('30000-32767'), { first: 30000, last: 32767, text: '30000-32767' });
  assert.throws(() => parsePortRange('0-10'));
  assert.throws(() => parsePortRange('500-400'));
});

test('pod CIDRs: gateway .1, pods from .2 to the last but one', () => {
  assert.is(gatewayIp('10.244.3.0/24'), '10.244.3.1');
  const r = podAddressRange('10.244.3.0/24');
  assert.equal([intToIp(r.first), intToIp(r.last)], ['10.244.3.2', '10.244.3.254']);
});

test('strict network CIDRs refuse bad input with INVALID_CIDR', () => {
  for (const bad of ['10.244.1.0', '10.244.1.5/24', '10.244.1.0/33', '300.1.1.0/24', 'x/24', '10.0.0.0/8/1']) {
    assert.throws(() => parseNetworkCidr(bad), (e: unknown) => e instanceof IpError && e.code === 'INVALID_CIDR', bad);
  }
  assert.throws(() => gatewayIp('10.0.0.0/31'), /too small/);
});

test('compareIps orders numerically, not as text', () => {
  assert.equal(['10.0.0.10', '10.0.0.9', '9.255.255.255'].sort(compareIps), ['9.255.255.255', '10.0.0.9', '10.0.0.10']);
});

test.run();
