/**
 * The budget store: an atomic check-and-hold at admission; settle (release the hold, charge what
 * was used, count usage) after the answer. Two implementations with this interface: Redis (shared
 * by every replica) and memory (standalone / file mode). docs/adr/0016-budget-holds.md
 */
import type { Amount, BudgetLimits, Refusal } from './budget.ts';

export interface ReserveRequest {
  tenantId: string;
  limits: BudgetLimits;
  /**
   * Names the hold. Chosen by the caller before the call, so a settle releases the hold whether
   * or not the reserve's answer arrived (a reserve lost in flight may still have been placed).
   */
  holdId: string;
  amount: Amount;
  /** Hold without checking the limit (budgetAction: downgrade after exhaustion). */
  force: boolean;
}

/** `settled`: usage charged so far this period; `held`: holds of answers in flight (before this one). */
export type ReserveResult =
  | { ok: true; settled: Amount; held: Amount }
  | { ok: false; refusal: Refusal; settled: Amount; held: Amount };

/** One usage hash increment set (policy/wire.ts usage key and fields). */
export interface UsageIncrement {
  key: string;
  fields: [field: string, by: number][];
  ttlSeconds: number;
}

export interface SettleRequest {
  tenantId: string;
  limits: BudgetLimits;
  /** The hold to release (absent when none was asked for); released only if it is still there. */
  hold: { id: string; amount: Amount } | null;
  /** What the answer used (0 when no model answered). */
  actual: Amount;
  usage: UsageIncrement | null;
}

export interface BudgetStore {
  readonly mode: 'redis' | 'memory';
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /** Resolves with the settled usage after this settle when the store knows it (for the gauge). */
  settle(request: SettleRequest): Promise<Amount | null>;
}
