/**
 * Redis budget store: one Lua script for check-and-reserve (one round trip, atomic across all
 * replicas), one pipeline for reconcile + usage counters. Keys per policy/wire.ts:
 *   {p}budget:{tenant}:tokens:{periodKey}   string  tokens reserved + charged this period
 *   {p}budget:{tenant}:cost:{periodKey}     string  micro-USD reserved + charged this period
 *   {p}usage:{day}:{tenant}                 hash    usage fields, HINCRBY, EXPIRE 8 days
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Redis } from 'ioredis';
import { redisKeys } from '../../../policy/wire.ts';
import type { Exhausted } from './budget.ts';
import type { BudgetStore, ReserveRequest, ReserveResult, SettleRequest } from './store.ts';

// KEYS[1] tokens counter, KEYS[2] cost counter
// ARGV: reserveTokens, reserveCost, tokenLimit, costLimit, tokensTtl, costTtl, force (0|1)
// Mirrors budget.ts admits(): used + reservation ≤ limit for both, else nothing is written.
const RESERVE_SCRIPT = `
local t = tonumber(redis.call('GET', KEYS[1]) or '0')
local c = tonumber(redis.call('GET', KEYS[2]) or '0')
local rt = tonumber(ARGV[1])
local rc = tonumber(ARGV[2])
if ARGV[7] ~= '1' then
  if t + rt > tonumber(ARGV[3]) then return {0, 1, t, c} end
  if c + rc > tonumber(ARGV[4]) then return {0, 2, t, c} end
end
redis.call('INCRBY', KEYS[1], rt)
redis.call('INCRBY', KEYS[2], rc)
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[6])
return {1, 0, t, c}
`;

type ReserveFn = (
  tokensKey: string,
  costKey: string,
  ...args: (string | number)[]
) => Promise<[number, number, number, number]>;

/**
 * Settles that could not be sent while Redis was unreachable, merged per key and field so memory
 * stays bounded by the number of distinct counters (tenants × models × days), not by requests.
 * Replayed in one pipeline on reconnect: without this, every answer served during a Redis outage
 * was missing from the usage hash (and from the cost reports the operator rolls up).
 */
const MAX_PENDING_KEYS = 10_000;

interface PendingCounter {
  /** 'hash' = HINCRBY fields of a usage hash; 'string' = INCRBY of a budget counter ('' field). */
  kind: 'hash' | 'string';
  fields: Map<string, number>;
  ttlSeconds: number;
}

/** Pending counters as written to the state dir: [key, kind, ttlSeconds, [field, by][]][]. */
type PendingFile = [string, PendingCounter['kind'], number, [string, number][]][];

export class RedisBudgetStore implements BudgetStore {
  readonly mode = 'redis' as const;
  private readonly redis: Redis;
  private readonly keys: ReturnType<typeof redisKeys>;
  private readonly pending = new Map<string, PendingCounter>();
  private flushing: Promise<void> | null = null;
  /** Where pending counters survive a restart (--state-dir); null = memory only. */
  private readonly pendingFile: string | null;
  private saveTimer: NodeJS.Timeout | null = null;

  constructor(redis: Redis, prefix: string, options: { pendingFile?: string | null } = {}) {
    this.redis = redis;
    this.keys = redisKeys(prefix);
    this.pendingFile = options.pendingFile ?? null;
    this.loadPending();
    this.redis.on('ready', () => void this.flushPending());
    if (!(this.redis as unknown as { sluiceBudgetReserve?: ReserveFn }).sluiceBudgetReserve) {
      // defineCommand sends EVALSHA and falls back to EVAL once per connection: one round trip.
      this.redis.defineCommand('sluiceBudgetReserve', { numberOfKeys: 2, lua: RESERVE_SCRIPT });
    }
  }

