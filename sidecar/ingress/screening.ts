/**
 * Query screening hook: the JSON body's query field (--query-field, default "query") goes to
 * the screener of policy/prompt/index.ts (`createScreener({ denyPhrases })`), one screener per
 * tenant policy version. Mode from EffectivePolicy.screening: reject → 400
 * SLUICE_PROMPT_REJECTED naming the rule; flag → admitted, counted, and the app is told in
 * x-sluice-screening; off → not screened. The query text is never logged.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import type { SidecarMetrics } from '../metrics.ts';
import { sendError } from './context.ts';

/** The signature policy/prompt/index.ts provides. */
export interface ScreenVerdict {
  verdict: 'allow' | 'reject' | 'flag';
  rule: string | null;
  span?: unknown;
  flags?: unknown;
}

export interface Screener {
  screen(text: string, kind: 'query' | 'template'): ScreenVerdict;
}

export type ScreenerFactory = (options: { denyPhrases: string[] }) => Screener;

/**
 * Loads createScreener from policy/prompt/index.ts. Loaded by path at run time because that
 * module is written in parallel; when it is missing, a deny-phrase-only screener stands in and
 * start-up logs that the full screening (normalisation, built-in phrase set) is not active.
 */
export async function loadScreenerFactory(log: Logger): Promise<ScreenerFactory> {
  // index.ts is the module's public entry; screen.ts is where createScreener lives while the
  // index is being written.
  const reasons: string[] = [];
  for (const file of ['index.ts', 'screen.ts']) {
    const url = new URL(`../../policy/prompt/${file}`, import.meta.url).href;
    try {
      const mod = (await import(url)) as { createScreener?: ScreenerFactory };
      if (typeof mod.createScreener === 'function') return mod.createScreener;
      reasons.push(`${file} has no createScreener`);
    } catch (error) {
      reasons.push(`${file}: ${(error as Error).message}`);
    }
  }
  log.warn({ reasons }, 'policy/prompt screener not loadable; screening uses deny phrases only');
  return denyPhraseScreener;
}

/** Stand-in screener: case-insensitive deny phrases, no normalisation. */
export const denyPhraseScreener: ScreenerFactory = ({ denyPhrases }) => {
  const phrases = denyPhrases.map((p) => p.toLowerCase());
  return {
    screen(text) {
      const lower = text.toLowerCase();
      for (const phrase of phrases) {
        const at = lower.indexOf(phrase);
        if (at >= 0)
          return { verdict: 'reject', rule: 'deny-phrase', span: [at, at + phrase.length], flags: [] };
      }
      return { verdict: 'allow', rule: null, span: null, flags: [] };
    },
  };
};

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
