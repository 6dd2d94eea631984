/**
 * Per-tenant request rate (docs/adr/0006-rate-limiter.md): one GCRA decision per request from
 * the limiter (memory, deny cache, or the global Redis script). Denied → 429 SLUICE_RATE_LIMITED
 * with Retry-After and the IETF RateLimit-Policy / RateLimit headers
 * (draft-ietf-httpapi-ratelimit-headers-10: `RateLimit-Policy: "requests";q=100;w=3600` and
 * `RateLimit: "requests";r=0;t=36`). Admitted answers carry the same two headers.
 *
 * `t` has one meaning on every answer, the draft's: seconds until more quota is made available
 * (r goes up by one) — on a 429 that is Retry-After, on a 200 the time until the next unit
 * refills, 0 when the quota is full. Worked example, 100/h burst 10 (one unit per 36 s): a first
 * request answers r=9;t=36; the tenth r=0;t=36; the eleventh, at once, 429 r=0;t=36
 * (docs/adr/0013-ratelimit-header.md).
 *
 * Shadow mode (policy/shadow.ts, docs/adr/0027-shadow-mode.md): the decision is taken and counted
 * the same; a denial of a shadowed tenant lets the request pass with the RateLimit headers the
 * 429 would have carried (r=0, t = its Retry-After), no Retry-After (meaningless on a 200), and
 * `sluice-shadow: rate-limited`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { EffectivePolicy } from '../../policy/effective.ts';
import { isShadowed, SHADOW_HEADER, withShadowReason } from '../../policy/shadow.ts';
import { localShare, type RateLimit } from '../limiter/gcra.ts';
import type { Limiter } from '../limiter/limiter.ts';
import type { LimitDecision } from '../limiter/store.ts';
import type { SidecarMetrics } from '../metrics.ts';
import { hookError } from '../request/errors.ts';
import { sendError } from './context.ts';

export interface RateLimitOptions {
  limiter: Limiter;
  metrics: SidecarMetrics;
  /** The sidecar's --shadow default (policy/shadow.ts). */
  shadow?: boolean;
}

// The policy header only changes with the policy object: computed once per version.
const policyHeaders = new WeakMap<EffectivePolicy, string>();

export function rateLimitPolicyHeader(policy: EffectivePolicy): string {
  let value = policyHeaders.get(policy);
  if (value === undefined) {
    const r = policy.limits.requests;
    value = `"requests";q=${r.limit};w=${Math.max(1, Math.round(r.windowMs / 1000))}`;
    policyHeaders.set(policy, value);
  }
  return value;
}

/**
 * Milliseconds until more quota is made available. Admitted: the bucket is full again after
 * `resetMs`, and each of the `burst - 1 - remaining` units still missing after the next one takes
 * one emission interval T, so the next unit comes `resetMs - (burst - 1 - remaining) * T` from now.
 */
export function nextQuotaMs(d: LimitDecision, rate: RateLimit): number {
  if (!d.allowed) return Math.max(0, d.retryAfterMs);
  const interval = rate.windowMs / rate.limit;
  const missing = Math.max(0, Math.max(1, rate.burst) - 1 - d.remaining);
  return Math.max(0, d.resetMs - missing * interval);
}

export function rateLimitHeader(d: LimitDecision, rate: RateLimit): string {
  return `"requests";r=${d.remaining};t=${Math.ceil(nextQuotaMs(d, rate) / 1000)}`;
}

/** "1h", "90s": a window for messages. */
export function windowText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${Math.round(ms / 1000)}s`;
}

/** The 429's detail, e.g. "limit 100 per 1h, burst 10; next request admitted in 36 s". */
export function rateLimitedDetail(rate: RateLimit, retryAfterSeconds: number): string {
  return `limit ${rate.limit} per ${windowText(rate.windowMs)}, burst ${rate.burst}; next request admitted in ${retryAfterSeconds} s`;
}

async function rateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  const { limiter, metrics } = options;
  const sidecarShadow = options.shadow === true;
  const apply = (request: FastifyRequest, reply: FastifyReply, d: LimitDecision) => {
    const ctx = request.sluice!;
    const policy = ctx.tenant.policy;
    const headers = ctx.responseHeaders;
    // The rate the limiter applied: in local-share mode each replica holds its share.
    const rate =
      limiter.mode() === 'local-share'
        ? localShare(policy.limits.requests, limiter.liveReplicas())
        : policy.limits.requests;
    headers['ratelimit-policy'] = rateLimitPolicyHeader(policy);
    headers['ratelimit'] = rateLimitHeader(d, rate);
    if (d.allowed) return undefined;
    if (isShadowed(policy, 'requests', sidecarShadow)) {
      metrics.shadow(policy.tenantId, 'rate-limited');
      headers[SHADOW_HEADER] = withShadowReason(headers[SHADOW_HEADER], 'rate-limited');
      return undefined;
    }
    metrics.reject(policy.tenantId, policy.tier, 'SLUICE_RATE_LIMITED');
    const retryAfter = Math.max(1, Math.ceil(d.retryAfterMs / 1000));
    headers['retry-after'] = String(retryAfter);
    return sendError(
      reply,
      'SLUICE_RATE_LIMITED',
      rateLimitedDetail(policy.limits.requests, retryAfter),
      headers,
    );
  };
  app.addHook('onRequest', (request, reply, done) => {
    const ctx = request.sluice;
    if (!ctx) return done();
    let d: ReturnType<typeof limiter.take>;
    try {
      d = limiter.take(ctx.tenant.policy.tenantId, ctx.tenant.policy.limits.requests);
    } catch (error) {
      return done(hookError(error));
    }
    if (d instanceof Promise) {
      d.then(
        (decision) => {
          if (!apply(request, reply, decision)) done();
        },
        (error: unknown) => done(hookError(error)),
      );
      return;
    }
    if (!apply(request, reply, d)) done();
  });
}

export const rateLimitPlugin = fp(rateLimit, {
  name: 'sluice-rate-limit',
  dependencies: ['sluice-tenant-auth'],
});
