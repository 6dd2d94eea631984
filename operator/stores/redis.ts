/**
 * The operator's side of the Redis contract (policy/wire.ts): one MULTI per change —
 * SET record, HSET index, INCR generation, RPUSH outbox, PUBLISH update — so sidecars, the
 * generation counter and the audit outbox never disagree. Thin: no decisions here.
 *
 * Operator-private keys (not part of the sidecar contract):
 *   {p}operator:outbox   list  JSON OutboxEvent, drained to Postgres by the leader
 */
import { Redis } from 'ioredis';
import {
  decodeRecord,
  encodeRecord,
  type PolicyUpdate,
  redisKeys,
  type TenantRecord,
} from '../../policy/wire.ts';
import type { OutboxEvent } from '../reconcile/outbox-event.ts';

export interface UsageHash {
  day: string;
  tenantId: string;
  fields: Record<string, string>;
}

export class RedisStore {
  readonly redis: Redis;
  readonly keys: ReturnType<typeof redisKeys>;
  readonly prefix: string;
  readonly outboxKey: string;

  constructor(url: string, prefix: string) {
    // maxRetriesPerRequest null would queue commands forever while Redis is down; 2 lets a
    // reconcile fail fast and go back to the work queue's backoff instead.
    this.redis = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false, enableOfflineQueue: true });
    this.redis.on('error', () => {
      // ioredis reconnects by itself; failures surface on the commands that need Redis.
    });
    this.prefix = prefix;
    this.keys = redisKeys(prefix);
    this.outboxKey = `${prefix}operator:outbox`;
  }

  async getRecord(tenantId: string): Promise<TenantRecord | null> {
    const text = await this.redis.get(this.keys.policy(tenantId));
    return text === null ? null : decodeRecord(text);
  }

  async write(record: TenantRecord, outbox: OutboxEvent[]): Promise<void> {
    const tenantId = record.policy.tenantId;
    const update: PolicyUpdate = { tenantId, version: record.policy.version, deleted: false };
    const multi = this.redis
      .multi()
      .set(this.keys.policy(tenantId), encodeRecord(record))
      .hset(this.keys.policyIndex, tenantId, record.policy.version)
      .incr(this.keys.generation);
    if (outbox.length > 0) multi.rpush(this.outboxKey, ...outbox.map((e) => JSON.stringify(e)));
    multi.publish(this.keys.updates, JSON.stringify(update));
    check(await multi.exec());
  }

  async delete(tenantId: string | null, outbox: OutboxEvent[]): Promise<void> {
    const multi = this.redis.multi();
    if (tenantId) {
      const update: PolicyUpdate = { tenantId, version: '', deleted: true };
      multi.del(this.keys.policy(tenantId)).hdel(this.keys.policyIndex, tenantId).incr(this.keys.generation);
      if (outbox.length > 0) multi.rpush(this.outboxKey, ...outbox.map((e) => JSON.stringify(e)));
      multi.publish(this.keys.updates, JSON.stringify(update));
    } else if (outbox.length > 0) {
      multi.rpush(this.outboxKey, ...outbox.map((e) => JSON.stringify(e)));
    }
    check(await multi.exec());
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

  /** Every usage hash ({p}usage:{day}:{tenant}); SCAN, so a big keyspace does not block Redis. */
  async readUsage(): Promise<UsageHash[]> {
    const out: UsageHash[] = [];
    const head = `${this.prefix}usage:`;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.keys.usagePattern, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const rest = key.slice(head.length);
        const colon = rest.indexOf(':');
        if (colon !== 10) continue; // not "{YYYY-MM-DD}:{tenant}"
        const fields = await this.redis.hgetall(key);
        out.push({ day: rest.slice(0, 10), tenantId: rest.slice(11), fields });
      }
    } while (cursor !== '0');
    return out;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

function check(results: [Error | null, unknown][] | null): void {
  if (!results) throw new Error('Redis MULTI was aborted');
  for (const [error] of results) if (error) throw error;
}
