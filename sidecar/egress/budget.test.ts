/**
 * Budgets through the egress with the in-memory store (file mode): reserve, reconcile to the
 * provider's usage (JSON and streams), release on failure, 429 + Retry-After, downgrade.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { usageDay, usageField } from '../../policy/wire.ts';
import { type EgressRig, examplePolicies, startEgressRig } from '../../test/support/egress.ts';
import { egressInternals } from './app.ts';
import { budgetLimits } from './budget/budget.ts';
import type { MemoryBudgetStore } from './budget/memory-store.ts';

let rig: EgressRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const client = (r: EgressRig, tenant: string) =>
  new OpenAI({
    baseURL: `${r.url}/v1`,
    apiKey: 'unused',
    maxRetries: 0,
    defaultHeaders: { 'x-sluice-tenant': tenant },
  });
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
    const usage = memory.usage(`sluice-test-egress:usage:${usageDay(new Date(rig.clock.now))}:acme-legal`);
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
    const error = (await c.chat.completions
      .create({ model: 'default', messages: ask, max_tokens: 200 })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(429);
    expect(error.code).toBe('SLUICE_BUDGET_EXHAUSTED');
    expect(error.headers?.get('retry-after')).toBe(String(12 * 3600)); // the rig's clock is 12:00 UTC
    const metric = await rig.registry.getSingleMetricAsString('sluice_egress_budget_rejections_total');
    expect(metric).toContain('budget="tokens"');
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
    // Settled: the 1,000-token reservation became the prompt estimate plus the deltas seen.
    await vi.waitFor(
      async () => {
        await egressInternals(rig!.app).flush();
        expect(memory.used('acme-legal', limits).tokens).toBeLessThan(200);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(memory.used('acme-legal', limits).tokens).toBeGreaterThan(0);
    const metric = await rig.registry.getSingleMetricAsString('sluice_egress_requests_total');
    expect(metric).toContain('outcome="client_closed"');
  });
});
