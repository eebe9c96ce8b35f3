import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { quoteExecArg, renderUnit, unitName, UnitError } from './unit.ts';

test('plain arguments stay as they are', () => {
  assert.is(quoteExecArg('--node-ip'), '--node-ip');
  assert.is(quoteExecArg('http://192.168.56.10:6443'), 'http://192.168.56.10:6443');
});

test('specifiers, variables, spaces and quotes are escaped the systemd way', () => {
  assert.is(quoteExecArg('50%'), '"50%%"');
  assert.is(quoteExecArg('$HOME'), '"$$HOME"');
  assert.is(quoteExecArg('two words'), '"two words"');
  assert.is(quoteExecArg('say "hi"'), '"say \\"hi\\""');
  assert.is(quoteExecArg(''), '""');
  assert.is(quoteExecArg('a\\b'), '"a\\\\b"');
});

test('apiserver unit', () => {
  const unit = renderUnit('apiserver', {
    binary: '/usr/local/bin/minik',
    args: ['--listen', '192.168.56.10:6443', '--token-file', '/etc/minik/token', '--lb-pool', '192.168.56.200-192.168.56.250'],
  });
  assert.match(unit, /^\[Unit\]$/m);
  assert.match(unit, /^ExecStart=\/usr\/local\/bin\/minik apiserver --listen 192\.168\.56\.10:6443 --token-file \/etc\/minik\/token --lb-pool 192\.168\.56\.200-192\.168\.56\.250$/m);
  assert.match(unit, /^Environment="MINIK_NATIVE_CACHE=\/var\/cache\/minik\/native"$/m);
  assert.match(unit, /^Restart=always$/m);
  assert.match(unit, /^WantedBy=multi-user\.target$/m);
  assert.not.match(unit, /KillMode/);
});

test('agent unit orders after the given units; a restart leaves its pods running', () => {
  const unit = renderUnit('agent', {
    binary: '/usr/local/bin/minik',
    args: ['--node-ip', '192.168.56.11'],
    after: [unitName('apiserver')],
    environment: { MINIK_LOG: 'debug 100%' },
  });
  assert.match(unit, /^After=network-online\.target minik-apiserver\.service$/m);
  assert.match(unit, /^ExecStart=\/usr\/local\/bin\/minik agent --node-ip 192\.168\.56\.11$/m);
  assert.match(unit, /^Environment="MINIK_LOG=debug 100%%"$/m);
  assert.match(unit, /^KillMode=process$/m);
});

test('rejects a relative binary and bad environment names with a stable code', () => {
  assert.throws(() => renderUnit('agent', { binary: 'minik', args: [] }), (e: UnitError) => e.code === 'MINIK_UNIT_INVALID');
  assert.throws(
    () => renderUnit('agent', { binary: '/m', args: [], environment: { 'BAD-NAME': 'x' } }),
    (e: UnitError) => e.code === 'MINIK_UNIT_INVALID' && /BAD-NAME/.test(e.message),
  );
  assert.throws(() => renderUnit('agent', { binary: '/m', args: [], environment: { A: 'x\ny' } }), /newline/);
});

test('unit names', () => {
  assert.is(unitName('apiserver'), 'minik-apiserver.service');
  assert.is(unitName('agent'), 'minik-agent.service');
});

test.run();
