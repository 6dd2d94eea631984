/**
 * Redis budget store: one Lua script for check-and-hold (one round trip, atomic across all
 * replicas), one pipeline for settle (release the hold, charge what was used, usage counters).
 * Keys per policy/wire.ts, all of one tenant:
 *   {p}budget:{tenant}:tokens:{periodKey}   string  tokens settled (charged) this period
 *   {p}budget:{tenant}:cost:{periodKey}     string  micro-USD settled this period
 *   {p}budget:{tenant}:holds                zset    "<id>:<tokens>:<cost>" -> expiry (ms, Redis TIME)
 *   {p}budget:{tenant}:held                 hash    t, c: the sum of those holds
 *   {p}usage:{day}:{tenant}                 hash    usage fields, HINCRBY, EXPIRE 8 days
 * A hold is named by the caller, so a settle releases it whether or not the reserve's answer
 * arrived, and a hold nobody settles expires (HOLD_TTL_MS): nothing stays reserved forever.
 * docs/adr/0016-budget-holds.md
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Redis } from 'ioredis';
import { redisKeys } from '../../../policy/wire.ts';
import { type Amount, HOLD_TTL_MS, holdMember, type Refusal } from './budget.ts';
import type { BudgetStore, ReserveRequest, ReserveResult, SettleRequest } from './store.ts';

// KEYS: tokens settled, cost settled, holds, held
// ARGV: member, tokens, cost, tokenLimit, costLimit, force (0|1), holdTtlMs
// Negations are written 0 - x: Lua's -x of 0 is -0, which Redis sends as "-0" and HINCRBY
// refuses ("value is not an integer"): a hold of 0 µ$ (an unpriced model) failed its release.
// Mirrors budget.ts decide(): exhausted when settled alone leaves no room (1 tokens, 2 cost),
// pending when settled + held does (3 tokens, 4 cost); else the hold is placed (once per member).
const RESERVE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
if #expired > 0 then
  local et, ec = 0, 0
  for _, m in ipairs(expired) do
    local _, _, mt, mc = string.find(m, ':(%-?%d+):(%-?%d+)$')
    et = et + tonumber(mt)
    ec = ec + tonumber(mc)
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  redis.call('HINCRBY', KEYS[4], 't', 0 - et)
  redis.call('HINCRBY', KEYS[4], 'c', 0 - ec)
end
local st = tonumber(redis.call('GET', KEYS[1]) or '0')
local sc = tonumber(redis.call('GET', KEYS[2]) or '0')
local h = redis.call('HMGET', KEYS[4], 't', 'c')
local ht = tonumber(h[1] or '0')
local hc = tonumber(h[2] or '0')
local rt = tonumber(ARGV[2])
local rc = tonumber(ARGV[3])
if ARGV[6] ~= '1' then
  if st + rt > tonumber(ARGV[4]) then return {0, 1, st, sc, ht, hc} end
  if sc + rc > tonumber(ARGV[5]) then return {0, 2, st, sc, ht, hc} end
  if st + ht + rt > tonumber(ARGV[4]) then return {0, 3, st, sc, ht, hc} end
  if sc + hc + rc > tonumber(ARGV[5]) then return {0, 4, st, sc, ht, hc} end
end
if redis.call('ZADD', KEYS[3], now + tonumber(ARGV[7]), ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[4], 't', rt)
  redis.call('HINCRBY', KEYS[4], 'c', rc)
end
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[7]) + 60000)
redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[7]) + 60000)
return {1, 0, st, sc, ht, hc}
`;

// KEYS: holds, held; ARGV: member. Releases the hold if it is still there (idempotent); 0 - x as
// in the reserve script.
const RELEASE_SCRIPT = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  local _, _, mt, mc = string.find(ARGV[1], ':(%-?%d+):(%-?%d+)$')
  redis.call('HINCRBY', KEYS[2], 't', 0 - tonumber(mt))
  redis.call('HINCRBY', KEYS[2], 'c', 0 - tonumber(mc))
  return 1
end
return 0
`;

const REFUSALS: Record<number, Refusal> = {
  1: { kind: 'exhausted', budget: 'tokens' },
  2: { kind: 'exhausted', budget: 'cost' },
  3: { kind: 'pending', budget: 'tokens' },
  4: { kind: 'pending', budget: 'cost' },
};

type ScriptRedis = Redis & {
  sluiceBudgetReserve(...args: (string | number)[]): Promise<number[]>;
  sluiceBudgetRelease(holds: string, held: string, member: string): Promise<number>;
};

/**
 * Settles that could not be sent while Redis was unreachable, merged per key and field so memory
 * stays bounded by the number of distinct counters (tenants × models × days), not by requests.
 * Replayed in one pipeline on reconnect: without this, every answer served during a Redis outage
 * was missing from the usage hash (and from the cost reports the operator rolls up).
 */
