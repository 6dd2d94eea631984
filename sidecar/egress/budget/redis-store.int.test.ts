/**
 * The Redis budget store against the real dev Redis (own key prefix, cleaned up): the reserve
 * script is atomic under 50 concurrent requests, and the whole egress reconciles and counts
 * usage in Redis with no tenant overspending.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeEffectivePolicy } from '../../../policy/effective.ts';
import { redisKeys, usageDay, usageField } from '../../../policy/wire.ts';
import { devEnv } from '../../../test/harness/env.ts';
import { reserve } from '../../../test/support/budget.ts';
import { type EgressRig, examplePolicies, startEgressRig } from '../../../test/support/egress.ts';
import { openaiClient } from '../../../test/support/sdk-clients.ts';
import { egressInternals } from '../app.ts';
import { budgetLimits, HOLD_TTL_MS, holdMember } from './budget.ts';
import { RedisBudgetStore } from './redis-store.ts';

const prefix = `sluice-test-egress-${randomBytes(4).toString('hex')}:`;
let redis: Redis;

/** The pro tier's budget limits for `tenantId` on the day of `now`. */
const proLimits = (tenantId: string, now: number) =>
  budgetLimits(computeEffectivePolicy({ tenantId, tier: 'pro' }, new Date(now)), now);

beforeAll(() => {
  redis = new Redis(devEnv().redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('RedisBudgetStore', () => {
  it('admits exactly what fits when 50 reservations race', async () => {
    const store = new RedisBudgetStore(redis, prefix);
    const now = Date.UTC(2026, 2, 14);
    const policy = computeEffectivePolicy(
      { tenantId: 'race', tier: 'pro', limits: { tokens: { limit: 1_000, period: 'day' } } },
      new Date(now),
    );
    const limits = budgetLimits(policy, now);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        reserve(store, 'race', limits, `h${i}`, { tokens: 70, costMicroUsd: 1 }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(14); // 14 × 70 = 980 ≤ 1,000 < 15 × 70
    // Nothing is settled yet: the other 36 wait for holds, they are not "exhausted".
    for (const r of results.filter((x) => !x.ok)) {
      expect(r).toMatchObject({ refusal: { kind: 'pending', budget: 'tokens' } });
    }
    expect(await store.used('race', limits)).toEqual({ tokens: 0, costMicroUsd: 0 });
    expect(await store.held('race')).toEqual({ tokens: 980, costMicroUsd: 14, holds: 14 });
    const ttl = await redis.pttl(redisKeys(prefix).budgetHolds('race'));
    expect(ttl).toBeGreaterThan(HOLD_TTL_MS);
    expect(ttl).toBeLessThanOrEqual(HOLD_TTL_MS + 60_000);
  });

  it('places a hold once per id, however often the reserve is sent', async () => {
    const store = new RedisBudgetStore(redis, prefix);
    const now = Date.UTC(2026, 2, 14);
    const limits = proLimits('again', now);
    const request = {
      tenantId: 'again',
      limits,
      holdId: 'same',
      amount: { tokens: 10, costMicroUsd: 1 },
      force: false,
    };
    await store.reserve(request);
    await store.reserve(request); // a retry after a lost answer
    expect(await store.held('again')).toEqual({ tokens: 10, costMicroUsd: 1, holds: 1 });
  });

  it('releases a hold nobody settles once it expires', async () => {
    const store = new RedisBudgetStore(redis, prefix);
    const now = Date.UTC(2026, 2, 14);
    const limits = proLimits('leak', now);
    await reserve(store, 'leak', limits, 'gone', { tokens: 500, costMicroUsd: 9 });
    // As if HOLD_TTL_MS had passed: the sidecar that placed it died before its settle.
    await redis.zadd(
      redisKeys(prefix).budgetHolds('leak'),
      1,
      holdMember('gone', { tokens: 500, costMicroUsd: 9 }),
    );
    await reserve(store, 'leak', limits, 'next', { tokens: 1, costMicroUsd: 0 });
    expect(await store.held('leak')).toEqual({ tokens: 1, costMicroUsd: 0, holds: 1 });
  });

  it('releases and expires holds of 0 µ$ (an unpriced model) without a script error', async () => {
    // Regression: the scripts negated with Lua's -x, and -0 reached HINCRBY as "-0", which Redis
    // refuses: every settle of an unpriced model's answer failed, and so did the reserve that
    // expired such a hold.
    const store = new RedisBudgetStore(redis, prefix);
    const now = Date.UTC(2026, 2, 14);
    const limits = proLimits('free', now);
    const amount = { tokens: 40, costMicroUsd: 0 };
    await reserve(store, 'free', limits, 'z1', amount);
    await reserve(store, 'free', limits, 'z2', amount);
    await expect(
      store.settle({
        tenantId: 'free',
        limits,
        hold: { id: 'z1', amount },
        actual: { tokens: 30, costMicroUsd: 0 },
        usage: null,
      }),
    ).resolves.toEqual({ tokens: 30, costMicroUsd: 0 });
    await redis.zadd(redisKeys(prefix).budgetHolds('free'), 1, holdMember('z2', amount)); // expired
    await expect(reserve(store, 'free', limits, 'z3', amount)).resolves.toMatchObject({ ok: true });
    expect(await store.held('free')).toEqual({ tokens: 40, costMicroUsd: 0, holds: 1 });
  });

  it('settles the delta and the usage hash in one pipeline', async () => {
    const store = new RedisBudgetStore(redis, prefix);
    const now = Date.UTC(2026, 2, 14);
    const policy = computeEffectivePolicy({ tenantId: 'settle', tier: 'pro' }, new Date(now));
    const limits = budgetLimits(policy, now);
    const amount = { tokens: 100, costMicroUsd: 50 };
    await reserve(store, 'settle', limits, 's1', amount);
    const usageKey = `${prefix}usage:2026-03-14:settle`;
    const settled = await store.settle({
      tenantId: 'settle',
      limits,
      hold: { id: 's1', amount },
      actual: { tokens: 60, costMicroUsd: 30 },
      usage: { key: usageKey, fields: [['openai/gpt-4|requests', 1]], ttlSeconds: 8 * 86_400 },
    });
    expect(settled).toEqual({ tokens: 60, costMicroUsd: 30 });
    expect(await store.used('settle', limits)).toEqual({ tokens: 60, costMicroUsd: 30 });
    expect(await store.held('settle')).toEqual({ tokens: 0, costMicroUsd: 0, holds: 0 });
    expect(await redis.ttl(redisKeys(prefix).budget('settle', limits.tokens.key))).toBeGreaterThan(86_400);
    expect(await redis.hgetall(usageKey)).toEqual({ 'openai/gpt-4|requests': '1' });
    expect(await redis.ttl(usageKey)).toBeGreaterThan(7 * 86_400);
  });

  it('keeps counters that could not reach Redis in the state dir, and a new store delivers them once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-pending-'));
    const pendingFile = join(dir, 'egress-pending-counters.json');
    // A client that never connects: every settle is refused unsent, as during an outage.
    const offline = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    const down = new RedisBudgetStore(offline, prefix, { pendingFile });
    const now = Date.UTC(2026, 2, 15);
    const limits = proLimits('pend', now);
    const usageKey = `${prefix}usage:2026-03-15:pend`;
    // One hold placed before Redis went away; its settle must release it on the replay.
    const held = { tokens: 50, costMicroUsd: 5 };
    await reserve(new RedisBudgetStore(redis, prefix), 'pend', limits, 'p0', held);
    for (let i = 0; i < 3; i++) {
      await down.settle({
        tenantId: 'pend',
        limits,
        hold: i === 0 ? { id: 'p0', amount: held } : null,
        actual: { tokens: 10, costMicroUsd: 2 },
        usage: { key: usageKey, fields: [['openai/gpt-4|requests', 1]], ttlSeconds: 8 * 86_400 },
      });
    }
    expect(down.pendingCounters()).toBe(4); // the release, tokens, cost, usage hash: merged, not per request
    down.close(); // the sidecar stops while Redis is still away
    expect(existsSync(pendingFile)).toBe(true);
    offline.disconnect();

    const up = new RedisBudgetStore(redis, prefix, { pendingFile });
    for (let i = 0; i < 100 && up.pendingCounters() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await redis.hgetall(usageKey)).toEqual({ 'openai/gpt-4|requests': '3' });
    expect(await up.used('pend', limits)).toEqual({ tokens: 30, costMicroUsd: 6 });
    expect(await up.held('pend')).toEqual({ tokens: 0, costMicroUsd: 0, holds: 0 });
    expect(existsSync(pendingFile)).toBe(false); // delivered: a later restart replays nothing
    up.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('egress with Redis', () => {
  let rig: EgressRig;
  const tokenLimit = 2_000;
  beforeAll(async () => {
    rig = await startEgressRig({
      redis,
      keyPrefix: prefix,
      policies: (now) =>
        examplePolicies(now, (spec) => ({
          ...spec,
          limits: { ...spec.limits, tokens: { limit: tokenLimit, period: 'day' } },
        })),
    });
  });
  afterAll(async () => {
    await rig.close();
  });

  it('keeps a tenant within its budget under 50 concurrent requests, and counts usage in Redis', async () => {
    // Each request reserves its prompt estimate + 100 tokens; the fake uses fewer than reserved.
    rig.openai.script(Array.from({ length: 50 }, () => ({ usage: { prompt: 10, completion: 90 } })));
    const c = openaiClient(rig.url, 'globex-support');
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 === 0
          ? c.chat.completions.create({
              model: 'default',
              messages: [{ role: 'user', content: 'hi' }],
              max_tokens: 100,
            })
          : c.chat.completions
              .create({
                model: 'default',
                messages: [{ role: 'user', content: 'hi' }],
                max_tokens: 100,
                stream: true,
              })
              .then(async (s) => {
                for await (const _ of s);
              })
        ).then(
          () => 'ok',
          (e: { code?: string }) => e.code ?? 'error',
        ),
      ),
    );
    await egressInternals(rig.app).flush();
    const admitted = outcomes.filter((o) => o === 'ok').length;
    const refused = outcomes.filter((o) => o !== 'ok');
    expect(refused.every((o) => o === 'SLUICE_BUDGET_EXHAUSTED' || o === 'SLUICE_BUDGET_PENDING')).toBe(true);
    expect(admitted).toBeGreaterThan(0);
    expect(admitted).toBeLessThan(50);

    const policy = rig.policies.byTenant('globex-support')!.policy;
    const limits = budgetLimits(policy, rig.clock.now);
    const store = egressInternals(rig.app).store as RedisBudgetStore;
    const used = await store.used('globex-support', limits);
    expect(used.tokens).toBe(admitted * 100); // settled at the actual usage, holds all released
    expect(used.tokens).toBeLessThanOrEqual(tokenLimit);
    expect(await store.held('globex-support')).toEqual({ tokens: 0, costMicroUsd: 0, holds: 0 });
    // Exhausted only once settled usage left no room for a hold (prompt estimate 8 + 100).
    if (refused.includes('SLUICE_BUDGET_EXHAUSTED')) expect(used.tokens + 108).toBeGreaterThan(tokenLimit);

    const usage = await redis.hgetall(
      redisKeys(prefix).usage(usageDay(new Date(rig.clock.now)), 'globex-support'),
    );
    expect(Number(usage[usageField('openai', 'gpt-3.5-turbo', 'requests')])).toBe(admitted);
    expect(Number(usage[usageField('openai', 'gpt-3.5-turbo', 'completion_tokens')])).toBe(admitted * 90);
    // $0.0005/1k × 10 + $0.0015/1k × 90 = 0.14 µ$·1000 → ceil(140) µ$... per request: 5 + 135 = 140 µ$
    expect(Number(usage[usageField('openai', 'gpt-3.5-turbo', 'cost_micro_usd')])).toBe(admitted * 140);
  });
});
