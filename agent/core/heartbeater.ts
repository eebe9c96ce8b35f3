// Heartbeats tell the apiserver this node is Ready. They are only sent while
// the node really is: when `unhealthy()` names a reason (the watch stopped,
// the data plane has failed to sync for a while) the heartbeater stays quiet,
// so the apiserver marks the node NotReady after three missed beats, and
// resumes when the reason is gone. A NotFound (someone deleted the Node)
// re-registers; any other failure is logged once per streak, not swallowed.

import { isApiError } from '../../api/errors.ts';
import { type Clock, realClock } from './clock.ts';

import { HEARTBEAT_INTERVAL_MS } from '../../api/layout.ts';

export interface HeartbeaterOptions {
  beat(): Promise<void>;
  /** The Node is gone: register it again. */
  reregister(): Promise<void>;
  /** Why the node must not be called Ready now, or undefined when it may. */
  unhealthy(): string | undefined;
  log(line: string): void;
  clock?: Clock;
  intervalMs?: number;
}

export class Heartbeater {
  private cancel?: () => void;
  private stopped = false;
  private lastProblem = '';
  private beating?: Promise<void>;
  private readonly clock: Clock;

  constructor(private readonly options: HeartbeaterOptions) {
    this.clock = options.clock ?? realClock;
  }

  start(): void {
    this.schedule();
  }

  /** One round now (tests; the timer calls the same). */
  async tick(): Promise<void> {
    const why = this.options.unhealthy();
    if (why) {
      this.problem(`not reporting Ready: ${why}`);
      return;
    }
    try {
      await this.options.beat();
      if (this.lastProblem) this.options.log('heartbeats: Ready again');
      this.lastProblem = '';
    } catch (err) {
      if (isApiError(err, 'NotFound')) {
        this.problem('heartbeat: the Node is gone; registering again');
        try {
          await this.options.reregister();
        } catch (again) {
          this.problem(`registering again failed: ${(again as Error).message}`);
        }
        return;
      }
      this.problem(`heartbeat failed: ${(err as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    await this.beating;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancel = this.clock.setTimeout(() => {
      this.beating = this.tick().finally(() => {
        this.beating = undefined;
        this.schedule();
      });
    }, this.options.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  }

  private problem(line: string): void {
    if (line !== this.lastProblem) this.options.log(line);
    this.lastProblem = line;
  }
}