const MAX_PENDING_KEYS = 10_000;

interface PendingCounter {
  /**
   * 'hash' = HINCRBY fields of a usage hash; 'string' = INCRBY of a budget counter ('' field);
   * 'release' = holds to release, the fields are their members and the key is "\0release\0<tenant>".
   */
  kind: 'hash' | 'string' | 'release';
  fields: Map<string, number>;
  ttlSeconds: number;
}

/** Pending counters as written to the state dir: [key, kind, ttlSeconds, [field, by][]][]. */
type PendingFile = [string, PendingCounter['kind'], number, [string, number][]][];

export class RedisBudgetStore implements BudgetStore {
  readonly mode = 'redis' as const;
  private readonly redis: ScriptRedis;
  private readonly keys: ReturnType<typeof redisKeys>;
  private readonly pending = new Map<string, PendingCounter>();
  private flushing: Promise<void> | null = null;
  /** Where pending counters survive a restart (--state-dir); null = memory only. */
  private readonly pendingFile: string | null;
  private saveTimer: NodeJS.Timeout | null = null;

  constructor(redis: Redis, prefix: string, options: { pendingFile?: string | null } = {}) {
    this.redis = redis as ScriptRedis;
    this.keys = redisKeys(prefix);
    this.pendingFile = options.pendingFile ?? null;
    this.loadPending();
    this.redis.on('ready', () => void this.flushPending());
    if (!('sluiceBudgetReserve' in redis)) {
      // defineCommand sends EVALSHA and falls back to EVAL once per connection: one round trip.
      redis.defineCommand('sluiceBudgetReserve', { numberOfKeys: 4, lua: RESERVE_SCRIPT });
      redis.defineCommand('sluiceBudgetRelease', { numberOfKeys: 2, lua: RELEASE_SCRIPT });
    }
  }

  async reserve({ tenantId, limits, holdId, amount, force }: ReserveRequest): Promise<ReserveResult> {
    const [ok, why, st, sc, ht, hc] = await this.redis.sluiceBudgetReserve(
      this.keys.budget(tenantId, limits.tokens.key),
      this.keys.budget(tenantId, limits.cost.key),
      this.keys.budgetHolds(tenantId),
      this.keys.budgetHeld(tenantId),
      holdMember(holdId, amount),
      amount.tokens,
      amount.costMicroUsd,
      limits.tokens.limit,
      limits.cost.limitMicroUsd,
      force ? 1 : 0,
      HOLD_TTL_MS,
    );
    const settled = { tokens: Number(st), costMicroUsd: Number(sc) };
    const held = { tokens: Number(ht), costMicroUsd: Number(hc) };
    if (ok === 1) return { ok: true, settled, held };
    return { ok: false, refusal: REFUSALS[why!]!, settled, held };
  }

  async settle(request: SettleRequest): Promise<Amount | null> {
    // Not connected: the commands would be refused unsent (enableOfflineQueue is off), so keep
    // them for the reconnect. A command that was sent and then lost is not replayed: it may have
    // been applied, and counting it twice is worse than missing it (it is logged); its hold, if
    // the release did not run, expires (HOLD_TTL_MS).
    if (this.redis.status !== 'ready') {
      if (this.buffer(request)) {
        this.scheduleSave();
        return null;
      }
      throw new Error(`redis is ${this.redis.status} and ${MAX_PENDING_KEYS} counters are already pending`);
    }
    try {
      return await this.send(request);
    } catch (error) {
      if (isUnsent(error) && this.buffer(request)) {
        this.scheduleSave();
        return null;
      }
      throw error;
    }
  }

