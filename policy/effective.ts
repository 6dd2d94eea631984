/**
 * The effective policy: tier defaults + spec + the override active at `now`. Computed once by
 * this pure function, shared by the operator (which writes it to Redis) and the sidecar (which
 * computes it in file mode), and carrying a content version so every copy can be compared.
 */
import { createHash } from 'node:crypto';
import { FALLBACK_TRIGGERS, type FallbackTrigger } from './fallback-triggers.ts';
import type { ModelRef, TenantPolicySpec } from './schema/tenant-policy.ts';
import { type BudgetPeriod, TIER_DEFAULTS, type Tier } from './tiers.ts';

export interface EffectiveModel {
  provider: string;
  model: string;
  /** US dollars per 1,000 tokens; 0 when the policy gives no price. */
  inputPricePer1k: number;
  outputPricePer1k: number;
}

export interface EffectiveOverride {
  multiplier: number;
  expiresAt: string;
  reason: string;
  grantedBy: string | null;
}

export interface EffectivePolicy {
  tenantId: string;
  tier: Tier;
  displayName: string;
  suspended: boolean;
  models: {
    primary: EffectiveModel | null;
    fallbacks: EffectiveModel[];
    fallbackOn: FallbackTrigger[];
    downgrade: EffectiveModel | null;
  };
  templates: { name: string; template: string; variables: string[] }[];
  caps: {
    topK: number;
    maxTokens: number;
    temperature: number | null;
    /** Extra numeric body fields to clamp, by name; `paths` pins one to JSON Pointers. */
    fields: { name: string; max: number; paths?: string[] }[];
    /** JSON Pointers where top_k is capped; absent = anywhere in the body. */
    topKPaths?: string[];
  };
  /** `mode` of a limit: absent = the spec left it unset, the sidecar's --shadow decides
   *  (policy/shadow.ts, docs/adr/0027-shadow-mode.md). */
  limits: {
    requests: { limit: number; windowMs: number; burst: number; mode?: LimitMode };
    tokens: { limit: number; period: BudgetPeriod; mode?: LimitMode };
    cost: { limitUsd: number; period: BudgetPeriod; mode?: LimitMode };
    maxConcurrency: number;
    budgetAction: 'reject' | 'downgrade';
  };
  queue: { weight: number; maxDepth: number; timeoutMs: number };
  screening: {
    mode: 'reject' | 'flag' | 'shadow' | 'off';
    /** True when the spec left mode unset ("reject" by default): the sidecar's --shadow makes it shadow. */
    modeDefaulted?: true;
    denyPhrases: string[];
    /** Ingress fields screened besides the sidecar's --query-field; absent = none. */
    fields?: string[];
    /** Template variables screened in the egress; absent = all. */
    variables?: string[];
    /** The learned layer's threshold (docs/prompt-safety.md); "medium" when the spec names none. */
    sensitivity: 'low' | 'medium' | 'high';
    /** The external guard, asked only about unsure queries (sidecar/guard/); null when none. */
    guard: { url: string; timeoutMs: number; onError: 'open' | 'closed'; cacheTtlMs: number } | null;
  };
  /** Body types the ingress accepts besides JSON; absent = none. */
  ingress?: { contentTypes: string[] };
  apiKeySecretRef: { name: string; key: string } | null;
  /** The override in force at `now`, or null. */
  override: EffectiveOverride | null;
  /** When this result stops being true (the override's expiry): recompute then. ISO 8601 or null. */
  validUntil: string | null;
  /** Content version: a hash of everything above. Same input and time window → same version. */
  version: string;
}

export type LimitMode = 'enforce' | 'shadow';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Defaults of spec.screening.guard (docs/prompt-safety.md, "External guard"). */
export const GUARD_DEFAULTS = { timeoutMs: 300, onError: 'open', cacheTtlSeconds: 300 } as const;

