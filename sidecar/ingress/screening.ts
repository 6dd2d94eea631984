/**
 * Prompt screening on the ingress: the screener of policy/prompt/index.ts
 * (`createScreener({ denyPhrases, sensitivity })`), one per tenant policy version, run over the
 * text the integrity hook collected from the screened fields (--query-field, default "query",
 * plus the policy's screening.fields; body at any depth and query string; every string inside a
 * field). Mode from EffectivePolicy.screening: reject → 400 SLUICE_PROMPT_REJECTED naming the
 * rule; flag → admitted, counted, and the app is told in x-sluice-screening; shadow (the mode, or
 * a mode left unset under the sidecar's --shadow: policy/shadow.ts) → what reject would refuse is
 * admitted, the app is told "shadow;rule=…", and the client's answer carries
 * sluice-shadow: prompt-rejected (docs/adr/0027-shadow-mode.md); off → not screened.
 *
 * When the policy names an external guard (screening.guard), a text the local layers allowed but
 * were unsure of is put to it (sidecar/guard/guard.ts: deadline, cache, breaker, onError); its
 * "reject" counts like a local rejection with rule "external_guard". Clearly benign or clearly
 * rejected texts never wait for it. The text is never logged.
 *
 * policy/prompt (its phrase sets and model) loads on the first request a screening policy
 * meets, not at start: a sidecar whose tenants never screen never pays for it, and /readyz does
 * not wait for it (docs/adr/0031-lean-request-path.md).
 */
import type { EffectivePolicy } from '../../policy/effective.ts';
import { SluiceError } from '../../policy/errors.ts';
import { isShadowed } from '../../policy/shadow.ts';
import { type Guard, type GuardRegistry, shouldAskGuard } from '../guard/guard.ts';
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
}) => Screener | Promise<Screener>;

let promptModule: Promise<typeof import('../../policy/prompt/index.ts')> | undefined;

/** policy/prompt, imported once, on first need. */
export function loadPromptScreening(): Promise<typeof import('../../policy/prompt/index.ts')> {
  promptModule ??= import('../../policy/prompt/index.ts');
  return promptModule;
}

/** The screener of policy/prompt: hidden characters, the phrase set plus deny phrases, the model. */
export const defaultScreenerFactory = async (options: Parameters<ScreenerFactory>[0]): Promise<Screener> =>
  (await loadPromptScreening()).createScreener(options);

interface Tools {
  version: string;
  screener: Screener;
  guard: Guard | null;
}

/** The rule a rejection by the external guard is reported under. */
export const GUARD_RULE = 'external_guard';

/** What screening made of a request that it admitted. */
export interface ScreenOutcome {
  /** x-sluice-screening for the app ("flag;rule=…" or "shadow;rule=…"), or null. */
  header: string | null;
  /** A rejection was let pass because screening is in shadow. */
  shadowed: boolean;
}

const CLEAN: ScreenOutcome = Object.freeze({ header: null, shadowed: false });

/** One screener per tenant, rebuilt when the tenant's policy version changes. */
export class TenantScreeners {
  private readonly factory: ScreenerFactory;
  private readonly metrics: SidecarMetrics;
  private readonly guards: GuardRegistry | null;
  private readonly sidecarShadow: boolean;
  /**
   * Per tenant, rebuilt when its policy version changes: the screener and its guard (if any), so a
   * request pays neither the compile nor the guard lookup. (The registry closes guards past 256
   * distinct endpoints; a tenant holding a closed one gets its onError until its next version.)
   */
  private readonly cache = new Map<string, Tools>();

  constructor(
    factory: ScreenerFactory,
    metrics: SidecarMetrics,
    guards: GuardRegistry | null = null,
    /** The sidecar's --shadow default (policy/shadow.ts). */
    sidecarShadow = false,
  ) {
    this.factory = factory;
    this.metrics = metrics;
    this.guards = guards;
    this.sidecarShadow = sidecarShadow;
  }

  /** The tenant's tools when built for this policy version, else undefined. */
  private cached(policy: EffectivePolicy): Tools | undefined {
    const entry = this.cache.get(policy.tenantId);
    return entry && entry.version === policy.version ? entry : undefined;
  }

  private async build(policy: EffectivePolicy): Promise<Tools> {
    const guard = policy.screening.guard;
    const entry: Tools = {
      version: policy.version,
      screener: await this.factory({
        denyPhrases: policy.screening.denyPhrases,
        sensitivity: policy.screening.sensitivity,
      }),
      guard: guard && this.guards ? this.guards.guardFor(guard) : null,
    };
    // Two first requests of a version may both build: the first one built is kept.
    if (!this.cached(policy)) this.cache.set(policy.tenantId, entry);
    return entry;
  }

  /**
   * Screens each text. Throws 400 SLUICE_PROMPT_REJECTED on a rejection in mode "reject" (not in
   * shadow); otherwise says what the app and the client are told.
   */
  async screen(policy: EffectivePolicy, texts: readonly string[]): Promise<ScreenOutcome> {
    if (policy.screening.mode === 'off' || texts.length === 0) return CLEAN;
    const { screener, guard } = this.cached(policy) ?? (await this.build(policy));
    const shadow = isShadowed(policy, 'screening', this.sidecarShadow);
    let flagged: string | null = null;
    let shadowed = false;
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
      const verdict =
        local === 'reject' && (shadow || policy.screening.mode === 'reject')
          ? shadow
            ? 'shadow'
            : 'reject'
          : 'flag';
      this.metrics.promptFlags.inc({ tenant: policy.tenantId, tier: policy.tier, rule, verdict });
      if (verdict === 'reject')
        throw new SluiceError('SLUICE_PROMPT_REJECTED', `rule "${rule}" matched a screened field`, { rule });
      if (verdict === 'shadow' && !shadowed) {
        shadowed = true;
        this.metrics.shadow(policy.tenantId, 'prompt-rejected');
      }
      flagged ??= `${verdict};rule=${rule}`;
    }
    return flagged === null ? CLEAN : { header: flagged, shadowed };
  }
}
