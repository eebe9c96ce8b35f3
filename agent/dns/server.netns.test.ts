// The DNS server as a lab deploys it, asked by the system's own resolver:
// a namespace mkdns-t1 with 10.96.0.10 on its `lo`, the server bound there on
// port 53, and glibc (`getent`, run with `ip netns exec` so it reads
// /etc/netns/mkdns-t1/resolv.conf) using the search path and ndots:5 that pods
// get. Shows what the unit tests cannot: search-path expansion, PTR through
// getaddrinfo's reverse path, glibc's TCP retry after TC, and what an
// ExternalName lookup does in a lab without upstream DNS.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { netnsUnavailable, skipTest } from '../../e2e/support/skip.ts';

const NETNS = 'mkdns-t1';
const NETNS_ETC = `/etc/netns/${NETNS}`;
const DNS_IP = '10.96.0.10';
const unavailable = netnsUnavailable() ?? getentUnavailable();
const fixture = fileURLToPath(new URL('./testdata/serve-fixture.ts', import.meta.url));
let server: ChildProcess | undefined;

function getentUnavailable(): string | undefined {
  try {
    execFileSync('getent', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return "needs glibc's 'getent'";
  }
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** `getent` inside the namespace: its stdout, or `exit N` when the lookup failed. */
function getent(...args: string[]): string {
  try {
    return execFileSync('ip', ['netns', 'exec', NETNS, 'getent', ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).toString();
  } catch (err) {
    return `exit ${(err as { status?: number }).status}`;
  }
}

const addressesOf = (getentOutput: string) => [...new Set(getentOutput.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0]))].sort();

function teardown(): void {
  if (server?.pid) {
    try {
      process.kill(server.pid, 'SIGKILL');
    } catch {}
  }
  server = undefined;
  try {
    ip('netns', 'del', NETNS);
  } catch {}
  rmSync(NETNS_ETC, { recursive: true, force: true });
}

async function setup(): Promise<void> {
  teardown(); // a previous run that was killed may have left these behind
  ip('netns', 'add', NETNS);
  ip('-n', NETNS, 'link', 'set', 'lo', 'up');
  ip('-n', NETNS, 'addr', 'add', `${DNS_IP}/32`, 'dev', 'lo');
  mkdirSync(NETNS_ETC, { recursive: true });
  // What pods get (design: resolv.conf), with short timeouts so failures are quick.
  writeFileSync(
    `${NETNS_ETC}/resolv.conf`,
    `nameserver ${DNS_IP}\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:2 attempts:1\n`,
  );
  server = spawn('ip', ['netns', 'exec', NETNS, process.execPath, '--import', 'tsx', fixture, DNS_IP, '53'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`DNS fixture did not start: ${output}`)), 20_000);
    const onData = (d: Buffer) => {
      output += d;
      if (output.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    server!.stdout!.on('data', onData);
    server!.stderr!.on('data', (d: Buffer) => (output += d));
    server!.on('exit', (code) => reject(new Error(`DNS fixture exited with ${code}: ${output}`)));
  });
}

if (unavailable) {
  skipTest(test, 'cluster DNS in a network namespace, asked by glibc', unavailable);
} else {
  test.before(setup);
  test.after(teardown);

  test('a short service name resolves through the search path', () => {
    assert.equal(addressesOf(getent('ahostsv4', 'web')), ['10.96.0.20']);
    assert.equal(addressesOf(getent('ahostsv4', 'db.shop')), ['10.244.1.5', '10.244.2.7']);
    assert.equal(addressesOf(getent('ahostsv4', 'db-0.db.shop.svc.cluster.local')), ['10.244.1.5']);
  });

  test('an unknown name fails cleanly (NXDOMAIN on every search suffix)', () => {
    assert.is(getent('ahostsv4', 'nothing-here'), 'exit 2');
  });

  test('a reverse lookup of a cluster IP names the service', () => {
    assert.match(getent('hosts', '10.96.0.20'), /^10\.96\.0\.20\s+web\.default\.svc\.cluster\.local/);
  });

  test('a headless answer too big for 512 bytes arrives whole (glibc retries over TCP after TC)', () => {
    const addresses = addressesOf(getent('ahostsv4', 'big'));
    assert.is(addresses.length, 40);
    assert.ok(addresses.includes('10.244.9.40'));
  });

  test('ExternalName: the CNAME is served, the external name cannot resolve in a lab (no upstream)', () => {
    // glibc gets `ext.default.svc.cluster.local CNAME example.com` without an
    // address and does not chase it (seen with strace: one query, no more);
    // asked directly, example.com is REFUSED. Either way getaddrinfo fails.
    assert.is(getent('ahostsv4', 'example.com'), 'exit 2');
    assert.is(getent('ahostsv4', 'ext'), 'exit 2');
    // An ExternalName that points inside the cluster domain does resolve.
    const alias = getent('ahostsv4', 'alias');
    assert.equal(addressesOf(alias), ['10.96.0.20']);
    assert.match(alias, /web\.default\.svc\.cluster\.local/);
  });
}

test.run();
