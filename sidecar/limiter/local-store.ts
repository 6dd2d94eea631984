/**
 * In-memory GCRA store: the embedded default (file mode, one replica) and the local-share
 * fallback while Redis is unreachable. Same arithmetic as the Redis script (gcra.ts).
 */
import { type GcraState, gcra, type RateLimit } from './gcra.ts';
import type { LimitDecision, RateStore } from './store.ts';

export class LocalRateStore implements RateStore {
  private readonly states = new Map<string, GcraState>();
  private readonly now: () => number;
  private takes = 0;

  constructor(now: () => number) {
    this.now = now;
  }

  take(key: string, rate: RateLimit): LimitDecision {
    const now = this.now();
    const d = gcra(rate, this.states.get(key), now);
    if (d.allowed) this.states.set(key, d.state);
    // Every 4,096 takes drop states whose TAT has passed (they equal a fresh key): bounded memory.
    if ((++this.takes & 4095) === 0) this.sweep(now);
    return d;
  }

  size(): number {
    return this.states.size;
  }

  clear(): void {
    this.states.clear();
  }

  private sweep(now: number): void {
    for (const [key, s] of this.states) if (s.tat <= now) this.states.delete(key);
  }
}
