/**
 * Recent verdicts of the external guard, by a digest of the text (the text itself is never
 * kept). Bounded (least recently used goes first) with a time to live; time is passed in.
 *
 * Worked example, TTL 300 s, 10,000 entries: a support bot whose users paste the same unsure
 * sentence 50 times a minute asks the guard once per 5 minutes for it; a flood of distinct texts
 * costs at most 10,000 × ~120 B of memory and evicts the oldest first.
 */

export type GuardVerdict = 'allow' | 'reject';

interface Entry {
  readonly verdict: GuardVerdict;
  readonly expiresAt: number;
}

export class VerdictCache {
  private readonly maxEntries: number;
  private readonly entries = new Map<string, Entry>();

  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`verdict cache size must be a positive integer, got ${maxEntries}`);
    }
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached verdict at `now`, or undefined (expired entries are dropped). */
  get(key: string, now: number): GuardVerdict | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (now >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    // Most recently used last: Map keeps insertion order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.verdict;
  }

  set(key: string, verdict: GuardVerdict, now: number, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { verdict, expiresAt: now + ttlMs });
    while (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value!);
    }
  }
}