  private pipeline() {
    return this.redis.pipeline() as ReturnType<Redis['pipeline']> & {
      sluiceBudgetRelease(holds: string, held: string, member: string): unknown;
    };
  }

  /** Counters waiting for Redis (tests, diagnostics). */
  pendingCounters(): number {
    return this.pending.size;
  }

  private buffer({ tenantId, limits, hold, actual, usage }: SettleRequest): boolean {
    const add = (
      key: string,
      kind: PendingCounter['kind'],
      field: string,
      by: number,
      ttlSeconds: number,
    ) => {
      if (by === 0) return true;
      let entry = this.pending.get(key);
      if (!entry) {
        if (this.pending.size >= MAX_PENDING_KEYS) return false;
        entry = { kind, fields: new Map(), ttlSeconds };
        this.pending.set(key, entry);
      }
      entry.fields.set(field, (entry.fields.get(field) ?? 0) + by);
      return true;
    };
    let ok = hold ? add(`\0release\0${tenantId}`, 'release', holdMember(hold.id, hold.amount), 1, 0) : true;
    const spent = [
      [limits.tokens, actual.tokens],
      [limits.cost, actual.costMicroUsd],
    ] as const;
    for (const [limit, by] of spent)
      ok = add(this.keys.budget(tenantId, limit.key), 'string', '', by, limit.ttlSeconds) && ok;
    for (const [field, by] of usage?.fields ?? [])
      ok = add(usage!.key, 'hash', field, by, usage!.ttlSeconds) && ok;
    return ok;
  }

