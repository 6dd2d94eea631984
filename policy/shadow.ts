/**
 * Shadow mode (docs/adr/0027-shadow-mode.md): whether a refusing limit of a tenant only reports
 * what it would have done. The limiter, budgets and screening decide exactly as enforced; where
 * they would refuse, a shadowed limit lets the request pass and the answer says so in
 * `sluice-shadow` (SHADOW_HEADER) with a short reason, counted in sluice_shadow_decisions_total.
 *
 * Resolution, per limit: the policy's explicit mode wins (limits.*.mode enforce|shadow,
 * screening.mode shadow or an explicit reject); a limit the policy leaves unset follows the
 * sidecar's --shadow (SLUICE_SHADOW), off by default. So `--shadow` shadows every tenant except
 * the limits a policy pins to enforce.
 */
import type { EffectivePolicy } from './effective.ts';

/** Response header naming what a shadowed limit would have refused. */
export const SHADOW_HEADER = 'sluice-shadow';

export type ShadowedLimit = 'requests' | 'tokens' | 'cost' | 'screening';

/** The reasons shadow answers carry: the registry code, lower-case, without SLUICE_, "-" for "_". */
export type ShadowReason = 'rate-limited' | 'budget-exhausted' | 'budget-pending' | 'prompt-rejected';

export function shadowReason(code: string): ShadowReason {
  return code
    .replace(/^SLUICE_/, '')
    .toLowerCase()
    .replaceAll('_', '-') as ShadowReason;
}

/** Whether `limit` of this policy is in shadow, given the sidecar-wide default. */
export function isShadowed(policy: EffectivePolicy, limit: ShadowedLimit, sidecarShadow: boolean): boolean {
  if (limit === 'screening') {
    const { mode, modeDefaulted } = policy.screening;
    return mode === 'shadow' || (mode === 'reject' && modeDefaulted === true && sidecarShadow);
  }
  const mode = policy.limits[limit].mode;
  return mode === undefined ? sidecarShadow : mode === 'shadow';
}

/** Adds a reason to a sluice-shadow value (an HTTP list: "rate-limited, prompt-rejected"). */
export function withShadowReason(current: string | undefined, reason: ShadowReason): string {
  if (!current) return reason;
  return current.split(', ').includes(reason) ? current : `${current}, ${reason}`;
}
