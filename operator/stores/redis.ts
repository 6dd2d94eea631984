/**
 * The operator's side of the Redis contract (policy/wire.ts), laid out for Redis Cluster
 * (docs/adr/0024-redis-cluster-layout.md). A change is written in this order, each step
 * single-slot:
 *
 *   1. global slot, one script: RPUSH outbox (deterministic ids: a repeat is harmless), HSET
 *      index, INCR generation, ZADD the change feed (tenant -> that generation), trimmed
 *   2. {p}apikey:{hash} -> tenant for each of the record's API-key hashes (one slot each)
 *   3. tenant slot, MULTI: SET record, SET version, SPUBLISH the tenant's shard channel
 *   4. delete the index entries of hashes the tenant no longer has (only if still theirs)
 *
 * The controller decides "already written" from the record (step 3), so a crash anywhere
 * before it makes the next reconcile redo the whole change; a crash after it leaves at most a
 * stale key-index entry, which sidecars ignore because the record must list the hash itself.
 * Thin: no decisions here.
 */
import {
  CHANGES_KEPT,
  decodeRecord,
  encodeRecord,
  type PolicyUpdate,
  parseUsageKey,
  type RedisKeys,
  redisKeys,
  type TenantRecord,
} from '../../policy/wire.ts';
import { createRedisClient, masters, type RedisClient } from '../../sidecar/config/redis-client.ts';
import type { OutboxEvent } from '../reconcile/outbox-event.ts';
import { migrateLegacyKeys } from './redis-migrate.ts';

export interface UsageHash {
  day: string;
  tenantId: string;
  fields: Record<string, string>;
}

// Deletes an API-key index entry only while it still names this tenant (a key moved to another
// tenant keeps its new entry).
const DEL_IF = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

// Step 1 as one script (MULTI cannot feed INCR's result to ZADD). KEYS: generation, changes,
// index, outbox. ARGV: tenant, '1' write / '0' delete, version, kept, outbox entries...
const GLOBAL_STEP = `
local g = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], g, ARGV[1])
local n = redis.call('ZCARD', KEYS[2])
if n > tonumber(ARGV[4]) then redis.call('ZREMRANGEBYRANK', KEYS[2], 0, n - tonumber(ARGV[4]) - 1) end
if ARGV[2] == '1' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[3]) else redis.call('HDEL', KEYS[3], ARGV[1]) end
for i = 5, #ARGV do redis.call('RPUSH', KEYS[4], ARGV[i]) end
return g`;

/** How long after start the usage rollup also merges single-node keys (a rolling upgrade). */
const LEGACY_MERGE_MS = 60 * 60_000;

export class RedisStore {
  readonly redis: RedisClient;
  readonly keys: RedisKeys;
  readonly prefix: string;
  readonly outboxKey: string;
  private readonly startedAt = Date.now();

  constructor(url: string, prefix: string) {
    // maxRetriesPerRequest 2: a reconcile fails fast and goes back to the work queue's backoff
    // instead of queueing forever while Redis is down.
    this.redis = createRedisClient(url, { maxRetriesPerRequest: 2, connectionName: 'sluice-operator' });
    this.redis.on('error', () => {
      // ioredis reconnects by itself; failures surface on the commands that need Redis.
    });
    this.prefix = prefix;
    this.keys = redisKeys(prefix);
    this.outboxKey = this.keys.outbox;
  }

  async getRecord(tenantId: string): Promise<TenantRecord | null> {
    const text = await this.redis.get(this.keys.policy(tenantId));
    return text === null ? null : decodeRecord(text);
  }

  async write(record: TenantRecord, outbox: OutboxEvent[]): Promise<void> {
    await writeTenantRecord(this.redis, this.keys, record, outbox);
  }

  async delete(tenantId: string | null, outbox: OutboxEvent[]): Promise<void> {
    if (tenantId) await deleteTenantRecord(this.redis, this.keys, tenantId, outbox);
    else if (outbox.length > 0)
      await this.redis.rpush(this.outboxKey, ...outbox.map((e) => JSON.stringify(e)));
  }

