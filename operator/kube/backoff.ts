/**
 * Capped exponential backoff with full jitter (AWS architecture blog "Exponential Backoff and
 * Jitter"): delay = random(0, min(cap, base * 2^attempt)). Full jitter spreads the reconnects of
 * many operators (or many keys) after an API server restart instead of synchronising them.
 * Pure: randomness is injected.
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30));
  // Never 0: a floor of base/2 keeps a tight failure loop from spinning.
  return Math.max(options.baseMs / 2, Math.floor(random() * ceiling));
}
