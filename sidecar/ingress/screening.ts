/**
 * Prompt screening on the ingress: the screener of policy/prompt/index.ts
 * (`createScreener({ denyPhrases })`), one per tenant policy version, run over the text the
 * integrity hook collected from the screened fields (--query-field, default "query", plus the
 * policy's screening.fields; body at any depth and query string; every string inside a field).
 * Mode from EffectivePolicy.screening: reject → 400 SLUICE_PROMPT_REJECTED naming the rule;
 * flag → admitted, counted, and the app is told in x-sluice-screening; off → not screened.
 * The text is never logged.
 */
import type { EffectivePolicy } from '../../policy/effective.ts';
import { SluiceError } from '../../policy/errors.ts';
import { createScreener } from '../../policy/prompt/index.ts';
import type { SidecarMetrics } from '../metrics.ts';

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

/** One screener per tenant, rebuilt when the tenant's policy version changes. */
export class TenantScreeners {
  private readonly factory: ScreenerFactory;
  private readonly metrics: SidecarMetrics;
  private readonly cache = new Map<string, { version: string; screener: Screener }>();

  constructor(factory: ScreenerFactory, metrics: SidecarMetrics) {
    this.factory = factory;
    this.metrics = metrics;
  }

  private screenerFor(policy: EffectivePolicy): Screener {
    let entry = this.cache.get(policy.tenantId);
    if (!entry || entry.version !== policy.version) {
      entry = {
        version: policy.version,
        screener: this.factory({ denyPhrases: policy.screening.denyPhrases }),
      };
      this.cache.set(policy.tenantId, entry);
    }
    return entry.screener;
  }

  /**
   * Screens each text. Throws 400 SLUICE_PROMPT_REJECTED on a rejection in mode "reject";
   * returns the x-sluice-screening value for a flag, or null when everything was allowed.
   */
  screen(policy: EffectivePolicy, texts: readonly string[]): string | null {
    if (policy.screening.mode === 'off' || texts.length === 0) return null;
    const screener = this.screenerFor(policy);
    let flagged: string | null = null;
    for (const text of texts) {
      const result = screener.screen(text, 'query');
      if (result.verdict === 'allow') continue;
      const rule = result.rule ?? 'unnamed';
      const verdict = result.verdict === 'reject' && policy.screening.mode === 'reject' ? 'reject' : 'flag';
      this.metrics.promptFlags.inc({ tenant: policy.tenantId, tier: policy.tier, rule, verdict });
      if (verdict === 'reject')
        throw new SluiceError('SLUICE_PROMPT_REJECTED', `rule "${rule}" matched a screened field`);
      flagged ??= `flag;rule=${rule}`;
    }
    return flagged;
  }
}
