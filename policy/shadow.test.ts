import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeEffectivePolicy, type LimitMode } from './effective.ts';
import type { TenantPolicySpec } from './schema/tenant-policy.ts';
import { isShadowed, type ShadowedLimit, shadowReason, withShadowReason } from './shadow.ts';

const NOW = new Date('2026-12-01T12:00:00Z');

function withModes(modes: { requests?: LimitMode; tokens?: LimitMode; cost?: LimitMode }): TenantPolicySpec {
  return {
    tenantId: 't',
    tier: 'pro',
    limits: {
      requests: { limit: 10, window: '1m', ...(modes.requests ? { mode: modes.requests } : {}) },
      tokens: { limit: 1000, period: 'day', ...(modes.tokens ? { mode: modes.tokens } : {}) },
      cost: { limitUsd: '5', period: 'month', ...(modes.cost ? { mode: modes.cost } : {}) },
    },
  };
}

describe('isShadowed', () => {
  it.each([
    // limit mode, shadowed without --shadow, shadowed with --shadow
    [undefined, false, true],
    ['enforce', false, false],
    ['shadow', true, true],
  ] as const)('a limit with mode %s is shadowed: %s without --shadow, %s with it', (mode, off, on) => {
    for (const limit of ['requests', 'tokens', 'cost'] as const) {
      const policy = computeEffectivePolicy(withModes(mode ? { [limit]: mode } : {}), NOW);
      expect([isShadowed(policy, limit, false), isShadowed(policy, limit, true)]).toEqual([off, on]);
    }
  });

  it.each([
    // screening.mode in the spec, shadowed without --shadow, shadowed with --shadow
    [undefined, false, true],
    ['reject', false, false],
    ['shadow', true, true],
    ['flag', false, false],
    ['off', false, false],
  ] as const)('screening mode %s is shadowed: %s without --shadow, %s with it', (mode, off, on) => {
    const spec: TenantPolicySpec = { tenantId: 't', tier: 'free', ...(mode ? { screening: { mode } } : {}) };
    const policy = computeEffectivePolicy(spec, NOW);
    expect([isShadowed(policy, 'screening', false), isShadowed(policy, 'screening', true)]).toEqual([
      off,
      on,
    ]);
  });

  it('an explicit mode always beats the sidecar default, whatever the other limits say', () => {
    const mode = fc.constantFrom<LimitMode | undefined>('enforce', 'shadow', undefined);
    fc.assert(
      fc.property(mode, mode, mode, fc.boolean(), (requests, tokens, cost, sidecar) => {
        const policy = computeEffectivePolicy(withModes({ requests, tokens, cost }), NOW);
        const given = { requests, tokens, cost };
        for (const limit of ['requests', 'tokens', 'cost'] as const satisfies ShadowedLimit[]) {
          const expected = given[limit] === undefined ? sidecar : given[limit] === 'shadow';
          expect(isShadowed(policy, limit, sidecar)).toBe(expected);
        }
      }),
    );
  });

  it('a mode left unset does not change the policy version (existing policies keep theirs)', () => {
    const bare = computeEffectivePolicy(withModes({}), NOW);
    const pinned = computeEffectivePolicy(withModes({ requests: 'enforce' }), NOW);
    expect(bare.limits.requests).not.toHaveProperty('mode');
    expect(pinned.version).not.toBe(bare.version);
  });
});

describe('shadow reasons', () => {
  it.each([
    ['SLUICE_RATE_LIMITED', 'rate-limited'],
    ['SLUICE_BUDGET_EXHAUSTED', 'budget-exhausted'],
    ['SLUICE_BUDGET_PENDING', 'budget-pending'],
    ['SLUICE_PROMPT_REJECTED', 'prompt-rejected'],
  ])('%s → %s', (code, reason) => {
    expect(shadowReason(code)).toBe(reason);
  });

  it('lists each reason once', () => {
    let value = withShadowReason(undefined, 'rate-limited');
    value = withShadowReason(value, 'prompt-rejected');
    value = withShadowReason(value, 'rate-limited');
    expect(value).toBe('rate-limited, prompt-rejected');
  });
});
