import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FileLeaseStore, Ipam, IpamError, MemoryLeaseStore } from './ipam.ts';

const pod = (name: string, namespace = 'default') => ({ namespace, name });

test('hands out .2 first, never .0, .1 or broadcast, and is stable per pod', () => {
  const ipam = new Ipam('10.244.1.0/29', new MemoryLeaseStore());
  const ips = ['a', 'b', 'c', 'd', 'e'].map((n) => ipam.allocate(pod(n)));
  assert.equal(ips, ['10.244.1.2', '10.244.1.3', '10.244.1.4', '10.244.1.5', '10.244.1.6']);
  assert.is(ipam.allocate(pod('c')), '10.244.1.4');
});

test('exhaustion throws IPAM_EXHAUSTED; a release makes room again', () => {
  const ipam = new Ipam('10.244.1.0/30', new MemoryLeaseStore());
  assert.is(ipam.allocate(pod('only')), '10.244.1.2');
  try {
    ipam.allocate(pod('second'));
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.instance(err, IpamError);
    assert.is((err as IpamError).code, 'IPAM_EXHAUSTED');
    assert.match((err as Error).message, '10.244.1.0/30');
  }
  ipam.release(pod('only'));
  assert.is(ipam.allocate(pod('second')), '10.244.1.2');
});

test('a released address is not reused at once while others are free', () => {
  const ipam = new Ipam('10.244.1.0/24', new MemoryLeaseStore());
  ipam.allocate(pod('a'));
  ipam.release(pod('a'));
  assert.is(ipam.allocate(pod('b')), '10.244.1.3');
});

test('same pod name in two namespaces gets two addresses', () => {
  const ipam = new Ipam('10.244.1.0/24', new MemoryLeaseStore());
  assert.is.not(ipam.allocate(pod('x', 'a')), ipam.allocate(pod('x', 'b')));
});

test('file leases persist: a new Ipam (agent restart) gives the same pods the same IPs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mkpod-ipam-'));
  try {
    const first = new Ipam('10.244.2.0/24', new FileLeaseStore(dir));
    const a = first.allocate(pod('a'));
    const b = first.allocate(pod('b', 'kube-system'));
    assert.is(readFileSync(join(dir, 'pods/kube-system_b/ip'), 'utf8').trim(), b);

    const second = new Ipam('10.244.2.0/24', new FileLeaseStore(dir));
    assert.is(second.lookup(pod('a')), a);
    assert.is(second.allocate(pod('b', 'kube-system')), b);
    const c = second.allocate(pod('c'));
    assert.not.ok([a, b].includes(c), 'new pod does not get a leased address');

    second.release(pod('a'));
    const third = new Ipam('10.244.2.0/24', new FileLeaseStore(dir));
    assert.is(third.lookup(pod('a')), undefined);
    assert.equal(third.leases().map((l) => l.name).sort(), ['b', 'c']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('leases outside the pod CIDR (node got a new CIDR) or on reserved addresses are dropped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mkpod-ipam-'));
  try {
    for (const [name, ip] of [['old', '10.244.9.7'], ['gw', '10.244.2.1'], ['ok', '10.244.2.9'], ['dup', '10.244.2.9']]) {
      mkdirSync(join(dir, 'pods', `default_${name}`), { recursive: true });
      writeFileSync(join(dir, 'pods', `default_${name}`, 'ip'), `${ip}\n`);
    }
    const ipam = new Ipam('10.244.2.0/24', new FileLeaseStore(dir));
    assert.is(ipam.leases().length, 1);
    assert.is(ipam.leases()[0].ip, '10.244.2.9');
    assert.is(new FileLeaseStore(dir).list().length, 1, 'void leases removed from disk');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
