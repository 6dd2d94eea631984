/** What a rate-limit store answers: the GCRA decision without the stored state. */
import type { RateLimit } from './gcra.ts';

export interface LimitDecision {
  allowed: boolean;
  remaining: number;
  retryAfterMs: number;
  resetMs: number;
}

export interface RateStore {
  /** One admission attempt for `key` under `rate`. */
  take(key: string, rate: RateLimit): LimitDecision | Promise<LimitDecision>;
}

export type { RateLimit };