  private flushPending(): Promise<void> {
    if (this.flushing || this.pending.size === 0) return this.flushing ?? Promise.resolve();
    const batch = new Map(this.pending);
    this.pending.clear();
    const pipeline = this.pipeline();
    for (const [key, entry] of batch) {
      if (entry.kind === 'release') {
        const tenantId = key.slice('\0release\0'.length);
        for (const member of entry.fields.keys()) {
          pipeline.sluiceBudgetRelease(
            this.keys.budgetHolds(tenantId),
            this.keys.budgetHeld(tenantId),
            member,
          );
        }
        continue;
      }
      for (const [field, by] of entry.fields) {
        if (entry.kind === 'hash') pipeline.hincrby(key, field, by);
        else pipeline.incrby(key, by);
      }
      // Budget counters get their expiry from the reserve script; a replay into a Redis that
      // restarted empty must not leave one behind without it.
      if (entry.kind === 'hash') pipeline.expire(key, entry.ttlSeconds);
      else pipeline.expire(key, entry.ttlSeconds, 'NX');
    }
    this.flushing = pipeline
      .exec()
      .then((results) => {
        if (results?.some(([error]) => error)) throw new Error('replay failed');
        // Applied: the file must no longer hold them (a replay after a restart would double them).
        this.savePending();
      })
      .catch((error: unknown) => {
        // Unsent (Redis went away again): keep them for the next reconnect.
        if (isUnsent(error)) for (const [key, entry] of batch) this.merge(key, entry);
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  private merge(key: string, entry: PendingCounter): void {
    const into = this.pending.get(key);
    if (!into) {
      if (this.pending.size < MAX_PENDING_KEYS) this.pending.set(key, entry);
      return;
    }
    for (const [field, by] of entry.fields) into.fields.set(field, (into.fields.get(field) ?? 0) + by);
  }

  private async send({ tenantId, limits, hold, actual, usage }: SettleRequest): Promise<Amount> {
    const pipeline = this.pipeline();
    if (hold) {
      pipeline.sluiceBudgetRelease(
        this.keys.budgetHolds(tenantId),
        this.keys.budgetHeld(tenantId),
        holdMember(hold.id, hold.amount),
      );
    }
    // INCRBY (by 0 too) answers the settled total, which the route shows in the gauge.
    const tokensAt = pipeline.length;
    pipeline.incrby(this.keys.budget(tenantId, limits.tokens.key), actual.tokens);
    pipeline.expire(this.keys.budget(tenantId, limits.tokens.key), limits.tokens.ttlSeconds);
    pipeline.incrby(this.keys.budget(tenantId, limits.cost.key), actual.costMicroUsd);
    pipeline.expire(this.keys.budget(tenantId, limits.cost.key), limits.cost.ttlSeconds);
    if (usage) {
      for (const [field, by] of usage.fields) pipeline.hincrby(usage.key, field, by);
      pipeline.expire(usage.key, usage.ttlSeconds);
    }
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
    return {
      tokens: Number(results?.[tokensAt]?.[1] ?? 0),
      costMicroUsd: Number(results?.[tokensAt + 2]?.[1] ?? 0),
    };
  }

  /** Writes what is still pending (called on close: a stopping sidecar keeps its counters). */
  close(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    this.savePending();
  }

  // While Redis is away, the pending counters are written to --state-dir (debounced, atomically
  // by rename) and read back at start, so a sidecar restarted during an outage still delivers
  // them. Worst case: a crash in the instant between a successful replay and the rewrite of the
  // file replays them once more (logged nowhere else, so documented in docs/reliability.md).
  private scheduleSave(): void {
    if (!this.pendingFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.savePending();
    }, 200);
    this.saveTimer.unref();
  }

  private savePending(): void {
    if (!this.pendingFile) return;
    try {
      if (this.pending.size === 0) {
        rmSync(this.pendingFile, { force: true });
        return;
      }
      const data: PendingFile = [...this.pending].map(([key, e]) => [
        key,
        e.kind,
        e.ttlSeconds,
        [...e.fields],
      ]);
      mkdirSync(dirname(this.pendingFile), { recursive: true });
      writeFileSync(`${this.pendingFile}.tmp`, JSON.stringify(data));
      renameSync(`${this.pendingFile}.tmp`, this.pendingFile);
    } catch {
      // A read-only or full state dir: the counters stay in memory, as without --state-dir.
    }
  }

  private loadPending(): void {
    if (!this.pendingFile) return;
    let data: PendingFile;
    try {
      data = JSON.parse(readFileSync(this.pendingFile, 'utf8')) as PendingFile;
    } catch {
      return; // none, or unreadable: nothing to replay
    }
    for (const [key, kind, ttlSeconds, fields] of data) {
      this.merge(key, { kind, ttlSeconds, fields: new Map(fields) });
    }
    if (this.redis.status === 'ready') void this.flushPending();
  }

  /** Settled usage this period (tests, diagnostics). */
  async used(tenantId: string, limits: ReserveRequest['limits']): Promise<Amount> {
    const [t, c] = await this.redis.mget(
      this.keys.budget(tenantId, limits.tokens.key),
      this.keys.budget(tenantId, limits.cost.key),
    );
    return { tokens: Number(t ?? 0), costMicroUsd: Number(c ?? 0) };
  }

  /** What the tenant's holds add up to, and how many there are (tests, diagnostics). */
  async held(tenantId: string): Promise<Amount & { holds: number }> {
    const [[, h], [, n]] = (await this.redis
      .multi()
      .hmget(this.keys.budgetHeld(tenantId), 't', 'c')
      .zcard(this.keys.budgetHolds(tenantId))
      .exec()) as [[null, (string | null)[]], [null, number]];
    return { tokens: Number(h[0] ?? 0), costMicroUsd: Number(h[1] ?? 0), holds: n };
  }
}

/** ioredis refused the command before writing it (offline, enableOfflineQueue off). */
export function isUnsent(error: unknown): boolean {
  return error instanceof Error && /enableOfflineQueue|Stream isn't writeable/i.test(error.message);
}
