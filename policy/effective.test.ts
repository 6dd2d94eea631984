import { describe, expect, it } from 'vitest';
import { computeEffectivePolicy, isOverrideActive, parseDuration, requestsPerHour } from './effective.ts';
import type { TenantPolicySpec } from './schema/tenant-policy.ts';
import { TIER_DEFAULTS } from './tiers.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const free: TenantPolicySpec = { tenantId: 'hobby', tier: 'free' };

describe('computeEffectivePolicy', () => {
  it.each([
    ['free', 100, 5, 1],
    ['pro', 1000, 10, 4],
    ['enterprise', 10000, 20, 16],
  ] as const)('%s tier defaults: %i req/h, top_k %i, weight %i', (tier, perHour, topK, weight) => {
    const policy = computeEffectivePolicy({ tenantId: 't', tier }, NOW);
    expect(requestsPerHour(policy)).toBe(perHour);
    expect(policy.caps.topK).toBe(topK);
    expect(policy.queue.weight).toBe(weight);
    expect(policy.override).toBeNull();
  });

  it('lets the spec state only what differs', () => {
    const policy = computeEffectivePolicy(
      { ...free, parameterCaps: { topK: 3 }, limits: { requests: { limit: 60, window: '1m' } } },
      NOW,
    );
    expect(policy.caps.topK).toBe(3);
    expect(policy.caps.maxTokens).toBe(TIER_DEFAULTS.free.maxTokens);
    expect(policy.limits.requests).toEqual({ limit: 60, windowMs: 60_000, burst: 6 });
  });

  it.each([
    ['an hour before expiry', '2026-12-01T13:00:00Z', true],
    ['a millisecond before expiry', '2026-12-01T12:00:00.001Z', true],
    ['at expiry', '2026-12-01T12:00:00Z', false],
    ['after expiry', '2026-12-01T11:00:00Z', false],
  ])('an override %s is active: %s', (_, expiresAt, active) => {
    const spec: TenantPolicySpec = { ...free, override: { multiplier: 10, expiresAt, reason: 'TICKET-1' } };
    expect(isOverrideActive(spec.override, NOW)).toBe(active);
    const policy = computeEffectivePolicy(spec, NOW);
    expect(requestsPerHour(policy)).toBe(active ? 1000 : 100);
    expect(policy.validUntil).toBe(active ? new Date(expiresAt).toISOString() : null);
  });

  it('screens at medium sensitivity with no guard unless the spec says otherwise', () => {
    expect(computeEffectivePolicy(free, NOW).screening).toEqual({
      mode: 'reject',
      modeDefaulted: true,
      denyPhrases: [],
      sensitivity: 'medium',
      guard: null,
    });
    const policy = computeEffectivePolicy(
      { ...free, screening: { sensitivity: 'high', guard: { url: 'http://guard.local:9000/check' } } },
      NOW,
    );
    expect(policy.screening.sensitivity).toBe('high');
    expect(policy.screening.guard).toEqual({
      url: 'http://guard.local:9000/check',
      timeoutMs: 300,
      onError: 'open',
      cacheTtlMs: 300_000,
    });
    const closed = computeEffectivePolicy(
      {
        ...free,
        screening: {
          guard: { url: 'https://g.example/v1', timeoutMs: 50, onError: 'closed', cacheTtlSeconds: 0 },
        },
      },
      NOW,
    );
    expect(closed.screening.guard).toEqual({
      url: 'https://g.example/v1',
      timeoutMs: 50,
      onError: 'closed',
      cacheTtlMs: 0,
    });
    expect(closed.version).not.toBe(computeEffectivePolicy(free, NOW).version);
  });

  it('multiplies rate, burst, tokens, cost and concurrency by the active override', () => {
    const policy = computeEffectivePolicy(
      { ...free, override: { multiplier: 10, expiresAt: '2026-12-01T14:00:00Z', reason: 'launch' } },
      NOW,
    );
    const base = TIER_DEFAULTS.free;
    expect(policy.limits.requests.limit).toBe(base.requests.limit * 10);
    expect(policy.limits.requests.burst).toBe(base.requests.burst * 10);
    expect(policy.limits.tokens.limit).toBe(base.tokens.limit * 10);
    expect(policy.limits.cost.limitUsd).toBe(base.cost.limitUsd * 10);
    expect(policy.limits.maxConcurrency).toBe(base.maxConcurrency * 10);
    expect(policy.override).toMatchObject({ multiplier: 10, reason: 'launch' });
  });

  it('never scales a limit to zero', () => {
    const policy = computeEffectivePolicy(
      { ...free, override: { multiplier: 0.1, expiresAt: '2026-12-01T14:00:00Z', reason: 'abuse' } },
      NOW,
    );
    expect(policy.limits.maxConcurrency).toBe(1);
    expect(policy.limits.requests.limit).toBe(10);
  });

  it('gives the same version for the same input and a new one for any change', () => {
    const a = computeEffectivePolicy(free, NOW);
    const b = computeEffectivePolicy({ tier: 'free', tenantId: 'hobby' }, new Date('2027-01-01T00:00:00Z'));
    const c = computeEffectivePolicy({ ...free, suspended: true }, NOW);
    expect(a.version).toMatch(/^[0-9a-f]{16}$/);
    expect(b.version).toBe(a.version);
    expect(c.version).not.toBe(a.version);
  });

  it('changes version when the override expires', () => {
    const spec: TenantPolicySpec = {
      ...free,
      override: { multiplier: 2, expiresAt: '2026-12-01T12:30:00Z', reason: 'x' },
    };
    const during = computeEffectivePolicy(spec, NOW);
    const after = computeEffectivePolicy(spec, new Date('2026-12-01T12:30:00Z'));
    expect(after.version).not.toBe(during.version);
    expect(after.version).toBe(computeEffectivePolicy(free, NOW).version);
  });
});

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '0s', '1w', '1.5h', 'h'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(RangeError);
  });
});
