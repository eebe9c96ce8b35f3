// Keeps the DNS server's state current beside the agent's sync loop rather
// than in it: watch events mark it dirty and one rebuild runs on the next
// turn of the event loop, coalescing a burst of events into one build. The
// proxier never waits for DNS, and DNS never waits for a failing proxier.

import type { Kind } from '../../api/resources.ts';
import type { Endpoints, Pod, Service } from '../../api/types.ts';
import type { WatchCache } from '../../api/watch-cache.ts';
import { buildDnsState, type DnsState } from './state.ts';

const DNS_KINDS: ReadonlySet<Kind> = new Set<Kind>(['Service', 'Endpoints', 'Pod']);

export interface DnsFeedOptions {
  domain: string;
  reverseCidrs: readonly string[];
  /** How the rebuild is deferred (tests run it at once). */
  defer?: (fn: () => void) => void;
}

export class DnsFeed {
  private current: DnsState;
  private pending?: WatchCache;
  private readonly defer: (fn: () => void) => void;
  /** Builds done so far (tests: coalescing). */
  builds = 0;

  constructor(private readonly options: DnsFeedOptions) {
    this.current = buildDnsState({ services: [], endpoints: [], pods: [], domain: options.domain, serial: 0, reverseCidrs: options.reverseCidrs });
    this.defer = options.defer ?? ((fn) => setImmediate(fn));
  }

  state(): DnsState {
    return this.current;
  }

  changed(kind: Kind, cache: WatchCache): void {
    if (!DNS_KINDS.has(kind)) return;
    const scheduled = this.pending !== undefined;
    this.pending = cache;
    if (!scheduled) this.defer(() => this.rebuild());
  }

  private rebuild(): void {
    const cache = this.pending;
    this.pending = undefined;
    if (!cache) return;
    this.builds += 1;
    this.current = buildDnsState({
      services: cache.list<Service>('Service'),
      endpoints: cache.list<Endpoints>('Endpoints'),
      pods: cache.list<Pod>('Pod'),
      domain: this.options.domain,
      serial: cache.revision,
      reverseCidrs: this.options.reverseCidrs,
    });
  }
}
