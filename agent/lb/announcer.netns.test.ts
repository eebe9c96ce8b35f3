// The Announcer against the real kernel: a "node" namespace `mklbt-PID-node`
// and a "neighbour" `mklbt-PID-peer` joined by a veth pair on 10.83.0.0/24 (never
// the host's namespace). Checks that the neighbour can reach the LB IP only
// while the node holds it, that gratuitous ARP rewrites the neighbour's
// cache, and that release leaves foreign addresses alone.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { netnsUnavailable, skipTest } from '../../e2e/support/skip.ts';
import { netnsExec, realExec } from '../../api/exec/exec.ts';
import { Announcer } from './announcer.ts';

// The pid keeps two runs of this file (parallel helpers, CI) from sharing namespaces.
const NODE = `mklbt-${process.pid}-node`;
const PEER = `mklbt-${process.pid}-peer`;
const NODE_IP = '10.83.0.11';
const PEER_IP = '10.83.0.2';
const LB_IP = '10.83.0.200';
const FAKE_MAC = '02:00:00:00:00:99';

const run = (argv: string[]) => execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const tryRun = (argv: string[]) => {
  try {
    return { ok: true, out: run(argv) };
  } catch (err) {
    return { ok: false, out: String((err as { stderr?: string }).stderr ?? err) };
  }
};
const inPeer = (argv: string[]) => tryRun(['ip', 'netns', 'exec', PEER, ...argv]);

function teardown(): void {
  for (const ns of [NODE, PEER]) tryRun(['ip', 'netns', 'del', ns]);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Namespaces an earlier run of this file left when it was killed (its pid is gone). */
function sweepLeftovers(): void {
  const names = (JSON.parse(run(['ip', '-j', 'netns', 'list']) || '[]') as { name: string }[]).map((n) => n.name);
  for (const name of names) {
    const pid = Number(name.match(/^mklbt-(\d+)-(node|peer)$/)?.[1]);
    if (pid && !alive(pid)) tryRun(['ip', 'netns', 'del', name]);
  }
}

function setup(): void {
  sweepLeftovers();
  teardown();
  for (const ns of [NODE, PEER]) {
    run(['ip', 'netns', 'add', ns]);
    run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  }
  run(['ip', '-n', NODE, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', PEER]);
  run(['ip', '-n', NODE, 'addr', 'add', `${NODE_IP}/24`, 'dev', 'eth0']);
  run(['ip', '-n', PEER, 'addr', 'add', `${PEER_IP}/24`, 'dev', 'eth0']);
  run(['ip', '-n', NODE, 'link', 'set', 'eth0', 'up']);
  run(['ip', '-n', PEER, 'link', 'set', 'eth0', 'up']);
  // The neighbour accepts a cache update at once (default: not within 1 s of the last one).
  run(['ip', 'netns', 'exec', PEER, 'sysctl', '-q', '-w', 'net.ipv4.neigh.eth0.locktime=0']);
}

const nodeMac = () => (JSON.parse(run(['ip', '-n', NODE, '-j', 'link', 'show', 'dev', 'eth0'])) as { address: string }[])[0].address;
const peerNeighbour = (ip: string) =>
  (JSON.parse(run(['ip', '-n', PEER, '-j', 'neigh', 'show', ip, 'dev', 'eth0']) || '[]') as { lladdr?: string; state?: string[] }[])[0];
const nodeAddrs = () =>
  (JSON.parse(run(['ip', '-n', NODE, '-j', 'addr', 'show', 'dev', 'eth0'])) as { addr_info: { family: string; local: string; label?: string }[] }[])[0].addr_info
    .filter((a) => a.family === 'inet')
    .map((a) => `${a.local} ${a.label}`);
const peerReaches = (ip: string) => inPeer(['ping', '-c', '1', '-W', '1', ip]).ok;

const unavailable = netnsUnavailable();
if (unavailable) {
  skipTest(test, 'LB announcer in real namespaces', unavailable);
} else {
  test.before(setup);
  test.after(teardown);

  test('sync adds a labelled /32 on the interface holding the node IP; the neighbour reaches it; release removes it', async () => {
    const announcer = new Announcer({ nodeIp: NODE_IP, exec: netnsExec(realExec, NODE) });
    assert.not.ok(peerReaches(LB_IP), 'nobody answers the LB IP before');
    await announcer.sync([LB_IP]);
    assert.ok(nodeAddrs().includes(`${LB_IP} eth0:mlb`), nodeAddrs().join(', '));
    assert.ok(peerReaches(LB_IP), 'the node answers ARP and ping for the LB IP');
    assert.is(peerNeighbour(LB_IP)?.lladdr, nodeMac());
    await announcer.releaseAll();
    assert.not.ok(nodeAddrs().some((a) => a.startsWith(`${LB_IP} `)));
    assert.equal(announcer.holding(), []);
  });

  test('gratuitous ARP rewrites a neighbour\'s stale cache entry (failover)', async () => {
    run(['ip', '-n', PEER, 'neigh', 'replace', LB_IP, 'lladdr', FAKE_MAC, 'dev', 'eth0', 'nud', 'stale']);
    assert.is(peerNeighbour(LB_IP)?.lladdr, FAKE_MAC);
    const announcer = new Announcer({ nodeIp: NODE_IP, exec: netnsExec(realExec, NODE) });
    await announcer.sync([LB_IP]);
    await announcer.settled();
    assert.is(peerNeighbour(LB_IP)?.lladdr, nodeMac(), 'the neighbour learnt the new holder without asking');
    await announcer.releaseAll();
  });

  test('a fresh announcer adopts labelled leftovers and never touches foreign addresses', async () => {
    run(['ip', '-n', NODE, 'addr', 'add', '10.83.0.201/32', 'dev', 'eth0', 'label', 'eth0:mlb']);
    run(['ip', '-n', NODE, 'addr', 'add', '10.83.0.202/32', 'dev', 'eth0']);
    const announcer = new Announcer({ nodeIp: NODE_IP, exec: netnsExec(realExec, NODE) });
    await announcer.sync(['10.83.0.203']);
    await announcer.settled();
    assert.equal(nodeAddrs().sort(), [`${NODE_IP} eth0`, '10.83.0.202 eth0', '10.83.0.203 eth0:mlb'].sort());
    await announcer.releaseAll();
    assert.equal(nodeAddrs().sort(), [`${NODE_IP} eth0`, '10.83.0.202 eth0'].sort());
  });

  test('only the holder answers ARP: the node does not answer for an LB IP it does not hold', async () => {
    const announcer = new Announcer({ nodeIp: NODE_IP, exec: netnsExec(realExec, NODE) });
    await announcer.sync(['10.83.0.210']);
    assert.ok(inPeer(['arping', '-c', '1', '-w', '2', '-I', 'eth0', '10.83.0.210']).ok, 'held: answered');
    assert.not.ok(inPeer(['arping', '-c', '1', '-w', '1', '-I', 'eth0', '10.83.0.211']).ok, 'not held: unanswered');
    await announcer.releaseAll();
    assert.not.ok(inPeer(['arping', '-c', '1', '-w', '1', '-I', 'eth0', '10.83.0.210']).ok, 'released: unanswered');
  });
}

test.run();
