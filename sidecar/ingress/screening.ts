/**
 * Prompt screening on the ingress: the screener of policy/prompt/index.ts
 * (`createScreener({ denyPhrases, sensitivity })`), one per tenant policy version, run over the
 * text the integrity hook collected from the screened fields (--query-field, default "query",
 * plus the policy's screening.fields; body at any depth and query string; every string inside a
 * field). Mode from EffectivePolicy.screening: reject → 400 SLUICE_PROMPT_REJECTED naming the
 * rule; flag → admitted, counted, and the app is told in x-sluice-screening; off → not screened.
 *
 * When the policy names an external guard (screening.guard), a text the local layers allowed but
 * were unsure of is put to it (sidecar/guard/guard.ts: deadline, cache, breaker, onError); its
 * "reject" counts like a local rejection with rule "external_guard". Clearly benign or clearly
 * rejected texts never wait for it. The text is never logged.
 */
import type { EffectivePolicy } from '../../policy/effective.ts';
import { SluiceError } from '../../policy/errors.ts';
import { createScreener } from '../../policy/prompt/index.ts';
import { type GuardRegistry, shouldAskGuard } from '../guard/guard.ts';
import type { SidecarMetrics } from '../metrics.ts';

/** What the hook needs of a screener (policy/prompt's createScreener provides it). */
export interface Screener {
  screen(
    text: string,
    kind: 'query' | 'template',
  ): { verdict: 'allow' | 'reject' | 'flag'; rule: string | null; unsure?: boolean };
}

export type ScreenerFactory = (options: {
  denyPhrases: string[];
  sensitivity: EffectivePolicy['screening']['sensitivity'];
}) => Screener;

/** The screener of policy/prompt: hidden characters, the phrase set plus deny phrases, the model. */
export const defaultScreenerFactory: ScreenerFactory = (options) => createScreener(options);

/** The rule a rejection by the external guard is reported under. */
export const GUARD_RULE = 'external_guard';

/** One screener per tenant, rebuilt when the tenant's policy version changes. */
export class TenantScreeners {
  private readonly factory: ScreenerFactory;
  private readonly metrics: SidecarMetrics;
  private readonly guards: GuardRegistry | null;
  private readonly cache = new Map<string, { version: string; screener: Screener }>();

  constructor(factory: ScreenerFactory, metrics: SidecarMetrics, guards: GuardRegistry | null = null) {
    this.factory = factory;
    this.metrics = metrics;
    this.guards = guards;
  }

  private screenerFor(policy: EffectivePolicy): Screener {
    let entry = this.cache.get(policy.tenantId);
    if (!entry || entry.version !== policy.version) {
      entry = {
        version: policy.version,
        screener: this.factory({
          denyPhrases: policy.screening.denyPhrases,
          sensitivity: policy.screening.sensitivity,
        }),
      };
      this.cache.set(policy.tenantId, entry);
    }
    return entry.screener;
  }

  /**
   * Screens each text. Throws 400 SLUICE_PROMPT_REJECTED on a rejection in mode "reject";
   * returns the x-sluice-screening value for a flag, or null when everything was allowed.
   */
  async screen(policy: EffectivePolicy, texts: readonly string[]): Promise<string | null> {
    if (policy.screening.mode === 'off' || texts.length === 0) return null;
    const screener = this.screenerFor(policy);
    const guard = policy.screening.guard && this.guards ? this.guards.guardFor(policy.screening.guard) : null;
    let flagged: string | null = null;
    for (const text of texts) {
      const result = screener.screen(text, 'query');
      let rule = result.rule ?? 'unnamed';
      let local = result.verdict;
      if (local === 'allow' && guard && shouldAskGuard({ verdict: local, unsure: result.unsure === true })) {
        const outcome = await guard.check(text, policy.tenantId);
        if (outcome.verdict === 'allow') continue;
        local = 'reject';
        rule = GUARD_RULE;
      }
      if (local === 'allow') continue;
      const verdict = local === 'reject' && policy.screening.mode === 'reject' ? 'reject' : 'flag';
      this.metrics.promptFlags.inc({ tenant: policy.tenantId, tier: policy.tier, rule, verdict });
      if (verdict === 'reject')
        throw new SluiceError('SLUICE_PROMPT_REJECTED', `rule "${rule}" matched a screened field`);
      flagged ??= `flag;rule=${rule}`;
    }
    return flagged;
  }
}