  /** The oldest `count` outbox entries (not removed: ack after Postgres committed them). */
  async peekOutbox(count: number): Promise<OutboxEvent[]> {
    const items = await this.redis.lrange(this.outboxKey, 0, count - 1);
    return items.map((s) => JSON.parse(s) as OutboxEvent);
  }

  async ackOutbox(count: number): Promise<void> {
    await this.redis.ltrim(this.outboxKey, count, -1);
  }

  async outboxLength(): Promise<number> {
    return this.redis.llen(this.outboxKey);
  }

  /**
   * Every usage hash ({p}{tenant}:usage:{day}) on every master; SCAN, so a big keyspace does not
   * block Redis. For the first hour it first merges counters left under the single-node names
   * by sidecars of the previous version (operator/stores/redis-migrate.ts).
   */
  async readUsage(): Promise<UsageHash[]> {
    if (Date.now() - this.startedAt < LEGACY_MERGE_MS) await migrateLegacyKeys(this.redis, this.prefix);
    const out: UsageHash[] = [];
    for (const node of masters(this.redis)) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', this.keys.usagePattern, 'COUNT', 1_000);
        cursor = next;
        for (const key of found) {
          const parsed = parseUsageKey(this.prefix, key);
          if (!parsed) continue;
          out.push({ ...parsed, fields: await this.redis.hgetall(key) });
        }
      } while (cursor !== '0');
    }
    return out;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** Steps 1-4 above; exported for tests and benchmarks that play the operator. */
export async function writeTenantRecord(
  redis: RedisClient,
  keys: RedisKeys,
  record: TenantRecord,
  outbox: OutboxEvent[] = [],
): Promise<void> {
  const tenantId = record.policy.tenantId;
  const previous = await redis.get(keys.policy(tenantId));
  await globalStep(redis, keys, tenantId, record.policy.version, outbox);
  await Promise.all(record.apiKeyHashes.map((h) => redis.set(keys.apiKey(h), tenantId)));
  const update: PolicyUpdate = { tenantId, version: record.policy.version, deleted: false };
  check(
    await redis
      .multi()
      .set(keys.policy(tenantId), encodeRecord(record))
      .set(keys.version(tenantId), record.policy.version)
      .spublish(keys.updates(tenantId), JSON.stringify(update))
      .exec(),
  );
  const dropped =
    previous === null ? [] : oldHashes(previous).filter((h) => !record.apiKeyHashes.includes(h));
  await Promise.all(dropped.map((h) => redis.eval(DEL_IF, 1, keys.apiKey(h), tenantId)));
}

export async function deleteTenantRecord(
  redis: RedisClient,
  keys: RedisKeys,
  tenantId: string,
  outbox: OutboxEvent[] = [],
): Promise<void> {
  const previous = await redis.get(keys.policy(tenantId));
  await globalStep(redis, keys, tenantId, null, outbox);
  const update: PolicyUpdate = { tenantId, version: '', deleted: true };
  check(
    await redis
      .multi()
      .del(keys.policy(tenantId), keys.version(tenantId))
      .spublish(keys.updates(tenantId), JSON.stringify(update))
      .exec(),
  );
  const hashes = previous === null ? [] : oldHashes(previous);
  await Promise.all(hashes.map((h) => redis.eval(DEL_IF, 1, keys.apiKey(h), tenantId)));
}

function globalStep(
  redis: RedisClient,
  keys: RedisKeys,
  tenantId: string,
  version: string | null,
  outbox: OutboxEvent[],
): Promise<unknown> {
  return redis.eval(
    GLOBAL_STEP,
    4,
    keys.generation,
    keys.changes,
    keys.policyIndex,
    keys.outbox,
    tenantId,
    version === null ? '0' : '1',
    version ?? '',
    CHANGES_KEPT,
    ...outbox.map((e) => JSON.stringify(e)),
  );
}

function oldHashes(text: string): string[] {
  try {
    return decodeRecord(text).apiKeyHashes;
  } catch {
    return [];
  }
}

function check(results: [Error | null, unknown][] | null): void {
  if (!results) throw new Error('Redis MULTI was aborted');
  for (const [error] of results) if (error) throw error;
}
