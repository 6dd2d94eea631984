/**
 * Parameter caps: configured numeric JSON body fields (top_k by default, plus the policy's
 * caps.fields) above the tier's cap are clamped, not rejected, and the answer says so:
 * `sluice-capped: top_k=100->5`. Only JSON object bodies are looked at.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { EffectivePolicy } from '../../policy/effective.ts';
import type { SidecarMetrics } from '../metrics.ts';
import type { JsonBody } from './body.ts';

export interface ParamCapsOptions {
  /** Fields clamped to caps.topK (settings --cap-fields). */
  topKFields: readonly string[];
  metrics: SidecarMetrics;
}

/** Clamps `body` in place; returns the "field=from->to" notes (empty when nothing changed). */
export function applyCaps(
  body: Record<string, unknown>,
  policy: EffectivePolicy,
  topKFields: readonly string[],
): string[] {
  const notes: string[] = [];
  const clamp = (field: string, max: number) => {
    const value = body[field];
    if (typeof value === 'number' && value > max) {
      body[field] = max;
      notes.push(`${field}=${value}->${max}`);
    }
  };
  for (const field of topKFields) clamp(field, policy.caps.topK);
  for (const cap of policy.caps.fields) clamp(cap.name, cap.max);
  return notes;
}

async function paramCaps(app: FastifyInstance, options: ParamCapsOptions): Promise<void> {
  const { topKFields, metrics } = options;
  app.addHook('preHandler', (request, _reply, done) => {
    const ctx = request.sluice;
    const body = request.body as JsonBody | undefined;
    if (!ctx || !body || !('raw' in body)) return done();
    const value = body.value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return done();
    ctx.json = value as Record<string, unknown>;
    const policy = ctx.tenant.policy;
    const notes = applyCaps(ctx.json, policy, topKFields);
    if (notes.length > 0) {
      ctx.jsonChanged = true;
      ctx.responseHeaders['sluice-capped'] = notes.join(', ');
      for (const note of notes) {
        metrics.capped.inc({
          tenant: policy.tenantId,
          tier: policy.tier,
          field: note.slice(0, note.indexOf('=')),
        });
      }
    }
    done();
  });
}

export const paramCapsPlugin = fp(paramCaps, {
  name: 'sluice-param-caps',
  dependencies: ['sluice-tenant-auth'],
});
