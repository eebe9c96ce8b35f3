// The agent's control half, apart from what it programs: the watch into a
// cache, the sync loop fed by it, and heartbeats that report Ready only while
// the node is in step with the cluster. Data-plane work is the `sync`
// callback, so this part is tested against fakes (control.test.ts) and the
// real apiserver alike, and the 100-agent benchmark runs it as is.
//
// What cannot get better by waiting is fatal: the watch stopping for good
// (a rejected token, say) or the Node coming back with another pod CIDR.
// Then heartbeats stop at once (the apiserver marks the node NotReady) and
// `fatal` resolves with one clear line; `minik agent` exits with it so its
// supervisor (`minik up`, systemd) restarts it into a consistent state.

import type { RegisterRequest } from '../../api/grpc-client.ts';
import type { Kind } from '../../api/resources.ts';
import type { AnyObject, Node } from '../../api/types.ts';
import { WatchCache } from '../../api/watch-cache.ts';
import type { WatchOptions } from '../../api/watch-client.ts';
import { type Clock, realClock } from './clock.ts';
import { Heartbeater } from './heartbeater.ts';
import { isHeartbeatOnly } from './node-change.ts';
import { SyncLoop } from './sync-loop.ts';

/** A data plane that has failed to sync for this long is stale: the node stops reporting Ready. */
export const STALE_AFTER_MS = 5_000;

export class FatalAgentError extends Error {
  constructor(
    readonly code: 'WATCH_STOPPED' | 'POD_CIDR_CHANGED',
    message: string,
  ) {
    super(message);
    this.name = 'FatalAgentError';
  }
}

export interface NodeService {
  register(request: RegisterRequest): Promise<Node>;
  heartbeat(name: string): Promise<void>;
}

export type WatchStarter = (options: Pick<WatchOptions, 'kinds' | 'onEvent' | 'onRelist' | 'onSynced' | 'onError'>) => { close(): void };

export interface ControlOptions {
  /** The Node as registered (its podCIDR is what the node network was built for). */
  node: Node;
  registration: RegisterRequest;
  nodeService: NodeService;
  watch: WatchStarter;
  kinds: readonly Kind[];
  /** Makes the node match the cache; `changed` names the kinds that moved. */
  sync(changed: Set<Kind>, cache: WatchCache): Promise<void>;
  /** Each watch event, before the sync it schedules (incremental consumers). */
  onEvent?(kind: Kind, cache: WatchCache, object?: AnyObject): void;
  log(line: string): void;
  clock?: Clock;
  staleAfterMs?: number;
  heartbeatMs?: number;
  coalesceMs?: number;
  retryMs?: number;
}

export interface Control {
  readonly cache: WatchCache;
  readonly loop: SyncLoop<Kind>;
  readonly heartbeater: Heartbeater;
  /** Resolves with the reason once the agent cannot go on (never rejects). */
  readonly fatal: Promise<FatalAgentError>;
  /** Why the node is not reported Ready now, or undefined. */
  unhealthy(): string | undefined;
  close(): Promise<void>;
}

export function startControl(options: ControlOptions): Control {
  const clock = options.clock ?? realClock;
  const cache = new WatchCache();
  const podCIDR = options.node.spec.podCIDR;
  let fatalError: FatalAgentError | undefined;
  let resolveFatal!: (err: FatalAgentError) => void;
  const fatal = new Promise<FatalAgentError>((resolve) => (resolveFatal = resolve));
  const die = (err: FatalAgentError) => {
    if (fatalError) return;
    fatalError = err;
    options.log(err.message);
    resolveFatal(err);
  };

  const loop = new SyncLoop<Kind>({
    sync: (changed) => options.sync(changed, cache),
    log: options.log,
    clock,
    coalesceMs: options.coalesceMs,
    retryMs: options.retryMs,
  });

  const unhealthy = (): string | undefined => {
    if (fatalError) return fatalError.message;
    const since = loop.failingSinceMs;
    const staleAfter = options.staleAfterMs ?? STALE_AFTER_MS;
    if (since !== undefined && clock.now() - since >= staleAfter) {
      return `the data plane has not synced for ${Math.round((clock.now() - since) / 1000)} s (${loop.lastFailure})`;
    }
    return undefined;
  };

  const heartbeater = new Heartbeater({
    beat: () => options.nodeService.heartbeat(options.registration.name),
    async reregister() {
      const node = await options.nodeService.register({ ...options.registration, podCIDR });
      if (node.spec.podCIDR !== podCIDR) {
        die(new FatalAgentError('POD_CIDR_CHANGED', `node ${options.registration.name} was registered again with pod CIDR ${node.spec.podCIDR}, but its bridge and pods use ${podCIDR}: restart the agent to re-address them`));
      } else {
        options.log(`registered ${options.registration.name} again, keeping pod CIDR ${podCIDR}`);
      }
    },
    unhealthy,
    log: options.log,
    clock,
    intervalMs: options.heartbeatMs,
  });

  let first = true;
  const handle = options.watch({
    kinds: options.kinds,
    onEvent: (event) => {
      const before = event.type === 'MODIFIED' ? cache.get(event.kind, event.object.metadata.namespace, event.object.metadata.name) : undefined;
      cache.apply(event);
      if (isHeartbeatOnly(before, event.object)) return; // the apiserver's periodic status report: nothing to program
      options.onEvent?.(event.kind, cache, event.object);
      loop.mark(event.kind);
    },
    onRelist: (snapshot) => {
      options.log(`relisting at revision ${snapshot.revision}`);
      cache.replace(snapshot);
      for (const kind of options.kinds) options.onEvent?.(kind, cache);
      loop.mark(...options.kinds);
    },
    onSynced: () => {
      if (first) loop.start(...options.kinds);
      first = false;
    },
    onError: (err, willRetry) => {
      if (willRetry) options.log(`watch: ${err.message} (retrying)`);
      else die(new FatalAgentError('WATCH_STOPPED', `watch stopped for good: ${err.message}; the node stops reporting Ready`));
    },
  });
  heartbeater.start();

  return {
    cache,
    loop,
    heartbeater,
    fatal,
    unhealthy,
    async close() {
      handle.close();
      await heartbeater.stop();
      await loop.close();
    },
  };
}
