import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertLabName, assertNodeCount, assertProxyMode, parseLan } from './lan.ts';
import { isLabError } from './errors.ts';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isLabError(err) ? err.code : 'not a LabError';
  }
  return undefined;
}

test('parseLan gives the design addresses of a /24', () => {
  const lan = parseLan('192.168.79.0/24');
  assert.is(lan.cidr, '192.168.79.0/24');
  assert.is(lan.hostIp, '192.168.79.1');
  assert.is(lan.clientIp, '192.168.79.2');
  assert.is(lan.nodeIp(0), '192.168.79.11');
  assert.is(lan.nodeIp(2), '192.168.79.13');
  assert.is(lan.lbPool, '192.168.79.200-192.168.79.250');
});

test('parseLan refuses what is not a /24 IPv4 network', () => {
  for (const bad of ['192.168.79.0/16', '192.168.79.5/24', '192.168.79.0', '300.1.1.0/24', '10.0.01.0/24', 'fd00::/64', '127.0.0.0/24', '', 'lan']) {
    assert.is(code(() => parseLan(bad)), 'LAB_INVALID_LAN', bad);
  }
});

test('the error names the bad value and the expected form', () => {
  try {
    parseLan('10.1.0.0/16');
    assert.unreachable();
  } catch (err) {
    assert.match(String((err as Error).message), '"10.1.0.0/16"');
    assert.match(String((err as Error).message), '/24');
  }
});

test('lab names follow LAB_NAME_PATTERN', () => {
  assert.is(code(() => assertLabName('mkl')), undefined);
  assert.is(code(() => assertLabName('minik')), undefined);
  for (const bad of ['', 'MKL', 'mk-l', '1lab', 'abcdefghijk', 'a b']) assert.is(code(() => assertLabName(bad)), 'LAB_INVALID_NAME', bad);
});

test('node count and proxy mode are checked', () => {
  assert.is(code(() => assertNodeCount(3)), undefined);
  for (const bad of [0, -1, 1.5, 101, NaN]) assert.is(code(() => assertNodeCount(bad)), 'LAB_INVALID_OPTION', String(bad));
  assert.is(code(() => assertProxyMode('ipvs')), undefined);
  assert.is(code(() => assertProxyMode('iptables')), undefined);
  assert.is(code(() => assertProxyMode('bogus')), 'LAB_INVALID_OPTION');
});

test.run();
