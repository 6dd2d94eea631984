/**
 * The contract between the operator (writer) and the sidecars (readers) in Redis: key names,
 * the tenant record, the update message, and the API-key hash. Pure; both sides import it, so
 * a change here is a change to both. See docs/adr/0005-redis-layout.md and, for the slot layout,
 * docs/adr/0024-redis-cluster-layout.md.
 *
 * Every key of one tenant carries the hash tag {<tenant>}, so on Redis Cluster they all live in
 * one slot: a request-path script (rate limit, budget) and the operator's MULTI for a tenant are
 * never cross-slot. Worked example, prefix "sluice:" and tenant "acme": "sluice:{acme}:policy",
 * "sluice:{acme}:rl" and "sluice:{acme}:budget:tokens:2026-12" all hash only "acme": CRC16("acme")
 * mod 16384 = 11304 for each of them.
 *
 *   {p}{<tenant>}:policy              string  JSON TenantRecord (effective policy + API-key hashes)
 *   {p}{<tenant>}:version             string  effective version (resync compares this, not the record)
 *   {p}{<tenant>}:updates             shard channel  JSON PolicyUpdate (SPUBLISH in the record's MULTI)
 *   {p}{<tenant>}:rl                  limiter-owned (GCRA state)
 *   {p}{<tenant>}:budget:{periodKey}  egress-owned budget counters
 *   {p}{<tenant>}:budget:holds        zset    holds of answers in flight, "<id>:<tokens>:<cost>" -> expiry
 *   {p}{<tenant>}:budget:held         hash    t, c: what those holds add up to (docs/adr/0016-budget-holds.md)
 *   {p}{<tenant>}:usage:{day}         hash    "{provider}/{model}|{metric}" -> cumulative count
 *   {p}apikey:{<sha256 hex>}          string  tenant id of that API key (lazy lookup on first sight)
 *   {p}{~global}:policies             hash    tenant -> effective version (installation index)
 *   {p}{~global}:generation           string  INCR on every write or delete (cheap "anything new?")
 *   {p}{~global}:changes              zset    tenant -> generation of its last change (the last
 *                                             CHANGES_KEPT): a resync reads what changed since it
 *                                             last looked, not every held tenant's version
 *   {p}{~global}:replicas             zset    sidecar replica id -> last heartbeat (ms, Redis TIME)
 *   {p}{~global}:replica-info:{id}    string  JSON ReplicaInfo, rewritten each heartbeat, expires like it
 *   {p}{~global}:served-open          zset    tenant -> deadline (ms, Redis TIME) of its acknowledgement window
 *   {p}{<tenant>}:served              hash    sidecar replica id -> "{version} {appliedAtMs}" (Redis clock),
 *                                             or "- {atMs}" when that sidecar does not hold the tenant
 *   {p}{~activity-<b>}:{minute}       hash    "{tenant}|{metric}" -> count in that minute (epoch minute),
 *                                             b = activityBucket(tenant), one of ACTIVITY_BUCKETS
 *
 * The global keys share one tag ("~" is not a DNS-label character, so no tenant id can collide)
 * and none of them is touched per request: the index and the generation are written by the
 * operator and read by a sidecar's periodic resync, the replica set, the replica info and the
 * open acknowledgement windows once per heartbeat. The activity hashes are split into
 * ACTIVITY_BUCKETS tags by tenant: every sidecar adds a field per busy tenant and metric every
 * 5 s, which at 1,000 sidecars is tens of thousands of HINCRBY/s (docs/scale.md) — one tag would
 * put all of it on one master, 16 spread it over the masters like the tenants' own keys.
 *
 * The served keys are the sidecars' acknowledgement of what they serve (docs/adr/0022): the
 * operator opens a window for a tenant when it writes a new version; while it is open, each
 * sidecar records the version it serves for that tenant, or that it does not hold the tenant
 * (it loads the current record on first use, docs/adr/0025). Activity is what the sidecars
 * counted (requests, rejections, tokens, cost) per tenant and minute, for `kubectl sluice top`.
 *
 * Usage counters are cumulative per UTC day; the operator's rollup copies the totals into
 * Postgres with an absolute upsert, so a rollup repeated after a crash neither loses nor
 * doubles anything. Metrics: requests, prompt_tokens, completion_tokens, cost_micro_usd.
 */
import { createHash } from 'node:crypto';
import type { EffectivePolicy } from './effective.ts';

export const DEFAULT_KEY_PREFIX = 'sluice:';

/** Entries kept in the change feed ({p}{~global}:changes); older resyncs compare every version. */
export const CHANGES_KEPT = 10_000;

export interface TenantRecord {
  policy: EffectivePolicy;
  /** "sha256:<hex>" of each API key the tenant may use. Never the key itself. */
  apiKeyHashes: string[];
  /** "namespace/name" of the TenantPolicy, or the file it came from. */
  source: string;
  /** Spec generation the record was computed from (0 in file mode). */
  generation: number;
}

export interface PolicyUpdate {
  tenantId: string;
  /** Effective version now in Redis; empty when deleted. */
  version: string;
  deleted: boolean;
}

