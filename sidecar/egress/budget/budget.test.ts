import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeEffectivePolicy } from '../../../policy/effective.ts';
import { reserve } from '../../../test/support/budget.ts';
import {
  type Amount,
  admits,
  budgetLimits,
  costMicroUsd,
  decide,
  estimatePromptTokens,
  HOLD_TTL_MS,
  periodEnd,
  periodKey,
  priceOf,
  reservationFor,
  retryAfterSeconds,
} from './budget.ts';
import { MemoryBudgetStore } from './memory-store.ts';

const t = Date.UTC(2026, 1, 28, 23, 30); // 2026-02-28T23:30Z

describe('budget math', () => {
  it.each([
    ['day', '2026-02-28', Date.UTC(2026, 2, 1)],
    ['month', '2026-02', Date.UTC(2026, 2, 1)],
  ] as const)('%s period: key %s, ends at the next UTC boundary', (period, key, end) => {
    expect(periodKey(period, t)).toBe(key);
    expect(periodEnd(period, t)).toBe(end);
  });

  it('prices in integer micro-dollars and rounds up', () => {
    // 1,000 prompt tokens at $0.03/1k + 500 completion at $0.06/1k = $0.06 = 60,000 µ$
    expect(costMicroUsd({ inputPer1k: 0.03, outputPer1k: 0.06 }, 1_000, 500)).toBe(60_000);
    expect(costMicroUsd({ inputPer1k: 0.0005, outputPer1k: 0 }, 1, 0)).toBe(1);
  });

  it('reserves prompt + max_tokens at the dearest price of the chain', () => {
    const r = reservationFor(100, 400, [
      { inputPer1k: 0.03, outputPer1k: 0.06 },
      { inputPer1k: 0.0005, outputPer1k: 0.0015 },
    ]);
    expect(r).toEqual({ tokens: 500, costMicroUsd: 27_000 });
  });

  it('prefers the policy price, then the settings default', () => {
    const defaults = { 'openai/gpt-4': { inputPer1k: 1, outputPer1k: 2 } };
    expect(
      priceOf({ provider: 'openai', model: 'gpt-4', inputPricePer1k: 0.03, outputPricePer1k: 0 }, defaults),
    ).toEqual({
      inputPer1k: 0.03,
      outputPer1k: 2,
    });
    expect(priceOf({ provider: 'x', model: 'y', inputPricePer1k: 0, outputPricePer1k: 0 }, defaults)).toEqual(
      {
        inputPer1k: 0,
        outputPer1k: 0,
      },
    );
  });

  it('estimates prompt tokens at ~4 characters each plus framing', () => {
    expect(estimatePromptTokens(400, 2)).toBe(100 + 8 + 3);
  });

  const policy = computeEffectivePolicy(
    {
      tenantId: 't',
      tier: 'free',
      limits: { tokens: { limit: 1_000, period: 'day' }, cost: { limitUsd: '0.01', period: 'month' } },
    },
    new Date(t),
  );
  const limits = budgetLimits(policy, t);

  it.each([
    [{ tokens: 0, costMicroUsd: 0 }, { tokens: 1_000, costMicroUsd: 10_000 }, null],
    [{ tokens: 1, costMicroUsd: 0 }, { tokens: 1_000, costMicroUsd: 0 }, 'tokens'],
    [{ tokens: 0, costMicroUsd: 9_999 }, { tokens: 1, costMicroUsd: 2 }, 'cost'],
  ] as const)('admits used %o + reservation %o → %s', (used, reservation, expected) => {
    expect(admits(used, reservation, limits)).toBe(expected);
  });

  it('tells the client to come back when the exhausted period renews', () => {
    expect(retryAfterSeconds(limits, 'tokens', t)).toBe(30 * 60);
    expect(retryAfterSeconds(limits, 'cost', t)).toBe(30 * 60); // Feb ends at the same instant
  });

  const amount = (tokens: number, costMicroUsd: number): Amount => ({ tokens, costMicroUsd });
  it.each([
    // settled, held, reservation → refusal
    [amount(0, 0), amount(0, 0), amount(1_000, 10_000), null],
    [amount(600, 0), amount(300, 0), amount(200, 0), { kind: 'pending', budget: 'tokens' }],
    [amount(900, 0), amount(0, 0), amount(200, 0), { kind: 'exhausted', budget: 'tokens' }],
    [amount(900, 0), amount(500, 0), amount(200, 0), { kind: 'exhausted', budget: 'tokens' }],
    [amount(0, 5_000), amount(0, 4_000), amount(1, 2_000), { kind: 'pending', budget: 'cost' }],
  ] as const)(
    'decide: settled %o + held %o + reservation %o → %o',
    (settled, held, reservation, expected) => {
      expect(decide(settled, held, reservation, limits)).toEqual(expected);
    },
  );

  // Issue 12: holds in flight are never a month-long refusal; only settled usage is.
  it('never answers exhausted while the settled usage alone leaves room for the reservation', () => {
    fc.assert(
      fc.property(
        fc.nat(1_500),
        fc.nat(5_000),
        fc.integer({ min: 1, max: 1_200 }),
        (settledTokens, heldTokens, reserveTokens) => {
          const r = decide(
            { tokens: settledTokens, costMicroUsd: 0 },
            { tokens: heldTokens, costMicroUsd: 0 },
            { tokens: reserveTokens, costMicroUsd: 0 },
            limits,
          );
          const fitsSettled = settledTokens + reserveTokens <= 1_000;
          const fitsAll = settledTokens + heldTokens + reserveTokens <= 1_000;
          if (fitsAll) return r === null;
          return fitsSettled ? r?.kind === 'pending' : r?.kind === 'exhausted';
        },
      ),
    );
  });

  it('memory store: a hold is all-or-nothing, the settle releases it and charges what was used', async () => {
    const store = new MemoryBudgetStore();
    const first = await reserve(store, 't', limits, 'a', { tokens: 800, costMicroUsd: 10 });
    expect(first.ok).toBe(true);
    const denied = await reserve(store, 't', limits, 'b', { tokens: 300, costMicroUsd: 10 });
    // 0 settled + 800 held + 300 > 1,000, but 0 + 300 fits: pending, not exhausted.
    expect(denied).toMatchObject({ ok: false, refusal: { kind: 'pending', budget: 'tokens' } });
    await store.settle({
      tenantId: 't',
      limits,
      hold: { id: 'a', amount: { tokens: 800, costMicroUsd: 10 } },
      actual: { tokens: 300, costMicroUsd: 5 },
      usage: { key: 'u', fields: [['a|requests', 1]], ttlSeconds: 1 },
    });
    expect(store.used('t', limits)).toEqual({ tokens: 300, costMicroUsd: 5 });
    expect(store.held('t')).toEqual({ tokens: 0, costMicroUsd: 0 });
    expect(store.usage('u')).toEqual({ 'a|requests': 1 });
    // A settle whose hold was never placed (the reserve was lost) charges and releases nothing.
    await store.settle({
      tenantId: 't',
      limits,
      hold: { id: 'never', amount: { tokens: 500, costMicroUsd: 1 } },
      actual: { tokens: 10, costMicroUsd: 0 },
      usage: null,
    });
    expect(store.used('t', limits)).toEqual({ tokens: 310, costMicroUsd: 5 });
  });

  it('memory store: a hold nobody settles expires', async () => {
    let now = 0;
    const store = new MemoryBudgetStore(() => now);
    await reserve(store, 't', limits, 'x', { tokens: 900, costMicroUsd: 1 });
    expect(store.held('t').tokens).toBe(900);
    now = HOLD_TTL_MS;
    expect(store.held('t').tokens).toBe(0);
  });
});
