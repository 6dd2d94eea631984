/**
 * TenantPolicy v1alpha1 — the single source of truth (docs/adr/0002-schema-single-source.md).
 *
 * From this one TypeBox definition come:
 *  - the TypeScript types (`TenantPolicySpec` etc., inferred by the compiler — nothing to drift);
 *  - the runtime validator (`validate.ts`: Ajv over this JSON Schema, then the CEL rules below
 *    evaluated with a CEL interpreter, so `sluice validate` applies the API server's rules);
 *  - `crds/tenantpolicy.yaml` (`make generate` runs generate.ts; a test fails on drift).
 *
 * Conventions (kubebuilder's): spec is desired state, optional means unset (no CRD defaults —
 * tier defaults fill gaps in the effective policy), validation lives in the schema.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { FALLBACK_TRIGGERS, type FallbackTrigger } from '../fallback-triggers.ts';
import { HARD_LIMITS, TIER_DEFAULTS, TIERS } from '../tiers.ts';

export const GROUP = 'sluice.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'TenantPolicy';
export const PLURAL = 'tenantpolicies';

/** A CEL rule, as the API server reads it in `x-kubernetes-validations`. */
export interface CelRule {
  rule: string;
  message: string;
  /** Field the error is reported on, relative to the schema node that carries the rule. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

const rules = (...list: CelRule[]) => ({ 'x-kubernetes-validations': list });

const DECIMAL = '^[0-9]{1,7}(\\.[0-9]{1,6})?$';
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const NAME = '^[a-z][a-z0-9_-]{0,62}$';
export const DURATION_PATTERN = '^[1-9][0-9]{0,5}(s|m|h|d)$';

const decimal = (description: string) =>
  Type.String({
    pattern: DECIMAL,
    maxLength: 14,
    description: `${description} A decimal string, e.g. "0.03".`,
  });

const ModelRef = Type.Object(
  {
    provider: Type.String({
      pattern: '^[a-z][a-z0-9-]{0,31}$',
      maxLength: 32,
      description:
        'Provider name as configured in the sidecar\'s provider settings, e.g. "openai" or "anthropic". The provider decides the wire format.',
    }),
    model: Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'Model id sent to the provider, e.g. "gpt-4o", "gpt-3.5-turbo", "claude-sonnet-4".',
    }),
    inputPricePer1k: Type.Optional(decimal('US dollars per 1,000 prompt tokens, for cost accounting.')),
    outputPricePer1k: Type.Optional(decimal('US dollars per 1,000 completion tokens, for cost accounting.')),
  },
  { additionalProperties: false, description: 'One LLM: which provider serves it, its id and its price.' },
);

const Models = Type.Object(
  {
    primary: ModelRef,
    fallbacks: Type.Optional(
      Type.Array(ModelRef, {
        maxItems: 5,
        description:
          'Models tried in order when the primary is unavailable (possibly cheaper, possibly another provider). Each must differ from the primary and from the others.',
      }),
    ),
    fallbackOn: Type.Optional(
      Type.Array(Type.Union(FALLBACK_TRIGGERS.map((t) => Type.Literal(t))), {
        maxItems: FALLBACK_TRIGGERS.length,
        'x-kubernetes-list-type': 'set',
        description:
          'Failures that move on to the next model. Default: all of connection-error, timeout, rate-limited (429) and server-error (5xx). Never after the first byte of a stream.',
      }),
    ),
    downgrade: Type.Optional({
      ...ModelRef,
      description:
        'Cheaper model used once the budget is exhausted, when limits.budgetAction is "downgrade".',
    }),
  },
  {
    additionalProperties: false,
    description: 'Which LLMs serve this tenant: a primary and an ordered fallback chain.',
    ...rules(
      {
        rule: '!has(self.fallbacks) || self.fallbacks.all(f, f.provider != self.primary.provider || f.model != self.primary.model)',
        message: 'a fallback repeats the primary model; list each fallback model once and not the primary',
        fieldPath: '.fallbacks',
      },
      {
        rule: '!has(self.fallbacks) || self.fallbacks.all(f, self.fallbacks.exists_one(g, g.provider == f.provider && g.model == f.model))',
        message: 'fallback models must be distinct; remove the repeated provider/model pair',
        fieldPath: '.fallbacks',
      },
    ),
  },
);

const PromptTemplate = Type.Object(
  {
    name: Type.String({
      pattern: NAME,
      maxLength: 63,
      description: 'Name the app uses to pick this template.',
    }),
    template: Type.String({
      minLength: 1,
      maxLength: 16_384,
      description:
        'Literal text plus {{name}} placeholders; a name must be allowlisted (query, context, tenant_name, or listed in variables). Filters, dots, blocks, ${...} and single braces are refused.',
    }),
    variables: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', maxLength: 64 }), {
        maxItems: 16,
        'x-kubernetes-list-type': 'set',
        description: 'Extra placeholder names this template may use, besides query, context and tenant_name.',
      }),
    ),
  },
  { additionalProperties: false, description: 'A prompt template the sidecar renders for this tenant.' },
);

/** JSON Pointer (RFC 6901), `*` standing for any key or array index: "/options/top_k", "/*\/top_k". */
const JSON_POINTER = '^(/([^~/]|~[01])*)+$';

const capPaths = (what: string) =>
  Type.Array(Type.String({ pattern: JSON_POINTER, maxLength: 256 }), {
    minItems: 1,
    maxItems: 8,
    'x-kubernetes-list-type': 'set',
    description: `JSON Pointers (RFC 6901; "*" matches any key or array index) of the body places where ${what} is capped, e.g. "/top_k" or "/options/top_k". Default: the name at any depth, inside arrays too. Query-string parameters of the same name are capped either way.`,
  });

const FieldCap = Type.Object(
  {
    name: Type.String({
      pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$',
      maxLength: 64,
      description:
        'Request field to clamp, e.g. "rerank_k": in a JSON or form body at any depth and in the query string, matched case-, "_"- and "-"-insensitively. Numeric strings ("100") are capped too.',
    }),
    max: Type.Number({ minimum: 0, description: 'Largest value admitted; larger values are clamped to it.' }),
    paths: Type.Optional(capPaths('this field')),
  },
  { additionalProperties: false },
);

const ParameterCaps = Type.Object(
  {
    topK: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: HARD_LIMITS.topK,
        description: `Largest retrieval top_k; larger requests are clamped (not rejected) and told so. Default from the tier (free ${TIER_DEFAULTS.free.topK}, pro ${TIER_DEFAULTS.pro.topK}, enterprise ${TIER_DEFAULTS.enterprise.topK}); above the tier's value only where the tier allows it.`,
      }),
    ),
    maxTokens: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: HARD_LIMITS.maxTokens,
        description:
          'Largest max_tokens per LLM call. Default from the tier; above it only where the tier allows it.',
      }),
    ),
    temperature: Type.Optional(
      Type.Number({ minimum: 0, maximum: 2, description: 'Largest sampling temperature per LLM call.' }),
    ),
    fields: Type.Optional(
      Type.Array(FieldCap, {
        maxItems: 16,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        description: 'More numeric request-body fields to clamp, besides top_k.',
      }),
    ),
    topKPaths: Type.Optional(capPaths("top_k (the sidecar's --cap-fields)")),
  },
  {
    additionalProperties: false,
    description: 'Per-request parameter ceilings; values above them are clamped.',
  },
);

