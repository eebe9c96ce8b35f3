// `minik apiserver`: opens the store, bootstraps, serves REST over HTTPS and
// gRPC over TLS (certificates from tls.ts), and watches node liveness.
// Returns a handle so tests run it in-process.

import { mkdir } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import { CLUSTER } from '../api/layout.ts';
import { allocatorConfig } from './allocators/allocators.ts';
import { createApp } from './app.ts';
import { loadOrCreateToken } from './auth.ts';
import { bootstrap } from './bootstrap.ts';
import type { ApiserverOptions } from './options.ts';
import { Nodes } from './registry/nodes.ts';
import { fileLogReader } from './rest/pod-log.ts';
import { Registry } from './registry/registry.ts';
import { openLevel } from './store/kv.ts';
import { Store } from './store/store.ts';
import { loadOrCreateTls, servingSans, type ServingTls } from './tls.ts';

export interface RunningApiserver {
  token: string;
  /** `https://host:port` of each REST listener, the first being --listen. */
  urls: string[];
  /** The CA clients must trust (PEM) and the file it is in. */
  ca: string;
  caFile: string;
  /** What this start issued (see tls.ts). */
  tlsIssued: ServingTls['issued'];
  /** `host:port` of each gRPC listener. */
  grpcAddresses: string[];
  registry: Registry;
  nodes: Nodes;
  close(): Promise<void>;
}

export async function startApiserver(options: ApiserverOptions): Promise<RunningApiserver> {
  const [{ serve }, { startGrpcServer }] = await Promise.all([import('@hono/node-server'), import('./grpc/server.ts')]);
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const token = await loadOrCreateToken(options.tokenFile);
  const tls = await loadOrCreateTls(options.dataDir, servingSans([...options.listen, ...options.grpcListen].map((a) => a.host)));
  const store = await Store.open(await openLevel(`${options.dataDir}/db`));
  const allocators = allocatorConfig({
    serviceCidr: options.serviceCidr,
    nodePortRange: options.nodePortRange,
    lbPool: options.lbPool,
    clusterCidr: options.clusterCidr,
    dnsServiceIp: CLUSTER.dnsServiceIp,
  });
  const registry = new Registry(store, allocators);
  await bootstrap(registry, CLUSTER.dnsServiceIp);
  const nodes = new Nodes(registry, allocators);
  nodes.start();

  const app = createApp(registry, { token, podLogs: fileLogReader(options.nodeStateRoot ?? `${dirname(options.dataDir)}/nodes`) });
  const httpServers = await Promise.all(
    options.listen.map(
      (addr) =>
        new Promise<ReturnType<typeof serve>>((resolve, reject) => {
          const server = serve(
            {
              fetch: app.fetch,
              hostname: addr.host,
              port: addr.port,
              createServer: createHttpsServer,
              serverOptions: { cert: tls.certPem, key: tls.keyPem },
            },
            () => resolve(server),
          );
          server.once('error', reject);
        }),
    ),
  );
  const grpcServers = await Promise.all(
    options.grpcListen.map((addr) => startGrpcServer({
        listen: `${addr.host}:${addr.port}`,
        source: store,
        nodes,
        token,
        tls: { certPem: tls.certPem, keyPem: tls.keyPem },
      })),
  );

  const hostOf = (host: string) => (host.includes(':') ? `[${host}]` : host);
  return {
    token,
    ca: tls.caPem,
    caFile: tls.caFile,
    tlsIssued: tls.issued,
    urls: httpServers.map((s, i) => `https://${hostOf(options.listen[i].host)}:${(s.address() as AddressInfo).port}`),
    grpcAddresses: grpcServers.map((g, i) => `${hostOf(options.grpcListen[i].host)}:${g.port}`),
    registry,
    nodes,
    async close() {
      nodes.stop();
      await Promise.all(grpcServers.map((g) => g.close()));
      await Promise.all(httpServers.map((s) => new Promise<void>((r) => s.close(() => r()))));
      await store.close();
    },
  };
}
