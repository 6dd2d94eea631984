/**
 * In-memory budget store for standalone / file mode: one process, so Maps are exact. Settled
 * usage per period counter, holds per tenant (expiring after HOLD_TTL_MS like the Redis ones),
 * and usage hashes (there is no operator to roll them up; they are visible in the metrics and
 * through `usage()` for tests).
 */
import { type Amount, decide, HOLD_TTL_MS } from './budget.ts';
import type { BudgetStore, ReserveRequest, ReserveResult, SettleRequest } from './store.ts';

interface Hold {
  amount: Amount;
  expiresAt: number;
}

export class MemoryBudgetStore implements BudgetStore {
  readonly mode = 'memory' as const;
  private readonly counters = new Map<string, number>();
  private readonly holds = new Map<string, Map<string, Hold>>();
  private readonly usageHashes = new Map<string, Map<string, number>>();
  private readonly now: () => number;

  /** `now` only ages holds out (monotonic is fine); periods come from the caller's limits. */
  constructor(now: () => number = () => performance.now()) {
    this.now = now;
  }

  private get(key: string): number {
    return this.counters.get(key) ?? 0;
  }

  async reserve({ tenantId, limits, holdId, amount, force }: ReserveRequest): Promise<ReserveResult> {
    const settled = {
      tokens: this.get(`${tenantId}:${limits.tokens.key}`),
      costMicroUsd: this.get(`${tenantId}:${limits.cost.key}`),
    };
    const held = this.held(tenantId);
    const refusal = force ? null : decide(settled, held, amount, limits);
    if (refusal) return { ok: false, refusal, settled, held };
    let holds = this.holds.get(tenantId);
    if (!holds) {
      holds = new Map();
      this.holds.set(tenantId, holds);
    }
    holds.set(holdId, { amount, expiresAt: this.now() + HOLD_TTL_MS });
    return { ok: true, settled, held };
  }

  async settle({ tenantId, limits, hold, actual, usage }: SettleRequest): Promise<Amount> {
    if (hold) {
      const holds = this.holds.get(tenantId);
      holds?.delete(hold.id);
      if (holds?.size === 0) this.holds.delete(tenantId);
    }
    const tokensKey = `${tenantId}:${limits.tokens.key}`;
    const costKey = `${tenantId}:${limits.cost.key}`;
    this.counters.set(tokensKey, this.get(tokensKey) + actual.tokens);
    this.counters.set(costKey, this.get(costKey) + actual.costMicroUsd);
    if (usage) {
      let hash = this.usageHashes.get(usage.key);
      if (!hash) {
        hash = new Map();
        this.usageHashes.set(usage.key, hash);
      }
      for (const [field, by] of usage.fields) hash.set(field, (hash.get(field) ?? 0) + by);
    }
    return { tokens: this.get(tokensKey), costMicroUsd: this.get(costKey) };
  }

  /** What the tenant's holds add up to (expired ones dropped). */
  held(tenantId: string): Amount {
    const holds = this.holds.get(tenantId);
    const sum = { tokens: 0, costMicroUsd: 0 };
    if (!holds) return sum;
    const now = this.now();
    for (const [id, h] of holds) {
      if (h.expiresAt <= now) {
        holds.delete(id);
        continue;
      }
      sum.tokens += h.amount.tokens;
      sum.costMicroUsd += h.amount.costMicroUsd;
    }
    if (holds.size === 0) this.holds.delete(tenantId);
    return sum;
  }

  /** Budget used (settled) so far (tests, `sluice` debug output). */
  used(tenantId: string, limits: ReserveRequest['limits']): { tokens: number; costMicroUsd: number } {
    return {
      tokens: this.get(`${tenantId}:${limits.tokens.key}`),
      costMicroUsd: this.get(`${tenantId}:${limits.cost.key}`),
    };
  }

  usage(key: string): Record<string, number> {
    return Object.fromEntries(this.usageHashes.get(key) ?? []);
  }
}
