/**
 * Query screening hook: the JSON body's query field (--query-field, default "query") goes to
 * the screener of policy/prompt/index.ts (`createScreener({ denyPhrases })`), one screener per
 * tenant policy version. Mode from EffectivePolicy.screening: reject → 400
 * SLUICE_PROMPT_REJECTED naming the rule; flag → admitted, counted, and the app is told in
 * x-sluice-screening; off → not screened. The query text is never logged.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createScreener } from '../../policy/prompt/index.ts';
import type { SidecarMetrics } from '../metrics.ts';
import { sendError } from './context.ts';

/** What the hook needs of a screener (policy/prompt's createScreener provides it). */
export interface Screener {
  screen(
    text: string,
    kind: 'query' | 'template',
  ): { verdict: 'allow' | 'reject' | 'flag'; rule: string | null };
}

export type ScreenerFactory = (options: { denyPhrases: string[] }) => Screener;

/** The screener of policy/prompt: normalisation and the compiled phrase set, plus deny phrases. */
export const defaultScreenerFactory: ScreenerFactory = (options) => createScreener(options);

export interface ScreeningOptions {
  queryField: string;
  factory: ScreenerFactory;
  metrics: SidecarMetrics;
}

async function screening(app: FastifyInstance, options: ScreeningOptions): Promise<void> {
  const { queryField, factory, metrics } = options;
  const cache = new Map<string, { version: string; screener: Screener }>();
  app.addHook('preHandler', (request, reply, done) => {
    const ctx = request.sluice;
    const query = ctx?.json?.[queryField];
    if (!ctx || typeof query !== 'string') return done();
    const policy = ctx.tenant.policy;
    if (policy.screening.mode === 'off') return done();
    let entry = cache.get(policy.tenantId);
    if (!entry || entry.version !== policy.version) {
      entry = { version: policy.version, screener: factory({ denyPhrases: policy.screening.denyPhrases }) };
      cache.set(policy.tenantId, entry);
    }
    const result = entry.screener.screen(query, 'query');
    if (result.verdict === 'allow') return done();
    const rule = result.rule ?? 'unnamed';
    const verdict = result.verdict === 'reject' && policy.screening.mode === 'reject' ? 'reject' : 'flag';
    metrics.promptFlags.inc({ tenant: policy.tenantId, tier: policy.tier, rule, verdict });
    if (verdict === 'reject') {
      metrics.reject(policy.tenantId, policy.tier, 'SLUICE_PROMPT_REJECTED');
      sendError(reply, 'SLUICE_PROMPT_REJECTED', `rule "${rule}" matched the ${queryField} field`);
      return;
    }
    ctx.upstreamHeaders = { ...ctx.upstreamHeaders, 'x-sluice-screening': `flag;rule=${rule}` };
    done();
  });
}

export const screeningPlugin = fp(screening, {
  name: 'sluice-screening',
  dependencies: ['sluice-param-caps'],
});