  async reserve({ tenantId, limits, amount, force }: ReserveRequest): Promise<ReserveResult> {
    const reserve = (this.redis as unknown as { sluiceBudgetReserve: ReserveFn }).sluiceBudgetReserve.bind(
      this.redis,
    );
    const [ok, which, t, c] = await reserve(
      this.keys.budget(tenantId, limits.tokens.key),
      this.keys.budget(tenantId, limits.cost.key),
      amount.tokens,
      amount.costMicroUsd,
      limits.tokens.limit,
      limits.cost.limitMicroUsd,
      limits.tokens.ttlSeconds,
      limits.cost.ttlSeconds,
      force ? 1 : 0,
    );
    const used = { tokens: Number(t), costMicroUsd: Number(c) };
    if (ok === 1) return { ok: true, used };
    const exhausted: Exhausted = which === 1 ? 'tokens' : 'cost';
    return { ok: false, exhausted, used };
  }

  async settle(request: SettleRequest): Promise<void> {
    // Not connected: the commands would be refused unsent (enableOfflineQueue is off), so keep
    // them for the reconnect. A command that was sent and then timed out is not replayed: it may
    // have been applied, and counting it twice is worse than missing it (it is logged).
    if (this.redis.status !== 'ready') {
      if (this.buffer(request)) return this.scheduleSave();
      throw new Error(`redis is ${this.redis.status} and ${MAX_PENDING_KEYS} counters are already pending`);
    }
    try {
      await this.send(request);
    } catch (error) {
      if (isUnsent(error) && this.buffer(request)) return this.scheduleSave();
      throw error;
    }
  }

  /** Counters waiting for Redis (tests, diagnostics). */
  pendingCounters(): number {
    return this.pending.size;
  }

  private buffer({ tenantId, limits, delta, usage }: SettleRequest): boolean {
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
    let ok = add(
      this.keys.budget(tenantId, limits.tokens.key),
      'string',
      '',
      delta.tokens,
      limits.tokens.ttlSeconds,
    );
    ok =
      add(
        this.keys.budget(tenantId, limits.cost.key),
        'string',
        '',
        delta.costMicroUsd,
        limits.cost.ttlSeconds,
      ) && ok;
    for (const [field, by] of usage?.fields ?? [])
      ok = add(usage!.key, 'hash', field, by, usage!.ttlSeconds) && ok;
    return ok;
  }

  private flushPending(): Promise<void> {
    if (this.flushing || this.pending.size === 0) return this.flushing ?? Promise.resolve();
    const batch = new Map(this.pending);
    this.pending.clear();
    const pipeline = this.redis.pipeline();
    for (const [key, entry] of batch) {
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

  private async send({ tenantId, limits, delta, usage }: SettleRequest): Promise<void> {
    const pipeline = this.redis.pipeline();
    if (delta.tokens !== 0) pipeline.incrby(this.keys.budget(tenantId, limits.tokens.key), delta.tokens);
    if (delta.costMicroUsd !== 0)
      pipeline.incrby(this.keys.budget(tenantId, limits.cost.key), delta.costMicroUsd);
    if (usage) {
      for (const [field, by] of usage.fields) pipeline.hincrby(usage.key, field, by);
      pipeline.expire(usage.key, usage.ttlSeconds);
    }
    if (pipeline.length === 0) return;
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
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

  /** Current counters (tests, diagnostics). */
  async used(
    tenantId: string,
    limits: ReserveRequest['limits'],
  ): Promise<{ tokens: number; costMicroUsd: number }> {
    const [t, c] = await this.redis.mget(
      this.keys.budget(tenantId, limits.tokens.key),
      this.keys.budget(tenantId, limits.cost.key),
    );
    return { tokens: Number(t ?? 0), costMicroUsd: Number(c ?? 0) };
  }
}

/** ioredis refused the command before writing it (offline, enableOfflineQueue off). */
function isUnsent(error: unknown): boolean {
  return error instanceof Error && /enableOfflineQueue|Stream isn't writeable/i.test(error.message);
}
