// Peer probing over real UDP on loopback addresses (127.0.0.x are all local on Linux).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../../apiserver/grpc/test-support.ts';
import { PeerProber } from './peers.ts';

const PORT = 20000 + (process.pid % 20000);
const start = (name: string, address: string, now?: () => number) =>
  PeerProber.start({ nodeName: name, address, port: PORT, intervalMs: 10, deadAfterMs: 100, now });

test('peers that answered and then went silent are down; a node that never answered is not', async () => {
  const a = await start('a', '127.0.0.21');
  const b = await start('b', '127.0.0.22');
  const peers = new Map([['a', '127.0.0.21'], ['b', '127.0.0.22'], ['never', '127.0.0.23']]);
  a.setPeers(peers);
  b.setPeers(peers);
  try {
    await new Promise((r) => setTimeout(r, 80));
    assert.equal([...a.down()], [], 'b answers; "never" was never heard');
    await b.close();
    await waitFor(() => a.down().has('b'), 'b seen down', 10_000);
    assert.equal([...a.down()], ['b']);
    assert.not.ok(a.isolated(), 'one silent peer out of one heard: the peer is down, not us');
  } finally {
    await a.close();
  }
});

test('a node whose every heard peer (two or more) fell silent at once is isolated', async () => {
  const t = { ms: 0 };
  const a = await start('a', '127.0.0.31', () => t.ms);
  const b = await start('b', '127.0.0.32');
  const c = await start('c', '127.0.0.33');
  const peers = new Map([['a', '127.0.0.31'], ['b', '127.0.0.32'], ['c', '127.0.0.33']]);
  for (const p of [a, b, c]) p.setPeers(peers);
  try {
    await waitFor(() => {
      t.ms += 1;
      return a.heard().size === 2 && !a.isolated() && a.down().size === 0 && t.ms > 5;
    }, 'both heard', 10_000);
    await b.close();
    await c.close();
    t.ms += 1000;
    assert.equal([...a.down()], [], 'time alone (our own stall) does not make peers dead: rounds must go unanswered too');
    await waitFor(() => a.down().size === 2, '10 unanswered rounds', 10_000);
    assert.equal([...a.down()].sort(), ['b', 'c']);
    assert.ok(a.isolated());
  } finally {
    await a.close();
  }
});

test.run();
