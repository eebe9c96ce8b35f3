// A client for Kubernetes' REST watch (`GET <list path>?watch=true`): a
// stream of newline-delimited JSON `{"type":"ADDED|MODIFIED|DELETED|ERROR|BOOKMARK","object":{...}}`
// events. Used by `minik get -w`; agents watch over gRPC instead.

import { ApiError } from './errors.ts';
import type { FetchLike } from './client.ts';
import { ConnectionError } from './client.ts';
import type { KubeObject, Status } from './types.ts';

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

export interface RestWatchOptions {
  server: string;
  token?: string;
  fetch?: FetchLike;
  /** A list path: `/api/v1/namespaces/default/services`. */
  path: string;
  /** labelSelector, resourceVersion (events after the list the caller printed). */
  query?: Record<string, string | undefined>;
  signal?: AbortSignal;
  onEvent(event: WatchEvent): void;
}

/** Splits a byte stream into lines; the last, unfinished line waits for more. */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; end(): void } {
  let buffer = '';
  return {
    push(chunk) {
      buffer += chunk;
      let at: number;
      while ((at = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, at).trim();
        buffer = buffer.slice(at + 1);
        if (line) onLine(line);
      }
    },
    end() {
      if (buffer.trim()) onLine(buffer.trim());
      buffer = '';
    },
  };
}

/** Resolves when the server ends the stream or `signal` aborts; rejects on an ERROR event or a failed request. */
export async function watchRest(options: RestWatchOptions): Promise<void> {
  const params = new URLSearchParams({ watch: 'true' });
  for (const [k, v] of Object.entries(options.query ?? {})) if (v) params.set(k, v);
  const url = `${options.server.replace(/\/+$/, '')}${options.path}?${params}`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  let response: Response;
  try {
    response = await doFetch(url, { headers, signal: options.signal });
  } catch (err) {
    if (options.signal?.aborted) return;
    throw new ConnectionError(`${(err as Error).message} (${options.server})`);
  }
  if (!response.ok) {
    const text = await response.text();
    let status: Partial<Status> | undefined;
    try {
      status = JSON.parse(text) as Partial<Status>;
    } catch {
      status = undefined;
    }
    if (status?.kind === 'Status') throw ApiError.fromStatus({ ...status, code: status.code ?? response.status }, response.status);
    throw ApiError.fromStatus({ code: response.status, message: text.trim() || `watch failed with status ${response.status}` }, response.status);
  }
  if (!response.body) return;
  let failure: Error | undefined;
  const lines = lineSplitter((line) => {
    if (failure) return;
    let event: { type?: string; object?: KubeObject };
    try {
      event = JSON.parse(line);
    } catch {
      failure = new Error(`the watch stream sent something that is not JSON: ${line.slice(0, 80)}`);
      return;
    }
    if (event.type === 'ERROR') {
      const s = event.object as unknown as Partial<Status>;
      failure = ApiError.fromStatus({ ...s, code: s?.code ?? 500 }, s?.code ?? 500);
      return;
    }
    if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') options.onEvent(event as WatchEvent);
    // BOOKMARK and anything newer: nothing to show.
  });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  try {
    while (!failure) {
      const { done, value } = await reader.read();
      if (done) break;
      lines.push(decoder.decode(value, { stream: true }));
    }
    lines.end();
  } catch (err) {
    if (!options.signal?.aborted) throw err;
  } finally {
    reader.releaseLock();
  }
  if (failure) throw failure;
}
