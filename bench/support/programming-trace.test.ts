import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMonitorLine } from './programming-trace.ts';

// Lines as `nft monitor` printed them in a lab while services were created.
const REJECT = 'add element ip minik no-endpoint-services { 10.96.16.165 . tcp . 80 comment "default/lat-0:80" : goto reject-service }';
const DNAT = 'add element ip minik service-ips { 10.96.16.165 . tcp . 80 comment "default/lat-0:80" : goto dnat-3 }';

test('the reject and DNAT elements of a service are recognised with its name', () => {
  assert.equal(parseMonitorLine(REJECT), { service: 'default/lat-0', stage: 'reject' });
  assert.equal(parseMonitorLine(DNAT), { service: 'default/lat-0', stage: 'dnat' });
});

test('deletes, endpoint elements and other tables are not programming events', () => {
  for (const line of [
    REJECT.replace('add element', 'delete element'),
    'add element ip minik service-endpoints { 10.96.16.165 . tcp . 80 . 0 : 10.244.0.2 . 8080 }',
    'add element ip minik hairpin-endpoints { 10.244.2.2 . 10.244.2.2 }',
    DNAT.replace('ip minik', 'ip other'),
    'add chain ip minik dnat-3',
    '# new generation 12 by process 4242 (nft)',
  ]) {
    assert.is(parseMonitorLine(line), undefined, line);
  }
});

test.run();
