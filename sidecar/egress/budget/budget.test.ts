import { describe, expect, it } from 'vitest';
import { computeEffectivePolicy } from '../../../policy/effective.ts';
import {
  admits,
  budgetLimits,
  costMicroUsd,
  estimatePromptTokens,
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

  it('memory store: reserve is all-or-nothing, settle applies the delta and usage', async () => {
    const store = new MemoryBudgetStore();
    expect(
      (
        await store.reserve({
          tenantId: 't',
          limits,
          amount: { tokens: 800, costMicroUsd: 10 },
          force: false,
        })
      ).ok,
    ).toBe(true);
    const denied = await store.reserve({
      tenantId: 't',
      limits,
      amount: { tokens: 300, costMicroUsd: 10 },
      force: false,
    });
    expect(denied).toMatchObject({ ok: false, exhausted: 'tokens' });
    await store.settle({
      tenantId: 't',
      limits,
      delta: { tokens: -500, costMicroUsd: -5 },
      usage: { key: 'u', fields: [['a|requests', 1]], ttlSeconds: 1 },
    });
    expect(store.used('t', limits)).toEqual({ tokens: 300, costMicroUsd: 5 });
    expect(store.usage('u')).toEqual({ 'a|requests': 1 });
  });
});
