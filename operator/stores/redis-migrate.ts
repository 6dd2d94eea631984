/**
 * Moves counters from the single-node key names (before docs/adr/0024) to the slot layout,
 * without losing any: run by the operator's usage rollup for the first hour after it starts, so
 * it also catches what sidecars of the previous version keep writing during a rolling upgrade.
 * Each old key is merged into its new name and deleted in one Lua script (atomic on the single
 * node that holds both), so a merge repeated after a crash never counts anything twice:
 *
 *   {p}rl:{t}                -> {p}{t}:rl                the later TAT wins (GCRA state is a time)
 *   {p}budget:{t}:{period}   -> {p}{t}:budget:{period}   INCRBY (both count up from 0)
 *   {p}usage:{day}:{t}       -> {p}{t}:usage:{day}       HINCRBY per field (cumulative counts)
 *   {p}operator:outbox       -> {p}{~global}:operator:outbox   appended (ids are deterministic)
 *
 * Policy records, the index, the generation and the replica set are not moved: the new
 * operator rewrites every record on its first pass and sidecars re-register by heartbeat. The
 * old ones are deleted once no old sidecar can need them (`dropLegacyPolicies`).
 *
 * Only a single node can hold old keys (on a cluster their MULTIs were cross-slot), so on a
 * cluster this does nothing.
 */
import { legacyRedisKeys, redisKeys } from '../../policy/wire.ts';
import { isCluster, type RedisClient } from '../../sidecar/config/redis-client.ts';

const MERGE_RATE = `
local tat = tonumber(redis.call('HGET', KEYS[1], 't'))
if tat then
  local new = tonumber(redis.call('HGET', KEYS[2], 't'))
  if not new or tat > new then
    redis.call('HSET', KEYS[2], 't', redis.call('HGET', KEYS[1], 't'), 'i', redis.call('HGET', KEYS[1], 'i'))
    local ttl = redis.call('PTTL', KEYS[1])
    if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
  end
end
return redis.call('DEL', KEYS[1])`;

const MERGE_COUNTER = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
redis.call('INCRBY', KEYS[2], v)
local ttl = redis.call('PTTL', KEYS[1])
if ttl > redis.call('PTTL', KEYS[2]) then redis.call('PEXPIRE', KEYS[2], ttl) end
return redis.call('DEL', KEYS[1])`;

const MERGE_HASH = `
local f = redis.call('HGETALL', KEYS[1])
for i = 1, #f, 2 do redis.call('HINCRBY', KEYS[2], f[i], f[i + 1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > redis.call('PTTL', KEYS[2]) then redis.call('PEXPIRE', KEYS[2], ttl) end
return redis.call('DEL', KEYS[1])`;

const MOVE_LIST = `
local items = redis.call('LRANGE', KEYS[1], 0, -1)
for i = 1, #items do redis.call('RPUSH', KEYS[2], items[i]) end
return redis.call('DEL', KEYS[1])`;

export interface MigrationResult {
  rate: number;
  budget: number;
  usage: number;
  outbox: number;
  policies: number;
}

export async function migrateLegacyKeys(
  redis: RedisClient,
  prefix: string,
  options: { dropLegacyPolicies?: boolean } = {},
): Promise<MigrationResult> {
  const result: MigrationResult = { rate: 0, budget: 0, usage: 0, outbox: 0, policies: 0 };
  if (isCluster(redis)) return result;
  const old = legacyRedisKeys(prefix);
  const keys = redisKeys(prefix);
  const at = (head: string) => (key: string) => key.slice(prefix.length + head.length);
  for (const key of await scanAll(redis, old.ratePattern)) {
    const tenant = at('rl:')(key);
    if (!isTenant(tenant)) continue;
    result.rate += Number(await redis.eval(MERGE_RATE, 2, key, keys.rate(tenant)));
  }
  for (const key of await scanAll(redis, old.budgetPattern)) {
    const rest = at('budget:')(key);
    const colon = rest.indexOf(':');
    const tenant = rest.slice(0, colon);
    if (colon < 1 || !isTenant(tenant)) continue;
    result.budget += Number(
      await redis.eval(MERGE_COUNTER, 2, key, keys.budget(tenant, rest.slice(colon + 1))),
    );
  }
  for (const key of await scanAll(redis, old.usagePattern)) {
    const m = /^(\d{4}-\d{2}-\d{2}):(.+)$/.exec(at('usage:')(key));
    if (!m || !isTenant(m[2]!)) continue;
    result.usage += Number(await redis.eval(MERGE_HASH, 2, key, keys.usage(m[1]!, m[2]!)));
  }
  result.outbox += Number(await redis.eval(MOVE_LIST, 2, old.outbox, keys.outbox));
  if (options.dropLegacyPolicies) {
    const legacy = [
      ...(await scanAll(redis, old.policyPattern)),
      old.policyIndex,
      old.generation,
      old.replicas,
      old.servedOpen,
    ];
    for (let i = 0; i < legacy.length; i += 500)
      result.policies += await redis.del(...legacy.slice(i, i + 500));
  }
  return result;
}

function isTenant(id: string): boolean {
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(id);
}

async function scanAll(redis: RedisClient, pattern: string): Promise<string[]> {
  if (isCluster(redis)) return [];
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    cursor = next;
    out.push(...found);
  } while (cursor !== '0');
  return out;
}
