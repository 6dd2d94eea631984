/**
 * The outage share against a real redis-server that is paused (SIGSTOP) mid-flood, beside busy
 * processes (docs/adr/0030-budget-outage-share.md): four replicas, each with its own connection
 * configured as the sidecar's (fail fast, a socket inactivity timeout closes a dead link), flood
 * one tenant's token budget. The tenant ends at most one hold per replica over its budget — in
 * the fresh-room case not over at all — and nothing is held once Redis is back and every answer
 * settled. A tenant first seen during the pause gets one unconfirmed call per replica.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeEffectivePolicy } from '../../../policy/effective.ts';
import { redisKeys } from '../../../policy/wire.ts';
import { type BusyCpu, startBusyCpu } from '../../../test/harness/busy-cpu.ts';
import { type RedisServer, startRedisServer } from '../../../test/harness/redis-server.ts';
import { createRedisClient } from '../../config/redis-client.ts';
import { type Amount, type BudgetLimits, budgetLimits } from './budget.ts';
import { OutageBudgetStore } from './outage-store.ts';
import { RedisBudgetStore } from './redis-store.ts';

const REPLICAS = 4;
const LOOPS = 6;
const HOLD: Amount = { tokens: 208, costMicroUsd: 0 };
const USED: Amount = { tokens: 160, costMicroUsd: 0 };
const prefix = 'sluice-test-outage:';
const keys = redisKeys(prefix);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Replica {
  client: Redis;
  base: RedisBudgetStore;
  store: OutageBudgetStore;
  servedUnconfirmed: number;
}

function limitsFor(tenantId: string, tokens: number): BudgetLimits {
  const policy = computeEffectivePolicy(
    { tenantId, tier: 'enterprise', limits: { tokens: { limit: tokens, period: 'day' } } },
    new Date(),
  );
  return budgetLimits(policy, Date.now());
}

describe('budget outage share against a paused Redis', () => {
  let redis: RedisServer;
  let admin: Redis;
  let busy: BusyCpu;
  const replicas: Replica[] = [];
  let holdSeq = 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => 100 });
    admin.on('error', () => {});
    for (let i = 0; i < REPLICAS; i++) {
      // As sidecar/main.ts builds the command client (a shorter inactivity timeout: a faster test).
      const client = createRedisClient(redis.url, {
        failFast: true,
        maxRetriesPerRequest: 0,
        socketTimeoutMs: 500,
      }) as Redis;
      client.on('error', () => {});
      const base = new RedisBudgetStore(client, prefix);
      const replica: Replica = {
        client,
        base,
        store: null as unknown as OutageBudgetStore,
        servedUnconfirmed: 0,
      };
      replica.store = new OutageBudgetStore(base, {
        now: Date.now,
        replicas: () => REPLICAS,
        onError: (_e, _t, served) => {
          if (served) replica.servedUnconfirmed++;
        },
      });
      client.on('ready', () => void replica.store.reconnected());
      replicas.push(replica);
    }
    await Promise.all(
      replicas.map((r) =>
        r.client.status === 'ready' ? null : new Promise((resolve) => r.client.once('ready', resolve)),
      ),
    );
    busy = await startBusyCpu(3);
  });

  afterAll(async () => {
    await busy?.stop();
    redis?.resume();
    for (const r of replicas) r.client.disconnect();
    admin?.disconnect();
    await redis?.stop();
  });

  /** Redis answers again, every settle buffered during the pause is replayed, every hold placed. */
  async function drained(): Promise<void> {
    for (let i = 0; ; i++) {
      const ready = replicas.every((r) => r.client.status === 'ready' && r.base.pendingCounters() === 0);
      if (ready) break;
      if (i > 600) throw new Error('the replicas did not reconnect and replay within 60 s');
      await sleep(100);
    }
    await Promise.all(replicas.map((r) => r.store.reconnected()));
    // Commands on one connection run in order: a PING answered means the replay before it ran.
    await Promise.all(replicas.map((r) => r.client.ping()));
  }

  async function settledAndHeld(tenantId: string, limits: BudgetLimits) {
    const settled = Number((await admin.get(keys.budget(tenantId, limits.tokens.key))) ?? 0);
    const held = Number((await admin.hget(keys.budgetHeld(tenantId), 't')) ?? 0);
    const holds = await admin.zcard(keys.budgetHolds(tenantId));
    return { settled, held, holds };
  }

  /** One caller: reserve, answer (20 ms), settle; again after a refusal that is not "exhausted". */
  async function caller(r: Replica, tenantId: string, limits: BudgetLimits, tally: { served: number }) {
    for (let round = 0; round < 400; round++) {
      const holdId = `h${holdSeq++}`;
      let refusal: string | null = null;
      try {
        const result = await r.store.reserve({ tenantId, limits, holdId, amount: HOLD, force: false });
        if (!result.ok) refusal = result.refusal.kind;
      } catch (error) {
        expect(error).toMatchObject({ code: 'SLUICE_BUDGET_PENDING' });
        refusal = 'outage';
      }
      if (refusal === 'exhausted') return;
      if (refusal) {
        await sleep(50);
        continue;
      }
      tally.served++;
      await sleep(20);
      await r.store
        .settle({ tenantId, limits, hold: { id: holdId, amount: HOLD }, actual: USED, usage: null })
        .catch(() => {}); // a settle lost with its connection is logged by the route, not replayed
    }
  }

  it('overspends at most one hold per replica across a pause mid-flood, and holds nothing after', async () => {
    const tenantId = 'flood';
    const budget = 12_000;
    const limits = limitsFor(tenantId, budget);
    const tally = { served: 0 };
    const flood = Promise.all(
      replicas.flatMap((r) => Array.from({ length: LOOPS }, () => caller(r, tenantId, limits, tally))),
    );
    // Pause once a fifth of the budget is served (a point in the flood, not a time).
    while (tally.served * USED.tokens < budget / 5) await sleep(5);
    redis.pause();
    await sleep(2_500);
    redis.resume();
    await flood;
    await drained();
    const after = await settledAndHeld(tenantId, limits);
    const unconfirmed = replicas.reduce((n, r) => n + r.servedUnconfirmed, 0);
    expect(after.settled - budget).toBeLessThanOrEqual(REPLICAS * HOLD.tokens);
    expect(after).toMatchObject({ held: 0, holds: 0 });
    // The flood went on while Redis was paused, and then ran the budget out.
    expect(unconfirmed).toBeGreaterThan(0);
    expect(after.settled).toBeGreaterThan(budget - 2 * REPLICAS * LOOPS * HOLD.tokens);
  });

  it('a tenant first seen while Redis is paused gets one unconfirmed call per replica, settled after', async () => {
    const tenantId = 'unheard';
    const limits = limitsFor(tenantId, 40_000);
    for (const r of replicas) r.servedUnconfirmed = 0;
    redis.pause();
    const outcomes = await Promise.all(
      replicas.map(async (r) => {
        const served: string[] = [];
        let refused = 0;
        for (let i = 0; i < 5; i++) {
          const holdId = `u${holdSeq++}`;
          try {
            const result = await r.store.reserve({ tenantId, limits, holdId, amount: HOLD, force: false });
            expect(result.ok).toBe(true);
            served.push(holdId);
          } catch (error) {
            expect(error).toMatchObject({ code: 'SLUICE_BUDGET_PENDING' });
            refused++;
          }
        }
        return { r, served, refused };
      }),
    );
    expect(outcomes.map((o) => [o.served.length, o.refused])).toEqual(replicas.map(() => [1, 4]));
    redis.resume();
    await drained();
    // Redis is back before the answers settle: their holds are placed, so Redis counts them.
    const during = await settledAndHeld(tenantId, limits);
    expect(during).toMatchObject({ held: REPLICAS * HOLD.tokens, holds: REPLICAS });
    await Promise.all(
      outcomes.flatMap(({ r, served }) =>
        served.map((id) =>
          r.store.settle({ tenantId, limits, hold: { id, amount: HOLD }, actual: USED, usage: null }),
        ),
      ),
    );
    expect(await settledAndHeld(tenantId, limits)).toEqual({
      settled: REPLICAS * USED.tokens,
      held: 0,
      holds: 0,
    });
  });
});
