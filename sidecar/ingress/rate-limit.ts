/**
 * Per-tenant request rate (DESIGN decision 3): one GCRA decision per request from the limiter
 * (memory, deny cache, or the global Redis script). Denied → 429 SLUICE_RATE_LIMITED with
 * Retry-After and the IETF RateLimit-Policy / RateLimit headers
 * (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy: "requests";q=100;w=3600` and
 * `RateLimit: "requests";r=0;t=36`). Admitted answers carry the same two headers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { EffectivePolicy } from '../../policy/effective.ts';
import type { Limiter } from '../limiter/limiter.ts';
import type { LimitDecision } from '../limiter/store.ts';
import type { SidecarMetrics } from '../metrics.ts';
import { sendError } from './context.ts';

export interface RateLimitOptions {
  limiter: Limiter;
  metrics: SidecarMetrics;
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

export function rateLimitHeader(d: LimitDecision): string {
  const t = Math.max(0, Math.ceil((d.allowed ? d.resetMs : d.retryAfterMs) / 1000));
  return `"requests";r=${d.remaining};t=${t}`;
}

async function rateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  const { limiter, metrics } = options;
  const apply = (request: FastifyRequest, reply: FastifyReply, d: LimitDecision) => {
    const ctx = request.sluice!;
    const policy = ctx.tenant.policy;
    const headers = ctx.responseHeaders;
    headers['ratelimit-policy'] = rateLimitPolicyHeader(policy);
    headers['ratelimit'] = rateLimitHeader(d);
    if (d.allowed) return undefined;
    metrics.reject(policy.tenantId, policy.tier, 'SLUICE_RATE_LIMITED');
    headers['retry-after'] = String(Math.max(1, Math.ceil(d.retryAfterMs / 1000)));
    return sendError(reply, 'SLUICE_RATE_LIMITED', undefined, headers);
  };
  app.addHook('onRequest', (request, reply, done) => {
    const ctx = request.sluice;
    if (!ctx) return done();
    const d = limiter.take(ctx.tenant.policy.tenantId, ctx.tenant.policy.limits.requests);
    if (d instanceof Promise) {
      d.then(
        (decision) => {
          if (!apply(request, reply, decision)) done();
        },
        (error: unknown) => done(error as Error),
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