/** "90s" | "5m" | "1h" | "1d" → milliseconds. The schema guarantees the shape. */
export function parseDuration(text: string): number {
  const match = /^([1-9][0-9]*)(s|m|h|d)$/.exec(text);
  if (!match) throw new RangeError(`not a duration: ${JSON.stringify(text)} (use e.g. "30s", "1m", "1h")`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** Whether the override is in force at `now`: it has an expiry and that is still ahead. */
export function isOverrideActive(override: TenantPolicySpec['override'], now: Date): boolean {
  if (!override?.expiresAt) return false;
  const expires = Date.parse(override.expiresAt);
  return Number.isFinite(expires) && expires > now.getTime();
}

export function computeEffectivePolicy(spec: TenantPolicySpec, now: Date): EffectivePolicy {
  const tier = TIER_DEFAULTS[spec.tier];
  const active = isOverrideActive(spec.override, now) ? spec.override! : undefined;
  const factor = active?.multiplier ?? 1;
  // Scaled limits round up and never reach zero: a 0.1x throttle on burst 5 still admits one.
  const scale = (n: number) => Math.max(1, Math.ceil(n * factor));

  const requestLimit = spec.limits?.requests?.limit ?? tier.requests.limit;
  const windowMs = spec.limits?.requests
    ? parseDuration(spec.limits.requests.window)
    : tier.requests.windowSeconds * 1_000;
  // Unset burst keeps the tier's burst-to-limit ratio (free: 10 of 100/h).
  const burst =
    spec.limits?.requests?.burst ??
    Math.min(
      requestLimit,
      Math.max(1, Math.ceil((requestLimit * tier.requests.burst) / tier.requests.limit)),
    );

  const body: Omit<EffectivePolicy, 'version'> = {
    tenantId: spec.tenantId,
    tier: spec.tier,
    displayName: spec.displayName ?? spec.tenantId,
    suspended: spec.suspended === true,
    models: {
      primary: spec.models ? model(spec.models.primary) : null,
      fallbacks: (spec.models?.fallbacks ?? []).map(model),
      fallbackOn: [...(spec.models?.fallbackOn ?? FALLBACK_TRIGGERS)],
      downgrade: spec.models?.downgrade ? model(spec.models.downgrade) : null,
    },
    templates: (spec.promptTemplates ?? []).map((t) => ({
      name: t.name,
      template: t.template,
      variables: [...(t.variables ?? [])],
    })),
    caps: {
      topK: spec.parameterCaps?.topK ?? tier.topK,
      maxTokens: spec.parameterCaps?.maxTokens ?? tier.maxTokens,
      temperature: spec.parameterCaps?.temperature ?? null,
      fields: (spec.parameterCaps?.fields ?? []).map((f) =>
        f.paths ? { name: f.name, max: f.max, paths: [...f.paths] } : { name: f.name, max: f.max },
      ),
      ...(spec.parameterCaps?.topKPaths ? { topKPaths: [...spec.parameterCaps.topKPaths] } : {}),
    },
    limits: {
      requests: {
        limit: scale(requestLimit),
        windowMs,
        burst: scale(burst),
        ...modeOf(spec.limits?.requests?.mode),
      },
      tokens: {
        limit: scale(spec.limits?.tokens?.limit ?? tier.tokens.limit),
        period: spec.limits?.tokens?.period ?? tier.tokens.period,
        ...modeOf(spec.limits?.tokens?.mode),
      },
      cost: {
        limitUsd: roundUsd(
          (spec.limits?.cost ? Number(spec.limits.cost.limitUsd) : tier.cost.limitUsd) * factor,
        ),
        period: spec.limits?.cost?.period ?? tier.cost.period,
        ...modeOf(spec.limits?.cost?.mode),
      },
      maxConcurrency: scale(spec.limits?.maxConcurrency ?? tier.maxConcurrency),
      budgetAction: spec.limits?.budgetAction ?? 'reject',
    },
    queue: {
      weight: spec.priority ?? tier.weight,
      maxDepth: spec.queue?.maxDepth ?? tier.queueDepth,
      timeoutMs: spec.queue?.timeoutMs ?? tier.queueTimeoutMs,
    },
    screening: {
      mode: spec.screening?.mode ?? 'reject',
      ...(spec.screening?.mode ? {} : { modeDefaulted: true as const }),
      denyPhrases: [...(spec.screening?.denyPhrases ?? [])],
      ...(spec.screening?.fields ? { fields: [...spec.screening.fields] } : {}),
      ...(spec.screening?.variables ? { variables: [...spec.screening.variables] } : {}),
      sensitivity: spec.screening?.sensitivity ?? 'medium',
      guard: spec.screening?.guard
        ? {
            url: spec.screening.guard.url,
            timeoutMs: spec.screening.guard.timeoutMs ?? GUARD_DEFAULTS.timeoutMs,
            onError: spec.screening.guard.onError ?? GUARD_DEFAULTS.onError,
            cacheTtlMs: (spec.screening.guard.cacheTtlSeconds ?? GUARD_DEFAULTS.cacheTtlSeconds) * 1000,
          }
        : null,
    },
    ...(spec.ingress?.contentTypes ? { ingress: { contentTypes: [...spec.ingress.contentTypes] } } : {}),
    apiKeySecretRef: spec.apiKeySecretRef
      ? { name: spec.apiKeySecretRef.name, key: spec.apiKeySecretRef.key ?? 'api-key' }
      : null,
    override: active
      ? {
          multiplier: active.multiplier,
          expiresAt: new Date(Date.parse(active.expiresAt!)).toISOString(),
          reason: active.reason ?? '',
          grantedBy: active.grantedBy ?? null,
        }
      : null,
    validUntil: active ? new Date(Date.parse(active.expiresAt!)).toISOString() : null,
  };
  return { ...body, version: contentVersion(body) };
}

/** Requests per hour the effective policy admits (the printer column Req/h). */
export function requestsPerHour(policy: EffectivePolicy): number {
  return Math.round((policy.limits.requests.limit * 3_600_000) / policy.limits.requests.windowMs);
}

/** The status.effective summary the operator writes. */
export function effectiveSummary(policy: EffectivePolicy) {
  return {
    tier: policy.tier,
    model: policy.models.primary?.model ?? '',
    requestsPerHour: requestsPerHour(policy),
    topK: policy.caps.topK,
    suspended: policy.suspended,
    override: policy.override ? `${policy.override.multiplier}x until ${policy.override.expiresAt}` : '',
    ...(policy.override ? { overrideActiveUntil: policy.override.expiresAt } : {}),
    version: policy.version,
  };
}

/** A limit's mode, present only when the spec sets it (unset leaves the version unchanged). */
function modeOf(mode: LimitMode | undefined): { mode?: LimitMode } {
  return mode ? { mode } : {};
}

function model(ref: ModelRef): EffectiveModel {
  return {
    provider: ref.provider,
    model: ref.model,
    inputPricePer1k: ref.inputPricePer1k ? Number(ref.inputPricePer1k) : 0,
    outputPricePer1k: ref.outputPricePer1k ? Number(ref.outputPricePer1k) : 0,
  };
}

function roundUsd(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** sha256 of the canonical JSON (keys sorted), first 16 hex digits. */
export function contentVersion(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