const PERIODS = ['day', 'month'] as const;
const period = (what: string) =>
  Type.Union(
    PERIODS.map((p) => Type.Literal(p)),
    { description: `Budget period for ${what}: "day" or "month" (calendar, UTC).` },
  );

/** Shadow mode of one refusing limit (docs/adr/0027-shadow-mode.md). */
const limitMode = (what: string) =>
  Type.Optional(
    Type.Union([Type.Literal('enforce'), Type.Literal('shadow')], {
      description: `enforce refuses once ${what} is used up (429); shadow counts exactly the same but lets the request pass, marked sluice-shadow and counted in sluice_shadow_decisions_total. Unset: the sidecar's --shadow default (enforce unless --shadow is on).`,
    }),
  );

const Limits = Type.Object(
  {
    requests: Type.Optional(
      Type.Object(
        {
          limit: Type.Integer({
            minimum: 1,
            maximum: 1_000_000_000,
            description: 'Requests admitted per window.',
          }),
          window: Type.String({
            pattern: DURATION_PATTERN,
            maxLength: 8,
            description: 'Window length: a number and a unit s, m, h or d, e.g. "1h".',
          }),
          burst: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 1_000_000_000,
              description:
                'Requests that may arrive back to back before pacing applies (GCRA burst). Default: the tier ratio; at most limit.',
            }),
          ),
          mode: limitMode('the request rate'),
        },
        {
          additionalProperties: false,
          description: 'Request rate across all replicas, enforced exactly through Redis.',
          ...rules({
            rule: '!has(self.burst) || self.burst <= self.limit',
            message: 'burst may not exceed limit; lower burst or raise limit',
            fieldPath: '.burst',
          }),
        },
      ),
    ),
    tokens: Type.Optional(
      Type.Object(
        {
          limit: Type.Integer({
            minimum: 1,
            maximum: 1_000_000_000_000,
            description: 'LLM tokens (prompt + completion) per period.',
          }),
          period: period('tokens'),
          mode: limitMode('the token budget'),
        },
        { additionalProperties: false, description: 'LLM token budget.' },
      ),
    ),
    cost: Type.Optional(
      Type.Object(
        {
          limitUsd: decimal('Largest LLM spend per period, in US dollars.'),
          period: period('cost'),
          mode: limitMode('the cost budget'),
        },
        { additionalProperties: false, description: "LLM cost budget, priced with the models' prices." },
      ),
    ),
    maxConcurrency: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_000,
        description: 'Requests of this tenant in flight at once.',
      }),
    ),
    budgetAction: Type.Optional(
      Type.Union([Type.Literal('reject'), Type.Literal('downgrade')], {
        description:
          'What happens once the token or cost budget is used up: "reject" (429 SLUICE_BUDGET_EXHAUSTED, the default) or "downgrade" to models.downgrade.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Rate, token, cost and concurrency limits. Unset fields take the tier defaults.',
  },
);

const Override = Type.Object(
  {
    multiplier: Type.Number({
      minimum: HARD_LIMITS.overrideMultiplierMin,
      maximum: HARD_LIMITS.overrideMultiplierMax,
      description: `Factor applied to the request, token, cost and concurrency limits while active (${HARD_LIMITS.overrideMultiplierMin}..${HARD_LIMITS.overrideMultiplierMax}; 10 = a 10x quota).`,
    }),
    expiresAt: Type.Optional(
      Type.String({
        format: 'date-time',
        maxLength: 64,
        description: 'When the override ends by itself (RFC 3339, e.g. "2026-12-01T18:00:00Z"). Required.',
      }),
    ),
    reason: Type.Optional(
      Type.String({ maxLength: 512, description: 'Why it was granted, e.g. a ticket number. Required.' }),
    ),
    grantedBy: Type.Optional(
      Type.String({
        maxLength: 128,
        description: 'Who granted it; defaults to the Kubernetes user who applied it.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Temporary emergency change of the limits, e.g. a 10x quota for two hours.',
    ...rules(
      {
        rule: 'has(self.expiresAt)',
        message:
          'an override needs expiresAt (RFC 3339, e.g. "2026-12-01T18:00:00Z") so that it ends by itself',
        fieldPath: '.expiresAt',
        reason: 'FieldValueRequired',
      },
      {
        rule: 'has(self.reason) && size(self.reason) > 0',
        message: 'an override needs a reason (e.g. the support ticket), recorded in the audit log',
        fieldPath: '.reason',
        reason: 'FieldValueRequired',
      },
    ),
  },
);

/** CEL: a cap may exceed the tier's value only where the tier allows it. Generated from TIER_DEFAULTS. */
function tierCapRule(field: 'topK' | 'maxTokens'): CelRule {
  const bounded = TIERS.filter((t) => !TIER_DEFAULTS[t].capsAboveTierAllowed);
  const clauses = bounded.map(
    (t) => `(self.tier == '${t}' && self.parameterCaps.${field} > ${TIER_DEFAULTS[t][field]})`,
  );
  const limits = bounded.map((t) => `${t} ${TIER_DEFAULTS[t][field]}`).join(', ');
  return {
    rule: `!has(self.parameterCaps) || !has(self.parameterCaps.${field}) || !(${clauses.join(' || ')})`,
    message: `parameterCaps.${field} is above the tier's maximum (${limits}); lower it or move the tenant to a tier that allows it`,
    fieldPath: `.parameterCaps.${field}`,
  };
}

export const TenantPolicySpec = Type.Object(
  {
    tenantId: Type.String({
      pattern: DNS_LABEL,
      minLength: 1,
      maxLength: 63,
      description:
        'Stable tenant id (a DNS label: lowercase letters, digits, "-"). Sidecars, metrics and the audit log key on it; do not reuse it for another tenant.',
    }),
    tier: Type.Union(
      TIERS.map((t) => Type.Literal(t)),
      { description: "Service tier: free, pro or enterprise. Unset fields take this tier's defaults." },
    ),
    displayName: Type.Optional(
      Type.String({
        maxLength: 128,
        description: 'Human-readable tenant name, also the {{tenant_name}} variable.',
      }),
    ),
    models: Type.Optional(Models),
    promptTemplates: Type.Optional(
      Type.Array(PromptTemplate, {
        maxItems: 20,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        description: 'Prompt templates the app may ask the sidecar to render, by name.',
      }),
    ),
    parameterCaps: Type.Optional(ParameterCaps),
    limits: Type.Optional(Limits),
    priority: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: HARD_LIMITS.weightMax,
        description: `Fair-queue weight under contention; higher is served first, and every weight > 0 is served eventually. Default from the tier (free ${TIER_DEFAULTS.free.weight}, pro ${TIER_DEFAULTS.pro.weight}, enterprise ${TIER_DEFAULTS.enterprise.weight}).`,
      }),
    ),
    queue: Type.Optional(
      Type.Object(
        {
          maxDepth: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: 10_000,
              description: 'Requests of this tenant that may wait; 0 = never queue.',
            }),
          ),
          timeoutMs: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 600_000,
              description: 'Longest wait in the queue, in milliseconds.',
            }),
          ),
        },
        {
          additionalProperties: false,
          description: 'Fair-queue settings; unset fields take the tier defaults.',
        },
      ),
    ),
    screening: Type.Optional(
      Type.Object(
        {
          mode: Type.Optional(
            Type.Union(
              [Type.Literal('reject'), Type.Literal('flag'), Type.Literal('shadow'), Type.Literal('off')],
              {
                description:
                  "Prompt screening: reject (400 SLUICE_PROMPT_REJECTED, the default), flag (admit and count), shadow (admit, answer with sluice-shadow: prompt-rejected and count in sluice_shadow_decisions_total: a rollout's dry run), or off. Unset under the sidecar's --shadow: shadow; an explicit reject always rejects.",
              },
            ),
          ),
          denyPhrases: Type.Optional(
            Type.Array(Type.String({ minLength: 2, maxLength: 200 }), {
              maxItems: 100,
              description: 'Extra phrases to refuse for this tenant, matched after normalisation.',
            }),
          ),
          fields: Type.Optional(
            Type.Array(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$', maxLength: 64 }), {
              maxItems: 16,
              'x-kubernetes-list-type': 'set',
              description:
                'Request fields screened on the ingress besides the sidecar\'s --query-field ("query"): in a JSON or form body at any depth and in the query string. Every string inside a field is screened, arrays and objects included.',
            }),
          ),
          variables: Type.Optional(
            Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$', maxLength: 64 }), {
              maxItems: 32,
              'x-kubernetes-list-type': 'set',
              description:
                'Template variables screened in the egress. Default: every variable the request sends. The rendered prompt is screened as well.',
            }),
          ),
          sensitivity: Type.Optional(
            Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')], {
              description:
                'How readily the learned classifier rejects a query: low (fewest false positives), medium (the default), high (most attacks caught). The phrase set and hidden-character checks are the same at every level; see docs/prompt-safety.md for the measured rates.',
            }),
          ),
          guard: Type.Optional(
            Type.Object(
              {
                url: Type.String({
                  pattern: '^https?://[^\\s/$.?#][^\\s]*$',
                  maxLength: 2048,
                  description:
                    'HTTP(S) endpoint of an external prompt classifier, asked only about queries the local screen is unsure of (POST {"text", "tenant"} → {"verdict": "allow" | "reject"}). See docs/prompt-safety.md.',
                }),
                timeoutMs: Type.Optional(
                  Type.Integer({
                    minimum: 10,
                    maximum: 10_000,
                    description: 'How long a query may wait for the guard, in milliseconds. Default 300.',
                  }),
                ),
                onError: Type.Optional(
                  Type.Union([Type.Literal('open'), Type.Literal('closed')], {
                    description:
                      'When the guard times out or fails: open (admit, the default) or closed (reject with SLUICE_PROMPT_REJECTED).',
                  }),
                ),
                cacheTtlSeconds: Type.Optional(
                  Type.Integer({
                    minimum: 0,
                    maximum: 86_400,
                    description:
                      'How long a guard verdict for the same text is reused. 0 disables the cache. Default 300.',
                  }),
                ),
              },
              {
                additionalProperties: false,
                description: 'An optional external guard for the queries the local layers are unsure of.',
              },
            ),
          ),
        },
        { additionalProperties: false, description: 'Screening of user queries and template text.' },
      ),
    ),
    apiKeySecretRef: Type.Optional(
      Type.Object(
        {
          name: Type.String({
            pattern: DNS_LABEL,
            maxLength: 253,
            description: "Secret in the policy's namespace.",
          }),
          key: Type.Optional(
            Type.String({
              pattern: '^[-._a-zA-Z0-9]+$',
              maxLength: 253,
              description:
                'Key in the Secret\'s data; default "api-key". Several keys may be listed one per line.',
            }),
          ),
        },
        {
          additionalProperties: false,
          description:
            "Secret holding the tenant's API key(s). Only their SHA-256 hashes leave the operator.",
        },
      ),
    ),
    ingress: Type.Optional(
      Type.Object(
        {
          contentTypes: Type.Optional(
            Type.Array(
              Type.String({
                pattern: '^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$',
                maxLength: 127,
              }),
              {
                maxItems: 8,
                'x-kubernetes-list-type': 'set',
                description:
                  'Request body types the app takes besides JSON, lower case: "application/x-www-form-urlencoded" (parsed, capped, screened, re-encoded), "multipart/form-data" (forwarded as sent; a part named like a capped or screened field is refused) or any other type (forwarded as sent, unchecked: only for uploads the app does not read parameters from). Others get 415.',
              },
            ),
          ),
        },
        { additionalProperties: false, description: 'What the ingress accepts for this tenant.' },
      ),
    ),
    suspended: Type.Optional(
      Type.Boolean({
        description: 'true stops the tenant at once: every request gets 403 SLUICE_TENANT_SUSPENDED.',
      }),
    ),
    override: Type.Optional(Override),
  },
  {
    additionalProperties: false,
    description: 'Desired per-tenant policy: what the sidecars enforce for this tenant.',
    ...rules(tierCapRule('topK'), tierCapRule('maxTokens'), {
      rule: "!has(self.limits) || !has(self.limits.budgetAction) || self.limits.budgetAction != 'downgrade' || (has(self.models) && has(self.models.downgrade))",
      message: 'limits.budgetAction "downgrade" needs models.downgrade, the cheaper model to route to',
      fieldPath: '.limits.budgetAction',
      reason: 'FieldValueRequired',
    }),
  },
);

