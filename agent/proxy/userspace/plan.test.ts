// The redirect table for the shared scenarios (golden, UPDATE_GOLDEN=1
// rewrites), accepted by the real `nft --check` in a throwaway namespace.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { netnsUnavailable, skipTest } from '../../../e2e/support/skip.ts';
import { SCENARIOS } from '../nftables/scenarios.ts';
import { portalsOf, renderTable } from './plan.ts';

const DIR = join(import.meta.dirname, 'testdata');
const golden = join(DIR, 'nodeport-loadbalancer.nft');
const model = SCENARIOS.find((s) => s.name === 'nodeport-loadbalancer')!.model;
const portals = model.servicePorts.flatMap(portalsOf);
const table = renderTable(portals, new Map(portals.map((p, i) => [p.id, 40000 + i])));

test('portals: one per ClusterIP, one per external group; Local policies keep local endpoints only', () => {
  const lb = portals.filter((p) => p.label === 'shop/lb:443');
  assert.equal(lb.map((p) => p.addresses), [['10.96.1.2:443'], ['192.168.77.200:443', '*:31443']]);
  assert.equal(lb[1].endpoints.map((e) => e.ip), ['10.244.0.8'], 'externalTrafficPolicy Local');
  assert.is(lb[0].endpoints.length, 2);
  assert.equal(portals.find((p) => p.label === 'shop/internal:80')!.endpoints, [], 'internalTrafficPolicy Local, none here: refused');
});

test('golden: redirect table', () => {
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(golden)) writeFileSync(golden, table);
  assert.fixture(table, readFileSync(golden, 'utf8'));
});

const why = netnsUnavailable();
if (why) skipTest(test, 'nft --check of the userspace table', why);
else {
  const NS = `mkus-golden-${process.pid}`;
  test.before(() => void execFileSync('ip', ['netns', 'add', NS]));
  test.after(() => void execFileSync('ip', ['netns', 'del', NS]));
  test('nft --check accepts the redirect table', () => {
    execFileSync('nsenter', [`--net=/run/netns/${NS}`, 'nft', '--check', '-f', golden], { stdio: ['ignore', 'pipe', 'pipe'] });
  });
}

test.run();
