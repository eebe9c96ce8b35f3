// Registering the node. An agent often starts before its apiserver answers
// (boot order, a restarting server): "cannot reach" is retried with capped,
// jittered backoff and logged once per distinct failure; an answer that
// cannot improve by waiting (wrong token, invalid name) fails at once.

import { isApiError } from '../../api/errors.ts';
import type { RegisterRequest } from '../../api/grpc-client.ts';
import type { Node } from '../../api/types.ts';
import { backoffDelay } from '../../api/watch-client.ts';
import { type Clock, realClock, sleep } from './clock.ts';

export interface RegisterOptions {
  register(request: RegisterRequest): Promise<Node>;
  log(line: string): void;
  clock?: Clock;
  initialMs?: number;
  maxMs?: number;
  /** Stop retrying (agent shutting down). */
  cancelled?(): boolean;
  random?: () => number;
}

export const REGISTER_BACKOFF = { initialMs: 200, maxMs: 5_000 };

export async function registerWithRetry(request: RegisterRequest, options: RegisterOptions): Promise<Node> {
  const clock = options.clock ?? realClock;
  let failures = 0;
  let last = '';
  for (;;) {
    try {
      const node = await options.register(request);
      if (failures) options.log(`registered after ${failures} failed attempts`);
      return node;
    } catch (err) {
      if (!isApiError(err, 'ServiceUnavailable') || options.cancelled?.()) throw err;
      failures += 1;
      const message = (err as Error).message;
      if (message !== last) options.log(`register: ${message} (retrying with backoff)`);
      last = message;
      await sleep(clock, backoffDelay(failures, options.initialMs ?? REGISTER_BACKOFF.initialMs, options.maxMs ?? REGISTER_BACKOFF.maxMs, options.random));
    }
  }
}
