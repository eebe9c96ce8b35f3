import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidCidr,
  isValidIp,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  isWildcardDns1123Subdomain,
  nonSpecialIpErrors,
} from './names.ts';

test('DNS-1035 label message is word for word Kubernetes', () => {
  assert.equal(isDns1035Label('Web'), [
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
  ]);
  assert.equal(isDns1035Label('web-1'), []);
  assert.is(isDns1035Label('1web').length, 1);
  assert.equal(isDns1035Label('a'.repeat(64))[0], 'must be no more than 63 characters');
});

test('DNS-1123 label and subdomain', () => {
  assert.equal(isDns1123Label('123-abc'), []);
  assert.match(isDns1123Label('a.b')[0], "a lowercase RFC 1123 label must consist of");
  assert.match(isDns1123Label('a.b')[0], "(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  assert.equal(isDns1123Subdomain('node1.lab.example'), []);
  assert.match(isDns1123Subdomain('Node1')[0], "a lowercase RFC 1123 subdomain must consist of");
  assert.match(isDns1123Subdomain('-x')[0], "(e.g. 'example.com', regex used for validation is");
  assert.equal(isDns1123Subdomain(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`), []);
  assert.equal(isDns1123Subdomain('a'.repeat(254))[0], 'must be no more than 253 characters');
});

test('wildcard subdomain needs exactly a leading *.', () => {
  assert.equal(isWildcardDns1123Subdomain('*.example.com'), []);
  for (const bad of ['*example.com', 'a.*.example.com', '*.*.example.com', '*']) {
    assert.match(isWildcardDns1123Subdomain(bad)[0] ?? '', "a wildcard DNS-1123 subdomain must start with '*.'", bad);
  }
});

test('qualified names (label keys)', () => {
  assert.equal(isQualifiedName('app'), []);
  assert.equal(isQualifiedName('app.kubernetes.io/name'), []);
  assert.equal(isQualifiedName('My_Key.1'), []);
  assert.equal(isQualifiedName('/name'), ['prefix part must be non-empty']);
  assert.equal(isQualifiedName('a/'), [
    'name part must be non-empty',
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
  ]);
  assert.match(isQualifiedName('a/b/c')[0], "a qualified name must consist of");
  assert.match(isQualifiedName('Bad_Prefix/x')[0], 'prefix part a lowercase RFC 1123 subdomain');
  assert.equal(isQualifiedName('x'.repeat(64))[0], 'name part must be no more than 63 characters');
});

test('label values', () => {
  assert.equal(isValidLabelValue(''), []);
  assert.equal(isValidLabelValue('My_value-1.2'), []);
  assert.match(isValidLabelValue('-x')[0], 'a valid label must be an empty string or consist of');
  assert.match(isValidLabelValue('a b')[0], "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
});

test('port numbers and IANA port names', () => {
  assert.equal(isValidPortNum(1), []);
  assert.equal(isValidPortNum(65535), []);
  for (const bad of [0, 65536, -1, 1.5, '80', undefined]) {
    assert.equal(isValidPortNum(bad), ['must be between 1 and 65535, inclusive'], String(bad));
  }
  assert.equal(isValidPortName('http'), []);
  assert.equal(isValidPortName('dns-tcp'), []);
  assert.equal(isValidPortName('8080'), ['must contain at least one letter (a-z)']);
  assert.equal(isValidPortName('a-very-long-port-name'), ['must be no more than 15 characters']);
  assert.equal(isValidPortName('a--b'), ['must not contain consecutive hyphens']);
  assert.equal(isValidPortName('-ab'), ['must not begin or end with a hyphen']);
  assert.equal(isValidPortName('HTTP'), [
    'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    'must contain at least one letter (a-z)',
  ]);
});

test('IP addresses and CIDRs', () => {
  assert.equal(isValidIp('10.96.0.10'), []);
  assert.equal(isValidIp('fd00::1'), []);
  assert.equal(isValidIp('10.96.0.256'), ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
  assert.equal(isValidIp('010.1.1.1').length, 1);
  assert.equal(isValidCidr('10.244.1.0/24'), []);
  assert.equal(isValidCidr('10.244.1.0/33').length, 1);
  assert.equal(isValidCidr('10.244.1.0').length, 1);
  assert.equal(nonSpecialIpErrors('10.244.1.5'), []);
  assert.equal(nonSpecialIpErrors('127.0.0.1'), ['may not be in the loopback range (127.0.0.0/8, ::1/128)']);
  assert.equal(nonSpecialIpErrors('0.0.0.0'), ['may not be unspecified (0.0.0.0)']);
  assert.equal(nonSpecialIpErrors('169.254.1.1'), ['may not be in the link-local range (169.254.0.0/16, fe80::/10)']);
});

test.run();
