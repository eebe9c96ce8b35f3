// Waiting for the lab to come up: the apiserver's /readyz, then every node's
// Ready condition over REST. A minimal client of its own (fetch + Bearer), so
// the lab does not wait for the full CLI client; `up` takes the node wait as
// an injected function anyway. Both verify the apiserver's certificate
// against the lab's CA, which the apiserver writes at its first start: until
// that file exists, the apiserver is simply not ready yet.

import { readFileSync } from 'node:fs';
import { fetchFor, type FetchLike } from '../../api/tls-fetch.ts';
import { LabError } from './errors.ts';

/** `opts` is optional: a waiter that ignores it still works (up also races it against the daemons). */
export type WaitForReady = (server: string, token: string, nodeNames: string[], timeoutMs: number, opts?: PollOptions) => Promise<void>;

export interface PollOptions {
  intervalMs?: number;
  /** Checked between polls: a reason to stop waiting at once (the daemon died). */
  giveUpIf?: () => string | undefined;
  /** PEM file of the CA to verify the apiserver with, read on each attempt until it exists. */
  caFile?: string;
  /** Per request (default 2 s); an apiserver in a software-emulated VM needs more. */
  requestTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll<T>(timeoutMs: number, opts: PollOptions, attempt: () => Promise<T | undefined>): Promise<T | string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = opts.giveUpIf?.();
    if (reason) return reason;
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return '';
    await sleep(opts.intervalMs ?? 100);
  }
}

/** One fetch per CA text, so its keep-alive connection is reused across polls. */
function caFetcher(caFile: string | undefined): () => FetchLike {
  let pem: string | undefined;
  let fetcher: FetchLike | undefined;
  return () => {
    if (!caFile) return (fetcher ??= fetchFor(undefined));
    let text: string;
    try {
      text = readFileSync(caFile, 'utf8');
    } catch (err) {
      throw new Error(`no CA at ${caFile} yet (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (text !== pem || !fetcher) [pem, fetcher] = [text, fetchFor(text)];
    return fetcher;
  };
}

async function get(fetcher: () => FetchLike, url: string, token?: string, timeoutMs = 2000): Promise<Response> {
  return fetcher()(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(timeoutMs),
  });
}

/** Resolves when GET <server>/readyz answers 200. */
export async function waitForApiserver(server: string, timeoutMs: number, opts: PollOptions = {}): Promise<void> {
  let last = 'no answer yet';
  const fetcher = caFetcher(opts.caFile);
  const result = await poll(timeoutMs, opts, async () => {
    try {
      const res = await get(fetcher, `${server}/readyz`, undefined, opts.requestTimeoutMs);
      if (res.ok) return true;
      last = `/readyz answered ${res.status}: ${(await res.text()).slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).cause ? String(((err as Error).cause as Error).message ?? (err as Error).cause) : (err as Error).message;
    }
    return undefined;
  });
  if (result === true) return;
  throw new LabError('LAB_APISERVER_NOT_READY', result || `apiserver at ${server} not ready after ${timeoutMs / 1000} s (${last})`);
}

interface NodeLike {
  metadata?: { name?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/** Names of the nodes in a NodeList whose Ready condition is True. */
export function readyNodeNames(list: { items?: NodeLike[] }): string[] {
  return (list.items ?? [])
    .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((n) => n.metadata?.name ?? '')
    .filter(Boolean);
}

/** Resolves when every node of `nodeNames` is Ready (GET /api/v1/nodes). */
export async function waitForNodesReady(
  server: string,
  token: string,
  nodeNames: string[],
  timeoutMs: number,
  opts: PollOptions = {},
): Promise<void> {
  let notReady = [...nodeNames];
  let last = '';
  const fetcher = caFetcher(opts.caFile);
  const result = await poll(timeoutMs, opts, async () => {
    try {
      const res = await get(fetcher, `${server}/api/v1/nodes`, token, opts.requestTimeoutMs);
      if (res.status === 401) throw new LabError('LAB_NODES_NOT_READY', `the apiserver at ${server} refused the lab's token (401)`);
      if (!res.ok) {
        last = `GET /api/v1/nodes answered ${res.status}`;
        return undefined;
      }
      const ready = new Set(readyNodeNames((await res.json()) as { items?: NodeLike[] }));
      notReady = nodeNames.filter((n) => !ready.has(n));
      return notReady.length === 0 ? true : undefined;
    } catch (err) {
      if (err instanceof LabError) throw err;
      last = (err as Error).message;
      return undefined;
    }
  });
  if (result === true) return;
  throw new LabError(
    'LAB_NODES_NOT_READY',
    result || `nodes not Ready after ${timeoutMs / 1000} s: ${notReady.join(', ')}${last ? ` (${last})` : ''}`,
  );
}
