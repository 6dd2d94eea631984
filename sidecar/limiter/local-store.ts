/**
 * In-memory GCRA store: the embedded default (file mode, one replica) and the local-share
 * fallback while Redis is unreachable. Same arithmetic as the Redis script (gcra.ts). Each state
 * keeps the rate it was last taken with, so the limiter can charge what a replica admitted alone
 * back to Redis when it returns (limiter.ts, docs/adr/0015-exact-under-pressure.md).
 */
import { type GcraState, gcra, type RateLimit } from './gcra.ts';
import type { LimitDecision, RateStore } from './store.ts';

interface Entry {
  state: GcraState;
  /** The global rate this state's admissions are charged back at (the taken rate by default). */
  rate: RateLimit;
  /** The TAT it was seeded with from the last global state (its debt is already in Redis). */
  seedTat?: number;
}

/** A state that still owes requests, as owing() yields it. */
export interface Owing {
  key: string;
  state: GcraState;
  rate: RateLimit;
  seedTat: number | undefined;
}

export class LocalRateStore implements RateStore {
  private readonly states = new Map<string, Entry>();
  private readonly now: () => number;
  private takes = 0;

  constructor(now: () => number) {
    this.now = now;
  }

  /** One admission attempt; `global` is the rate `rate` is a local share of, if it is one. */
  take(key: string, rate: RateLimit, global: RateLimit = rate): LimitDecision {
    const now = this.now();
    const entry = this.states.get(key);
    const d = gcra(rate, entry?.state, now);
    if (d.allowed) this.states.set(key, { state: d.state, rate: global, seedTat: entry?.seedTat });
    // Every 4,096 takes drop states whose TAT has passed (they equal a fresh key): bounded memory.
    if ((++this.takes & 4095) === 0) this.sweep(now);
    return d;
  }

  /** Starts `key` from a known state (the last global one, as this replica's share). */
  seed(key: string, state: GcraState, global: RateLimit): void {
    const rate = global;
    if (state.tat > this.now()) this.states.set(key, { state, rate, seedTat: state.tat });
  }

  /** States still ahead of now, with their global rate and seed. */
  *owing(): IterableIterator<Owing> {
    const now = this.now();
    for (const [key, e] of this.states) {
      if (e.state.tat > now) yield { key, state: e.state, rate: e.rate, seedTat: e.seedTat };
    }
  }

  size(): number {
    return this.states.size;
  }

  clear(): void {
    this.states.clear();
  }

  private sweep(now: number): void {
    for (const [key, e] of this.states) if (e.state.tat <= now) this.states.delete(key);
  }
}
