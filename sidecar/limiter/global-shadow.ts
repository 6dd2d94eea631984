/**
 * What this replica last heard from Redis about each tenant's GCRA state, on its own monotonic
 * clock: the TAT is `now + resetMs` of the last answer (resetMs is the TAT's distance from Redis
 * TIME when the script ran, so the reply's return trip only makes the copy later — on the strict
 * side). When Redis becomes unreachable, the limiter starts its local share from this copy
 * instead of a full bucket (docs/adr/0015-exact-under-pressure.md): a tenant that had spent its
 * burst globally does not get a fresh one per replica.
 *
 * Other replicas may have admitted more since this replica's last answer, so the copy can only be
 * stale toward "less spent"; the local share then admits at most its own burst share too many.
 * Memory: one entry per tenant seen recently; entries whose TAT has passed equal a full bucket and
 * are swept every 4,096 updates.
 */
import type { GcraState, RateLimit } from './gcra.ts';

interface Known {
  state: GcraState;
  rate: RateLimit;
}

export class GlobalShadow {
  private readonly known = new Map<string, Known>();
  private readonly now: () => number;
  private updates = 0;

  constructor(now: () => number) {
    this.now = now;
  }

  /** Records a Redis answer: the tenant's TAT lies `resetMs` ahead. */
  heard(key: string, rate: RateLimit, resetMs: number): void {
    const now = this.now();
    if (resetMs > 0)
      this.known.set(key, { state: { tat: now + resetMs, interval: rate.windowMs / rate.limit }, rate });
    else this.known.delete(key);
    if ((++this.updates & 4095) === 0) {
      for (const [k, v] of this.known) if (v.state.tat <= now) this.known.delete(k);
    }
  }

  /** States still ahead of now. */
  *ahead(): IterableIterator<[key: string, state: GcraState, rate: RateLimit]> {
    const now = this.now();
    for (const [key, v] of this.known) if (v.state.tat > now) yield [key, v.state, v.rate];
  }

  forget(key: string): void {
    this.known.delete(key);
  }

  clear(): void {
    this.known.clear();
  }

  size(): number {
    return this.known.size;
  }
}