export const USAGE_METRICS = ['requests', 'prompt_tokens', 'completion_tokens', 'cost_micro_usd'] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];

export function redisKeys(prefix: string = DEFAULT_KEY_PREFIX) {
  checkPrefix(prefix);
  const t = (tenantId: string) => `${prefix}{${checkTenant(tenantId)}}:`;
  const g = `${prefix}{~global}:`;
  return {
    policy: (tenantId: string) => `${t(tenantId)}policy`,
    version: (tenantId: string) => `${t(tenantId)}version`,
    /** The tenant's shard channel (SPUBLISH / SSUBSCRIBE): same slot as its record. */
    updates: (tenantId: string) => `${t(tenantId)}updates`,
    rate: (tenantId: string) => `${t(tenantId)}rl`,
    budget: (tenantId: string, periodKey: string) => `${t(tenantId)}budget:${periodKey}`,
    /** Holds of answers in flight and their sums (docs/adr/0016-budget-holds.md): same slot as the counters. */
    budgetHolds: (tenantId: string) => `${t(tenantId)}budget:holds`,
    budgetHeld: (tenantId: string) => `${t(tenantId)}budget:held`,
    usage: (day: string, tenantId: string) => `${t(tenantId)}usage:${day}`,
    /** SCAN pattern of every usage hash; `parseUsageKey` reads one back. */
    usagePattern: `${prefix}{*}:usage:*`,
    apiKey: (keyHash: string) =>
      `${prefix}apikey:{${keyHash.startsWith('sha256:') ? keyHash.slice(7) : keyHash}}`,
    policyIndex: `${g}policies`,
    generation: `${g}generation`,
    changes: `${g}changes`,
    replicas: `${g}replicas`,
    replicaInfo: (replicaId: string) => `${g}replica-info:${replicaId}`,
    /** Acknowledgement windows (docs/adr/0022): read by every sidecar's heartbeat. */
    servedOpen: `${g}served-open`,
    served: (tenantId: string) => `${t(tenantId)}served`,
    /** One of ACTIVITY_BUCKETS hashes of a minute; `activityBucket(tenant)` says which. */
    activity: (epochMinute: number, bucket: number) => `${prefix}{~activity-${bucket}}:${epochMinute}`,
    /** Operator-private: the audit outbox drained to Postgres by the leader. */
    outbox: `${g}operator:outbox`,
  };
}

/**
 * The single-node names before the slot layout (ADR 0024), kept only so the migration
 * (operator/stores/redis-migrate.ts) can find and move them.
 */
export function legacyRedisKeys(prefix: string = DEFAULT_KEY_PREFIX) {
  return {
    policy: (tenantId: string) => `${prefix}policy:${tenantId}`,
    policyPattern: `${prefix}policy:*`,
    policyIndex: `${prefix}policies`,
    generation: `${prefix}policies:generation`,
    updates: `${prefix}policy-updates`,
    replicas: `${prefix}replicas`,
    ratePattern: `${prefix}rl:*`,
    budgetPattern: `${prefix}budget:*`,
    usagePattern: `${prefix}usage:*`,
    outbox: `${prefix}operator:outbox`,
    /** The acknowledgement windows of ADR 0022 before the slot layout (dropped, not moved). */
    servedOpen: `${prefix}served:open`,
  };
}

/** Day and tenant of a usage key ("{p}{acme}:usage:2026-12-03"), or null when it is not one. */
export function parseUsageKey(prefix: string, key: string): { day: string; tenantId: string } | null {
  const m = /^\{([a-z0-9-]+)\}:usage:(\d{4}-\d{2}-\d{2})$/.exec(
    key.startsWith(prefix) ? key.slice(prefix.length) : '',
  );
  return m ? { tenantId: m[1]!, day: m[2]! } : null;
}

function checkPrefix(prefix: string): void {
  // A brace in the prefix would become the hash tag and put every tenant in one slot.
  if (/[{}]/.test(prefix))
    throw new TypeError(`redis key prefix must not contain "{" or "}": ${JSON.stringify(prefix)}`);
}

function checkTenant(tenantId: string): string {
  // Tenant ids are DNS labels (policy/schema/tenant-policy.ts); a brace would break the tag.
  if (tenantId === '' || /[{}]/.test(tenantId))
    throw new TypeError(`not a tenant id: ${JSON.stringify(tenantId)}`);
  return tenantId;
}

export type RedisKeys = ReturnType<typeof redisKeys>;

/** What one sidecar says about itself at each heartbeat ({p}replica-info:{replica}). */
export interface ReplicaInfo {
  /** Rate-limit store mode in force: global, local-share, open, closed. */
  limiterMode: string;
  /** Tenants in its policy set. */
  tenants: number;
  /** When it wrote this (ms, Redis TIME). */
  at: number;
}

/** Per-tenant counters in {p}activity:{minute}; the field is "{tenant}|{metric}". */
export const ACTIVITY_METRICS = ['requests', 'rejected', 'tokens', 'cost_micro_usd', 'shadow'] as const;
export type ActivityMetric = (typeof ACTIVITY_METRICS)[number];

