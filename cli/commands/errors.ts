// How any failure becomes the one line on stderr, as kubectl words it.

import { ConnectionError } from '../../api/client.ts';
import { ApiError } from '../../api/errors.ts';

export function formatError(err: unknown): string {
  if (err instanceof ConnectionError) return err.message;
  if (err instanceof ApiError) return `Error from server (${err.reason}): ${err.message}`;
  if (err instanceof Error) {
    // A proxy mode this host cannot run (agent/proxy/registry.ts): the issue's one line.
    if ((err as { code?: unknown }).code === 'PROXY_MODE_UNAVAILABLE') return `minik: ${err.message}`;
    const sys = err as NodeJS.ErrnoException & { address?: string; port?: number };
    if (sys.code === 'EADDRINUSE') {
      const where = sys.address ? `${sys.address}${sys.port ? `:${sys.port}` : ''}` : 'the address';
      return `error: ${where} is already in use (a running lab or another apiserver?): pick a free one with --listen HOST:PORT`;
    }
    // cac's parse errors, reworded as kubectl's.
    if (err.name === 'CACError') {
      const unknown = /^Unknown option `(.+)`$/.exec(err.message);
      if (unknown) return `error: unknown flag: ${unknown[1]}`;
      return `error: ${err.message}`;
    }
    return `error: ${err.message}`;
  }
  return `error: ${String(err)}`;
}
