// An in-process apiserver for tests: the real registry and REST app over the
// in-memory store twin. `request` goes through app.request(), no sockets.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLUSTER } from '../api/layout.ts';
import { allocatorConfig } from './allocators/allocators.ts';
import { createApp } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import { Registry } from './registry/registry.ts';
import type { KvDb } from './store/kv.ts';
import { MemoryKv } from './store/memory-kv.ts';
import { Store } from './store/store.ts';
import { loadOrCreateTls, servingSans, type ServingTls } from './tls.ts';

export const TEST_TOKEN = 'test-token';

/** `kv`: the database to open (another instance's, to test a restart); a fresh MemoryKv by default. */
export async function testApiserver(overrides: Partial<Parameters<typeof allocatorConfig>[0]> = {}, kv: KvDb = new MemoryKv()) {
  // Objects that do not decode are reported by the store's own tests; here they would only be noise.
  const store = await Store.open(kv, { onUndecodable: () => {} });
  const allocators = allocatorConfig({
    serviceCidr: CLUSTER.serviceCidr,
    nodePortRange: CLUSTER.nodePortRange,
    lbPool: CLUSTER.lbPool,
    clusterCidr: CLUSTER.clusterCidr,
    dnsServiceIp: CLUSTER.dnsServiceIp,
    ...overrides,
  });
  const registry = new Registry(store, allocators);
  await bootstrap(registry, CLUSTER.dnsServiceIp);
  const app = createApp(registry, { token: TEST_TOKEN });
  async function request(method: string, path: string, body?: unknown, token: string | null = TEST_TOKEN) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const res = await app.request(path, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, body: json };
  }
  return { store, registry, allocators, app, request, kv };
}

let sharedTls: Promise<ServingTls> | undefined;

/**
 * A CA and a serving certificate for 127.0.0.1/localhost, made once per test
 * process (in a temporary dir that is removed again), for tests that start
 * a gRPC or HTTPS server by hand: `startGrpcServer({ tls })`, clients with `ca`.
 */
export function testTls(): Promise<ServingTls> {
  sharedTls ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minik-test-tls-'));
    try {
      return await loadOrCreateTls(dir, servingSans(['127.0.0.1']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return sharedTls;
}