/** Activity hashes per minute, each its own hash tag (slot): the write load spreads over the masters. */
export const ACTIVITY_BUCKETS = 16;

/** Which activity hash of a minute holds the tenant's fields: FNV-1a of the id, mod ACTIVITY_BUCKETS. */
export function activityBucket(tenantId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < tenantId.length; i++) h = Math.imul(h ^ tenantId.charCodeAt(i), 0x01000193);
  return (h >>> 0) % ACTIVITY_BUCKETS;
}

/** Activity hashes are kept this long (so `top --minutes` can look back up to an hour). */
export const ACTIVITY_TTL_SECONDS = 2 * 3_600;

/**
 * One acknowledgement in {p}{tenant}:served: "{version} {appliedAtMs}", or NOT_HELD in place of
 * the version when the sidecar does not hold the tenant (it has not served it, or evicted it):
 * such a sidecar serves no old version, and loads the current record on the tenant's first
 * request (docs/adr/0025-sidecar-holds-what-it-serves.md). Versions are hex digests, never "-".
 */
export const NOT_HELD = '-';

export function encodeServed(version: string, appliedAtMs: number): string {
  return `${version} ${Math.round(appliedAtMs)}`;
}

export function decodeServed(text: string): { version: string; appliedAtMs: number; held: boolean } | null {
  const space = text.indexOf(' ');
  if (space <= 0) return null;
  // Digits only: Number('') is 0, which would read "v1 " as applied at the epoch.
  const stamp = text.slice(space + 1);
  if (!/^\d{1,16}$/.test(stamp)) return null;
  const appliedAtMs = Number(stamp);
  const version = text.slice(0, space);
  return { version, appliedAtMs, held: version !== NOT_HELD };
}

/** The usage hash field for one model and metric, e.g. "openai/gpt-4|prompt_tokens". */
export function usageField(provider: string, model: string, metric: UsageMetric): string {
  return `${provider}/${model}|${metric}`;
}

/** UTC day of a timestamp, "2026-12-01". */
export function usageDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** One-way hash of an API key, as stored in Redis and held by sidecars. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key.trim(), 'utf8').digest('hex')}`;
}

export function encodeRecord(record: TenantRecord): string {
  return JSON.stringify(record);
}

/** Parses a record read from Redis; throws a TypeError naming what is wrong. */
export function decodeRecord(text: string): TenantRecord {
  const value = JSON.parse(text) as Partial<TenantRecord>;
  if (!value || typeof value !== 'object') throw new TypeError('tenant record is not an object');
  if (
    !value.policy ||
    typeof value.policy.tenantId !== 'string' ||
    typeof value.policy.version !== 'string'
  ) {
    throw new TypeError('tenant record has no policy with tenantId and version');
  }
  if (!Array.isArray(value.apiKeyHashes)) throw new TypeError('tenant record has no apiKeyHashes');
  return {
    policy: value.policy,
    apiKeyHashes: value.apiKeyHashes,
    source: String(value.source ?? ''),
    generation: Number(value.generation ?? 0),
  };
}

/**
 * The prefix of the request headers Sluice sets for the app and the egress. Every `x-sluice-*`
 * name is spelled here and only here (test/wire-headers.test.ts keeps it so); a client's own
 * headers of that shape are stripped by the ingress (isSluiceHeaderName below).
 */
export const SLUICE_HEADER_PREFIX = 'x-sluice-';

/** Headers Sluice sets on requests (to the app, to the egress) or on its answers. */
export const SLUICE_HEADERS = {
  /** Request, ingress → app → egress: the authenticated tenant. The egress trusts it (loopback). */
  tenant: 'x-sluice-tenant',
  /** Request, ingress → app: the tenant's tier. */
  tier: 'x-sluice-tier',
  /** Request, ingress → app: `flag;rule=<rule>` when screening flagged the query (mode flag). */
  screening: 'x-sluice-screening',
  /** Answer: `top_k=100->5`, what the caps lowered. */
  capped: 'sluice-capped',
  /** Answer (egress): the model that served the call, and `<first>-><served>` after a fallback. */
  model: 'sluice-model',
  fallback: 'sluice-fallback',
} as const;

/**
 * Whether a header name is, or normalises to, a Sluice header: `x-sluice-*` or `sluice-*` after
 * lower-casing and dropping every character that is not a letter or digit. So `X_Sluice_Tenant`,
 * `x.sluice.tenant` and `xsluicetenant` all count: WSGI/CGI stacks map `_` and `-` to the same
 * variable (HTTP_X_SLUICE_TENANT), so a client must not be able to send any of them. Node has
 * already refused names with spaces or other non-token characters.
 */
export function isSluiceHeaderName(name: string): boolean {
  return foldedPrefix(name, 'xsluice') || foldedPrefix(name, 'sluice');
}

function foldedPrefix(name: string, prefix: string): boolean {
  let j = 0;
  for (let i = 0; i < name.length && j < prefix.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    const alnum = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
    if (!alnum) continue;
    if (c !== prefix.charCodeAt(j)) return false;
    j++;
  }
  return j === prefix.length;
}
