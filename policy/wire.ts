/**
 * The contract between the operator (writer) and the sidecars (readers) in Redis: key names,
 * the tenant record, the update message, and the API-key hash. Pure; both sides import it, so
 * a change here is a change to both. See docs/adr/0005-redis-layout.md.
 *
 *   {p}policy:{tenant}             string  JSON TenantRecord (effective policy + API-key hashes)
 *   {p}policies                    hash    tenant -> effective version (for resync by version)
 *   {p}policies:generation         string  INCR on every write or delete (cheap "anything new?")
 *   {p}policy-updates              channel JSON PolicyUpdate, published after each write/delete
 *   {p}replicas                    zset    sidecar replica id -> last heartbeat (ms, Redis TIME)
 *   {p}rl:{tenant}                 (limiter-owned keys, prefix reserved)
 *   {p}budget:{tenant}:{periodKey} (egress-owned budget counters, prefix reserved)
 *   {p}usage:{day}:{tenant}        hash    "{provider}/{model}|{metric}" -> cumulative count
 *   {p}served:open                 zset    tenant -> deadline (ms, Redis TIME) of its acknowledgement window
 *   {p}served:{tenant}             hash    sidecar replica id -> "{version} {appliedAtMs}" (Redis clock)
 *   {p}replica-info:{replica}      string  JSON ReplicaInfo, rewritten each heartbeat, expires like it
 *   {p}activity:{minute}           hash    "{tenant}|{metric}" -> count in that minute (epoch minute)
 *
 * The served keys are the sidecars' acknowledgement of what they serve (docs/adr/0022): the
 * operator opens a window for a tenant when it writes a new version; while it is open, each
 * sidecar records the version it serves for that tenant. Activity is what the sidecars counted
 * (requests, rejections, tokens, cost) per tenant and minute, for `kubectl sluice top`.
 *
 * Usage counters are cumulative per UTC day; the operator's rollup copies the totals into
 * Postgres with an absolute upsert, so a rollup repeated after a crash neither loses nor
 * doubles anything. Metrics: requests, prompt_tokens, completion_tokens, cost_micro_usd.
 */
import { createHash } from 'node:crypto';
import type { EffectivePolicy } from './effective.ts';

export const DEFAULT_KEY_PREFIX = 'sluice:';

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
  return {
    policy: (tenantId: string) => `${prefix}policy:${tenantId}`,
    policyIndex: `${prefix}policies`,
    generation: `${prefix}policies:generation`,
    updates: `${prefix}policy-updates`,
    replicas: `${prefix}replicas`,
    rate: (tenantId: string) => `${prefix}rl:${tenantId}`,
    budget: (tenantId: string, periodKey: string) => `${prefix}budget:${tenantId}:${periodKey}`,
    usage: (day: string, tenantId: string) => `${prefix}usage:${day}:${tenantId}`,
    usagePattern: `${prefix}usage:*`,
    servedOpen: `${prefix}served:open`,
    served: (tenantId: string) => `${prefix}served:${tenantId}`,
    replicaInfo: (replicaId: string) => `${prefix}replica-info:${replicaId}`,
    activity: (epochMinute: number) => `${prefix}activity:${epochMinute}`,
  };
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
export const ACTIVITY_METRICS = ['requests', 'rejected', 'tokens', 'cost_micro_usd'] as const;
export type ActivityMetric = (typeof ACTIVITY_METRICS)[number];

/** Activity hashes are kept this long (so `top --minutes` can look back up to an hour). */
export const ACTIVITY_TTL_SECONDS = 2 * 3_600;

/** One acknowledgement in {p}served:{tenant}: "{version} {appliedAtMs}". */
export function encodeServed(version: string, appliedAtMs: number): string {
  return `${version} ${Math.round(appliedAtMs)}`;
}

export function decodeServed(text: string): { version: string; appliedAtMs: number } | null {
  const space = text.indexOf(' ');
  if (space <= 0) return null;
  const appliedAtMs = Number(text.slice(space + 1));
  if (!Number.isFinite(appliedAtMs)) return null;
  return { version: text.slice(0, space), appliedAtMs };
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
