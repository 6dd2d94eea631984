/**
 * Writes tenant records into Redis the way the operator does (policy/wire.ts: SET the record,
 * HSET the version index, INCR the generation, then PUBLISH), for tests and benchmarks.
 */
import type { Redis } from 'ioredis';
import { computeEffectivePolicy } from '../../policy/effective.ts';
import type { TenantPolicySpec } from '../../policy/schema/tenant-policy.ts';
import {
  encodeRecord,
  hashApiKey,
  type PolicyUpdate,
  type RedisKeys,
  type TenantRecord,
} from '../../policy/wire.ts';

export async function writeTenant(
  redis: Redis,
  keys: RedisKeys,
  spec: TenantPolicySpec,
  apiKeys: string[],
  now = new Date(),
): Promise<TenantRecord> {
  const record: TenantRecord = {
    policy: computeEffectivePolicy(spec, now),
    apiKeyHashes: apiKeys.map(hashApiKey),
    source: `test/${spec.tenantId}`,
    generation: 1,
  };
  const update: PolicyUpdate = { tenantId: spec.tenantId, version: record.policy.version, deleted: false };
  await redis
    .multi()
    .set(keys.policy(spec.tenantId), encodeRecord(record))
    .hset(keys.policyIndex, spec.tenantId, record.policy.version)
    .incr(keys.generation)
    .exec();
  await redis.publish(keys.updates, JSON.stringify(update));
  return record;
}

export async function deleteTenant(redis: Redis, keys: RedisKeys, tenantId: string): Promise<void> {
  await redis
    .multi()
    .del(keys.policy(tenantId))
    .hdel(keys.policyIndex, tenantId)
    .incr(keys.generation)
    .exec();
  const update: PolicyUpdate = { tenantId, version: '', deleted: true };
  await redis.publish(keys.updates, JSON.stringify(update));
}

/** Deletes every key under `prefix` (test clean-up). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (found.length > 0) await redis.del(...found);
  } while (cursor !== '0');
}
