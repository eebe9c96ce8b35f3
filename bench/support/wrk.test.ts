import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseWrk } from './wrk.ts';

test('wrk --latency output: requests/s, p50 and p99 in ms, errors', () => {
  const out = `Running 5s test @ http://10.96.0.99:80/
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.23ms  400.00us   9.80ms   90.00%
    Req/Sec    12.90k     1.00k   14.00k    70.00%
  Latency Distribution
     50%  812.00us
     75%    1.10ms
     90%    1.50ms
     99%    3.25ms
  64200 requests in 5.00s, 5.20MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:  12840.55
Transfer/sec:      1.04MB
`;
  assert.equal(parseWrk(out), { requestsPerSecond: 12840.55, p50Ms: 0.812, p99Ms: 3.25, errors: 3 });
  assert.ok(Number.isNaN(parseWrk('garbage').requestsPerSecond));
});

test.run();
