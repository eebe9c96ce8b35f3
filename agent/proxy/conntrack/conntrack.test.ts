import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeExec } from '../../../api/exec/fake.ts';
import { deleteArgv, flushStaleUdp } from './conntrack.ts';

test('a service address flow is matched on the original destination and the endpoint that answered', () => {
  assert.is(
    deleteArgv({ kind: 'address', serviceIp: '10.96.0.20', servicePort: 53, endpointIp: '10.244.1.5', endpointPort: 5353 }).join(' '),
    'conntrack -D -p udp --orig-dst 10.96.0.20 --orig-port-dst 53 --reply-src 10.244.1.5 --reply-port-src 5353',
  );
  assert.is(
    deleteArgv({ kind: 'nodePort', nodePort: 30053, endpointIp: '10.244.1.5', endpointPort: 5353 }).join(' '),
    'conntrack -D -p udp --orig-port-dst 30053 --reply-src 10.244.1.5 --reply-port-src 5353',
  );
});

test('"nothing matched" (exit 1) is quiet; other failures are logged, never thrown', async () => {
  const exec = new FakeExec().on('conntrack -D -p udp --orig-dst 10.96.0.1', { code: 1, stderr: '0 flow entries have been deleted.' });
  exec.on('conntrack -D -p udp --orig-port-dst', { code: 2, stderr: 'conntrack: operation failed' });
  const logged: string[] = [];
  const deleted = await flushStaleUdp(
    exec,
    [
      { kind: 'address', serviceIp: '10.96.0.1', servicePort: 53, endpointIp: '10.244.1.5', endpointPort: 5353 },
      { kind: 'nodePort', nodePort: 30053, endpointIp: '10.244.1.5', endpointPort: 5353 },
      { kind: 'address', serviceIp: '10.96.0.2', servicePort: 53, endpointIp: '10.244.1.6', endpointPort: 5353 },
    ],
    (l) => logged.push(l),
  );
  assert.is(deleted, 1);
  assert.is(logged.length, 1);
  assert.match(logged[0], /operation failed/);
});

test.run();
