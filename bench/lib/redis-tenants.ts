/**
 * Writes tenant records into Redis the way the operator does (operator/stores/redis.ts: the
 * global index and generation, the API-key index, then the record, its version and the SPUBLISH
 * on the tenant's shard channel), for tests and benchmarks. Works on a single node and on a
 * Redis Cluster.
 */

import type { Redis } from 'ioredis';
import { deleteTenantRecord, writeTenantRecord } from '../../operator/stores/redis.ts';
import { computeEffectivePolicy } from '../../policy/effective.ts';
import type { TenantPolicySpec } from '../../policy/schema/tenant-policy.ts';
import type { Tier } from '../../policy/tiers.ts';
import { encodeRecord, hashApiKey, type RedisKeys, type TenantRecord } from '../../policy/wire.ts';
import { masters, type RedisClient } from '../../sidecar/config/redis-client.ts';

/** A spec's request rate: `limit` per `window` ('1h', '30s'), up to `burst` at once. */
export interface RequestRate {
  limit: number;
  window: string;
  burst: number;
}

/** A spec whose limit under test is a request rate; `extra` adds fields (models, more limits). */
export function rateLimited(
  tenantId: string,
  tier: Tier,
  requests: RequestRate,
  extra: Omit<TenantPolicySpec, 'tenantId' | 'tier'> = {},
): TenantPolicySpec {
  return { ...extra, tenantId, tier, limits: { ...extra.limits, requests } };
}

export async function writeTenant(
  redis: RedisClient,
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
  await writeTenantRecord(redis, keys, record);
  return record;
}

export async function deleteTenant(redis: RedisClient, keys: RedisKeys, tenantId: string): Promise<void> {
  await deleteTenantRecord(redis, keys, tenantId);
}

/** Deletes every key under `prefix` on every master (test clean-up). */
export async function deletePrefix(redis: RedisClient, prefix: string): Promise<void> {
  for (const node of masters(redis)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      // One key per DEL: on a cluster, keys of different slots cannot share a command.
      await Promise.all(found.map((k) => node.del(k)));
    } while (cursor !== '0');
  }
}

/**
 * Writes `count` synthetic tenants (`tenant-<j>`, API key `key-<j>`) the fast way, in pipelined
 * batches of `batch`: the record, its version, the API-key index and the policy index, without the
 * generation bump or the publish (the caller bumps the generation if a sidecar is to notice).
 */
export async function writeManyTenants(
  redis: Redis,
  keys: RedisKeys,
  o: {
    count: number;
    batch: number;
    spec: (j: number, tenantId: string) => TenantPolicySpec;
    source: (tenantId: string) => string;
    now?: Date;
  },
): Promise<void> {
  const now = o.now ?? new Date();
  for (let i = 0; i < o.count; i += o.batch) {
    const pipe = redis.pipeline();
    for (let j = i; j < Math.min(o.count, i + o.batch); j++) {
      const tenantId = `tenant-${j}`;
      const record: TenantRecord = {
        policy: computeEffectivePolicy(o.spec(j, tenantId), now),
        apiKeyHashes: [hashApiKey(`key-${j}`)],
        source: o.source(tenantId),
        generation: 1,
      };
      pipe.set(keys.policy(tenantId), encodeRecord(record));
      pipe.set(keys.version(tenantId), record.policy.version);
      pipe.set(keys.apiKey(record.apiKeyHashes[0]!), tenantId);
      pipe.hset(keys.policyIndex, tenantId, record.policy.version);
    }
    await pipe.exec();
  }
}
