// A stand-in for `minik apiserver` and `minik agent` with the same flags the
// lab passes, so the lab's e2e test runs `up` end to end (real namespaces,
// real nsenter, real traffic over the lab LAN) without the real daemons.
//
//   standin apiserver --listen H:P --extra-listen H:P --data-dir D --token-file F ...
//     serves over HTTPS with the real apiserver's certificates (apiserver/tls.ts,
//     CA in D/ca.crt) /readyz, GET /api/v1/nodes (Bearer) and POST /standin/heartbeat;
//     a node is Ready while it heartbeats; its InternalIP is the address the
//     heartbeat came from (so the test sees agents really crossed the LAN).
//   standin agent --server URL --token-file F --ca-file CA --node-name N ...
//     heartbeats every 200 ms, verifying the server against CA.
//
// Test support only: never part of the minik binary.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { trustingFetch } from '../../../api/tls-fetch.ts';
import { loadOrCreateTls, servingSans } from '../../../apiserver/tls.ts';

const HEARTBEAT_MS = 200;
const READY_WITHIN_MS = 1500;

function flags(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: false,
    options: {
      listen: { type: 'string' },
      'extra-listen': { type: 'string' },
      'token-file': { type: 'string' },
      'data-dir': { type: 'string' },
      'ca-file': { type: 'string' },
      server: { type: 'string' },
      'node-name': { type: 'string' },
      'node-ip': { type: 'string' },
    },
  }).values as Record<string, string | undefined>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => resolve(body));
  });
}

async function apiserver(f: Record<string, string | undefined>): Promise<void> {
  const tokenFile = f['token-file']!;
  if (!existsSync(tokenFile)) {
    mkdirSync(dirname(tokenFile), { recursive: true });
    writeFileSync(tokenFile, randomBytes(16).toString('hex') + '\n', { mode: 0o600 });
  }
  const token = readFileSync(tokenFile, 'utf8').trim();
  const seen = new Map<string, { at: number; from: string; nodeIp: string }>();

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/readyz' || req.url === '/healthz') return void res.writeHead(200).end('ok');
    if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end('{"kind":"Status","code":401}');
    if (req.method === 'POST' && req.url === '/standin/heartbeat') {
      const { node, nodeIp } = JSON.parse(await readBody(req)) as { node: string; nodeIp: string };
      seen.set(node, { at: Date.now(), from: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''), nodeIp });
      return void res.writeHead(204).end();
    }
    if (req.method === 'GET' && req.url?.startsWith('/api/v1/nodes')) {
      const items = [...seen].map(([name, s]) => ({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name },
        status: {
          addresses: [{ type: 'InternalIP', address: s.from }],
          conditions: [{ type: 'Ready', status: Date.now() - s.at < READY_WITHIN_MS ? 'True' : 'False' }],
        },
      }));
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', items }));
    }
    res.writeHead(404).end();
  };

  const servers: Server[] = [];
  const addrs = [f.listen, f['extra-listen']].filter((a): a is string => !!a);
  const hostOf = (addr: string) => addr.slice(0, addr.lastIndexOf(':'));
  const tls = await loadOrCreateTls(f['data-dir']!, servingSans(addrs.map(hostOf)));
  for (const addr of addrs) {
    const [host, port] = [hostOf(addr), Number(addr.slice(addr.lastIndexOf(':') + 1))];
    const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => void handler(req, res));
    server.on('error', (err) => {
      console.error(`standin apiserver: cannot listen on ${addr}: ${err.message}`);
      process.exit(1);
    });
    server.listen(port, host, () => console.log(`standin apiserver listening on ${addr}`));
    servers.push(server);
  }
  process.on('SIGTERM', () => {
    console.log('standin apiserver: SIGTERM');
    for (const s of servers) s.close();
    process.exit(0);
  });
}

function agent(f: Record<string, string | undefined>): void {
  const token = readFileSync(f['token-file']!, 'utf8').trim();
  const fetch = trustingFetch(readFileSync(f['ca-file']!, 'utf8'));
  const beat = async () => {
    try {
      await fetch(`${f.server}/standin/heartbeat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ node: f['node-name'], nodeIp: f['node-ip'] }),
        signal: AbortSignal.timeout(1000),
      });
    } catch (err) {
      console.error(`standin agent: heartbeat failed: ${(err as Error).message}`);
    }
  };
  void beat();
  setInterval(beat, HEARTBEAT_MS);
  console.log(`standin agent ${f['node-name']} heartbeating to ${f.server}`);
  process.on('SIGTERM', () => process.exit(0));
}

const [role, ...rest] = process.argv.slice(2);
if (role === 'apiserver') await apiserver(flags(rest));
else if (role === 'agent') agent(flags(rest));
else {
  console.error(`standin: unknown role "${role}" (apiserver|agent)`);
  process.exit(2);
}
