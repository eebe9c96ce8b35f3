import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isSniIpWarning } from './sni-warning.ts';

test('the SNI-to-an-IP deprecation is recognised in each emitWarning form', () => {
  assert.ok(isSniIpWarning('Setting the TLS ServerName to an IP address is not permitted', 'DeprecationWarning', 'DEP0123'));
  assert.ok(isSniIpWarning('x', { type: 'DeprecationWarning', code: 'DEP0123' }));
  assert.ok(isSniIpWarning(Object.assign(new Error('x'), { code: 'DEP0123' })));
});

test('every other warning passes', () => {
  assert.not.ok(isSniIpWarning('Buffer() is deprecated', 'DeprecationWarning', 'DEP0005'));
  assert.not.ok(isSniIpWarning('x', { code: 'DEP0005' }));
  assert.not.ok(isSniIpWarning('plain'));
});

test.run();