const Condition = Type.Object(
  {
    type: Type.String({ maxLength: 316, description: 'Ready, Degraded, Invalid or Propagated.' }),
    status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')]),
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
    lastTransitionTime: Type.String({ format: 'date-time' }),
    reason: Type.String({ maxLength: 1024, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' }),
    message: Type.String({ maxLength: 32_768 }),
  },
  { description: 'A metav1.Condition.' },
);

export const TenantPolicyStatus = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ minimum: 0, description: 'The spec generation the operator last acted on.' }),
    ),
    conditions: Type.Optional(
      Type.Array(Condition, {
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
        description:
          'Ready, Degraded, Invalid and Propagated (whether every live sidecar serves the effective version), with reasons.',
      }),
    ),
    propagation: Type.Optional(
      Type.Object(
        {
          version: Type.String({ maxLength: 64, description: 'Effective version this entry is about.' }),
          writtenAt: Type.Optional(
            Type.String({
              format: 'date-time',
              description: 'When the operator wrote this version to Redis (Redis clock, ms precision).',
            }),
          ),
          sidecars: Type.Integer({ minimum: 0, description: 'Live sidecars serving this version.' }),
          liveSidecars: Type.Integer({
            minimum: 0,
            description: 'Sidecars with a heartbeat in the last 15 s when this was observed.',
          }),
          notHeld: Type.Optional(
            Type.Integer({
              minimum: 0,
              description:
                'Live sidecars that do not hold this tenant (they load this version at its first request there, docs/adr/0025-sidecar-holds-what-it-serves.md); not behind.',
            }),
          ),
          propagatedAt: Type.Optional(
            Type.String({
              format: 'date-time',
              description:
                'When the last live sidecar applied this version (Redis clock, ms precision); set once all serve it.',
            }),
          ),
        },
        {
          description:
            'Whether the sidecars serve the effective version, from their acknowledgements in Redis (docs/adr/0022-served-acknowledgement.md).',
        },
      ),
    ),
    effective: Type.Optional(
      Type.Object(
        {
          tier: Type.Optional(Type.String({ description: 'Tier in force.' })),
          model: Type.Optional(Type.String({ description: 'Primary model in force.' })),
          requestsPerHour: Type.Optional(
            Type.Integer({ description: 'Effective requests per hour, override included.' }),
          ),
          topK: Type.Optional(Type.Integer({ description: 'Effective top_k cap.' })),
          suspended: Type.Optional(Type.Boolean()),
          override: Type.Optional(
            Type.String({
              description: 'Active override, e.g. "10x until 2026-12-01T18:00:00Z"; empty when none.',
            }),
          ),
          overrideActiveUntil: Type.Optional(Type.String({ format: 'date-time' })),
          version: Type.Optional(
            Type.String({ description: 'Content version of the effective policy sidecars serve.' }),
          ),
        },
        { description: 'Summary of the effective policy (tier defaults + spec + active override).' },
      ),
    ),
  },
  { description: 'Observed state, written by the operator.' },
);

export type TenantPolicySpec = Static<typeof TenantPolicySpec>;
export type TenantPolicyStatus = Static<typeof TenantPolicyStatus>;
export type ModelRef = Static<typeof ModelRef>;
export type PromptTemplate = Static<typeof PromptTemplate>;
export { FALLBACK_TRIGGERS, type FallbackTrigger };

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface TenantPolicy {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: TenantPolicySpec;
  status?: TenantPolicyStatus;
}

export const PRINTER_COLUMNS = [
  { name: 'Tenant', type: 'string', jsonPath: '.spec.tenantId' },
  { name: 'Tier', type: 'string', jsonPath: '.spec.tier' },
  { name: 'Model', type: 'string', jsonPath: '.spec.models.primary.model' },
  { name: 'Req/h', type: 'integer', jsonPath: '.status.effective.requestsPerHour' },
  { name: 'Override', type: 'string', jsonPath: '.status.effective.override' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
] as const;

export type { TSchema };
