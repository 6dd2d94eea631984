/**
 * Budgets through the egress with the in-memory store (file mode): reserve, reconcile to the
 * provider's usage (JSON and streams), release on failure, 429 + Retry-After, downgrade.
 */
import type OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redisKeys, usageDay, usageField } from '../../policy/wire.ts';
import { type EgressRig, examplePolicies, startEgressRig } from '../../test/support/egress.ts';
import { openaiClient, openaiError } from '../../test/support/sdk-clients.ts';
import { egressInternals } from './app.ts';
import { budgetLimits } from './budget/budget.ts';
import type { MemoryBudgetStore } from './budget/memory-store.ts';
import { MemoryBudgetStore as Store } from './budget/memory-store.ts';
import { reserveWithin } from './budget.ts';

let rig: EgressRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const client = (r: EgressRig, tenant: string) => openaiClient(r.url, tenant);
const ask = [{ role: 'user' as const, content: 'hi' }];

describe('token and cost budgets (memory store)', () => {
  it('reconciles the reservation to the reported usage and counts usage per day and model', async () => {
    rig = await startEgressRig();
    rig.openai.script([{ usage: { prompt: 11, completion: 7 } }, { usage: { prompt: 5, completion: 2 } }]);
    const c = client(rig, 'acme-legal');
    await c.chat.completions.create({ model: 'default', messages: ask, max_tokens: 100 });
    const stream = await c.chat.completions.create({
      model: 'default',
      messages: ask,
      max_tokens: 100,
      stream: true,
    });
    for await (const _ of stream);
    const { store, flush } = egressInternals(rig.app);
    await flush();
    const policy = rig.policies.byTenant('acme-legal')!.policy;
    const memory = store as MemoryBudgetStore;
    // $0.03/1k in, $0.06/1k out: (16 × 0.03 + 9 × 0.06) µ$ × 1000 → 480 + 540 = 1,020 µ$
    expect(memory.used('acme-legal', budgetLimits(policy, rig.clock.now))).toEqual({
      tokens: 25,
      costMicroUsd: 1_020,
    });
    const usage = memory.usage(
      redisKeys('sluice-test-egress:').usage(usageDay(new Date(rig.clock.now)), 'acme-legal'),
    );
    expect(usage[usageField('openai', 'gpt-4', 'requests')]).toBe(2);
    expect(usage[usageField('openai', 'gpt-4', 'prompt_tokens')]).toBe(16);
    expect(usage[usageField('openai', 'gpt-4', 'completion_tokens')]).toBe(9);
    expect(usage[usageField('openai', 'gpt-4', 'cost_micro_usd')]).toBe(1_020);
  });

  it('releases the reservation when every model failed', async () => {
    rig = await startEgressRig();
    rig.openai.script([{ status: 500 }], 'gpt-3.5-turbo');
    await client(rig, 'globex-support')
      .chat.completions.create({ model: 'default', messages: ask })
      .catch(() => undefined);
    const { store, flush } = egressInternals(rig.app);
    await flush();
    const policy = rig.policies.byTenant('globex-support')!.policy;
    expect((store as MemoryBudgetStore).used('globex-support', budgetLimits(policy, rig.clock.now))).toEqual({
      tokens: 0,
      costMicroUsd: 0,
    });
  });

  it('answers 429 SLUICE_BUDGET_EXHAUSTED with Retry-After to the period end', async () => {
    rig = await startEgressRig({
      policies: (now) =>
        examplePolicies(now, (spec) => ({
          ...spec,
          limits: { ...spec.limits, tokens: { limit: 300, period: 'day' } },
        })),
    });
    rig.openai.script([{ usage: { prompt: 50, completion: 200 } }]);
    const c = client(rig, 'globex-support');
    await c.chat.completions.create({ model: 'default', messages: ask, max_tokens: 200 });
    await egressInternals(rig.app).flush();
    const error = await openaiError(
      c.chat.completions.create({ model: 'default', messages: ask, max_tokens: 200 }),
    );
    expect(error.status).toBe(429);
    expect(error.code).toBe('SLUICE_BUDGET_EXHAUSTED');
    expect(error.headers?.get('retry-after')).toBe(String(12 * 3600)); // the rig's clock is 12:00 UTC
    const metric = await rig.registry.getSingleMetricAsString('sluice_egress_budget_rejections_total');
    expect(metric).toContain('budget="tokens"');
  });

  // Issue 12: 30 concurrent calls from a free tenant with 5,000 tokens a month got 9 answers and
  // 21 × SLUICE_BUDGET_EXHAUSTED with Retry-After 28 days while only 2,799 tokens were used: the
  // reservations in flight counted as spent. Holds in flight now mean "wait", never "next month".
  it('serves concurrent calls of a free tenant until settled usage reaches the budget, not until holds in flight do', async () => {
    rig = await startEgressRig();
    rig.openai.script(
      Array.from({ length: 30 }, () => ({ usage: { prompt: 11, completion: 300 }, delayMs: 50 })),
    );
    const c = client(rig, 'hobby-free');
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, () =>
        c.chat.completions.create({ model: 'default', messages: ask }).then(
          () => ({ code: 'ok', retryAfter: 0 }),
          (e: InstanceType<typeof OpenAI.APIError>) => ({
            code: String(e.code),
            retryAfter: Number(e.headers?.get('retry-after')),
          }),
        ),
      ),
    );
    await egressInternals(rig.app).flush();
    const memory = egressInternals(rig.app).store as MemoryBudgetStore;
    const limits = budgetLimits(rig.policies.byTenant('hobby-free')!.policy, rig.clock.now);
    const served = outcomes.filter((o) => o.code === 'ok').length;
    const settled = memory.used('hobby-free', limits).tokens;
    expect(settled).toBe(served * 311);
    // A call holds its prompt estimate + max_tokens (512 on the free tier): 520 here. Exhausted
    // only once settled usage leaves less than that, i.e. after at least ceil(4,481 / 311) = 15.
    expect(served).toBeGreaterThanOrEqual(15);
    expect(settled).toBeLessThanOrEqual(5_000);
    for (const o of outcomes.filter((x) => x.code !== 'ok')) {
      expect(['SLUICE_BUDGET_EXHAUSTED', 'SLUICE_BUDGET_PENDING']).toContain(o.code);
      if (o.code === 'SLUICE_BUDGET_PENDING') expect(o.retryAfter).toBe(2);
    }
    if (outcomes.some((o) => o.code === 'SLUICE_BUDGET_EXHAUSTED'))
      expect(settled + 520).toBeGreaterThan(5_000);
    // Nothing stays held, and the gauge shows settled usage, not holds.
    expect(memory.held('hobby-free')).toEqual({ tokens: 0, costMicroUsd: 0 });
    const gauge = await rig.registry.getSingleMetricAsString('sluice_egress_budget_used_ratio');
    const ratio = /budget_used_ratio\{[^}]*tenant="hobby-free"[^}]*budget="tokens"[^}]*\} (\S+)/.exec(
      gauge,
    )?.[1];
    expect(Number(ratio)).toBeCloseTo(settled / 5_000, 6);
  });

  it('routes to models.downgrade when the policy says downgrade', async () => {
    rig = await startEgressRig({
      policies: (now) =>
        examplePolicies(now, (spec) =>
          spec.tenantId === 'acme-legal'
            ? {
                ...spec,
                models: { ...spec.models!, downgrade: { provider: 'openai', model: 'gpt-4o-mini' } },
                limits: {
                  ...spec.limits,
                  cost: { limitUsd: '0.01', period: 'month' },
                  budgetAction: 'downgrade',
                },
              }
            : spec,
        ),
    });
    const { data, response } = await client(rig, 'acme-legal')
      .chat.completions.create({ model: 'default', messages: ask, max_tokens: 1000 })
      .withResponse();
    expect(response.headers.get('sluice-model')).toBe('gpt-4o-mini');
    expect(data.choices[0]?.message.content).toBe('Hello from gpt-4o-mini');
  });

  it('charges what a stream used when the client goes away mid-stream, and stops the upstream', async () => {
    rig = await startEgressRig();
    rig.openai.script([{ text: 'w '.repeat(200), chunkDelayMs: 20 }]);
    const controller = new AbortController();
    const response = await fetch(`${rig.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sluice-tenant': 'acme-legal' },
      body: JSON.stringify({ messages: ask, stream: true, max_tokens: 1000 }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    const policy = rig.policies.byTenant('acme-legal')!.policy;
    const memory = egressInternals(rig.app).store as MemoryBudgetStore;
    const limits = budgetLimits(policy, rig.clock.now);
    // Settled: the 1,000-token hold became the prompt estimate plus the deltas seen.
    await vi.waitFor(
      async () => {
        await egressInternals(rig!.app).flush();
        expect(memory.used('acme-legal', limits).tokens).toBeGreaterThan(0);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(memory.used('acme-legal', limits).tokens).toBeLessThan(200);
    expect(memory.held('acme-legal')).toEqual({ tokens: 0, costMicroUsd: 0 });
    const metric = await rig.registry.getSingleMetricAsString('sluice_egress_requests_total');
    expect(metric).toContain('outcome="client_closed"');
  });
});

describe('reserveWithin', () => {
  const limits = budgetLimits(
    examplePolicies(Date.UTC(2026, 2, 14)).byTenant('hobby-free')!.policy,
    Date.UTC(2026, 2, 14),
  );
  const amount = { tokens: 3_000, costMicroUsd: 0 };

  it('waits while holds in flight stand in the way, and is served once they settle', async () => {
    const store = new Store();
    await store.reserve({ tenantId: 't', limits, holdId: 'first', amount, force: false });
    let waits = 0;
    const second = reserveWithin(
      store,
      { tenantId: 't', limits, holdId: 'second', amount, force: false },
      { waitMs: 5_000, pollMs: 10, onWait: () => waits++ },
    );
    setTimeout(
      () =>
        void store.settle({
          tenantId: 't',
          limits,
          hold: { id: 'first', amount },
          actual: { tokens: 500, costMicroUsd: 0 },
          usage: null,
        }),
      50,
    );
    expect(await second).toMatchObject({ ok: true, settled: { tokens: 500 } });
    expect(waits).toBe(1);
  });

  it('answers pending when the holds are still there after the wait', async () => {
    const store = new Store();
    await store.reserve({ tenantId: 't', limits, holdId: 'first', amount, force: false });
    const second = await reserveWithin(
      store,
      { tenantId: 't', limits, holdId: 'second', amount, force: false },
      { waitMs: 30, pollMs: 10 },
    );
    expect(second).toMatchObject({ ok: false, refusal: { kind: 'pending', budget: 'tokens' } });
  });
});
