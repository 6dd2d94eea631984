/**
 * In-memory budget store for standalone / file mode: one process, so a Map is exact. Usage
 * counters are kept the same way (there is no operator to roll them up; they are visible in the
 * metrics and through `usage()` for tests).
 */
import { admits } from './budget.ts';
import type { BudgetStore, ReserveRequest, ReserveResult, SettleRequest } from './store.ts';

export class MemoryBudgetStore implements BudgetStore {
  readonly mode = 'memory' as const;
  private readonly counters = new Map<string, number>();
  private readonly usageHashes = new Map<string, Map<string, number>>();

  private get(key: string): number {
    return this.counters.get(key) ?? 0;
  }

  async reserve({ tenantId, limits, amount, force }: ReserveRequest): Promise<ReserveResult> {
    const tokensKey = `${tenantId}:${limits.tokens.key}`;
    const costKey = `${tenantId}:${limits.cost.key}`;
    const used = { tokens: this.get(tokensKey), costMicroUsd: this.get(costKey) };
    const exhausted = force ? null : admits(used, amount, limits);
    if (exhausted) return { ok: false, exhausted, used };
    this.counters.set(tokensKey, used.tokens + amount.tokens);
    this.counters.set(costKey, used.costMicroUsd + amount.costMicroUsd);
    return { ok: true, used };
  }

  async settle({ tenantId, limits, delta, usage }: SettleRequest): Promise<void> {
    const tokensKey = `${tenantId}:${limits.tokens.key}`;
    const costKey = `${tenantId}:${limits.cost.key}`;
    this.counters.set(tokensKey, this.get(tokensKey) + delta.tokens);
    this.counters.set(costKey, this.get(costKey) + delta.costMicroUsd);
    if (usage) {
      let hash = this.usageHashes.get(usage.key);
      if (!hash) {
        hash = new Map();
        this.usageHashes.set(usage.key, hash);
      }
      for (const [field, by] of usage.fields) hash.set(field, (hash.get(field) ?? 0) + by);
    }
  }

  /** Budget used so far (tests, `sluice` debug output). */
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
