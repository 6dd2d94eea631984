import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGuard, type FakeGuardStep, startFakeGuard } from '../../test/support/fake-guard.ts';
import { Guard, GuardRegistry, type GuardSettings, shouldAskGuard } from './guard.ts';
import { readVerdict } from './transport.ts';

let fake: FakeGuard;
const guards: Guard[] = [];

beforeAll(async () => {
  fake = await startFakeGuard();
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  await Promise.all(guards.splice(0).map((g) => g.close()));
  fake.requests.length = 0;
  fake.script([]);
});

/** A guard against the fake, on a clock the test moves. */
function guardWith(settings: Partial<GuardSettings> = {}, options: { failureThreshold?: number } = {}) {
  const clock = { t: 1_000 };
  const guard = new Guard(
    { url: fake.url, timeoutMs: 500, onError: 'open', cacheTtlMs: 60_000, ...settings },
    { now: () => clock.t, cooldownMs: 30_000, ...options },
  );
  guards.push(guard);
  return { guard, clock };
}

describe('shouldAskGuard', () => {
  it.each([
    ['allowed and unsure', { verdict: 'allow', unsure: true }, true],
    ['allowed and sure', { verdict: 'allow', unsure: false }, false],
    ['rejected', { verdict: 'reject', unsure: false }, false],
    ['flagged', { verdict: 'flag', unsure: false }, false],
  ])('%s → %s', (_name, result, ask) => {
    expect(shouldAskGuard(result)).toBe(ask);
  });
});

describe('readVerdict', () => {
  it.each([
    [{ verdict: 'allow' }, 'allow'],
    [{ verdict: 'reject', score: 0.97 }, 'reject'],
    [{ flagged: true }, 'reject'],
    [{ flagged: false }, 'allow'],
    [{ verdict: 'ALLOW' }, null],
    [{ verdict: 'maybe' }, null],
    [{ flagged: 'yes' }, null],
    [[], null],
    ['allow', null],
    [null, null],
  ])('%j → %s', (body, verdict) => {
    expect(readVerdict(body)).toBe(verdict);
  });
});

describe('Guard against a fake guard server', () => {
  it('sends the text and tenant and returns the verdict', async () => {
    const { guard } = guardWith();
    expect(await guard.check('an ATTACK in disguise', 'acme')).toMatchObject({
      verdict: 'reject',
      source: 'guard',
    });
    expect(await guard.check('what are the opening hours?', 'acme')).toMatchObject({
      verdict: 'allow',
      source: 'guard',
    });
    expect(fake.requests).toEqual([
      { text: 'an ATTACK in disguise', tenant: 'acme', kind: 'query' },
      { text: 'what are the opening hours?', tenant: 'acme', kind: 'query' },
    ]);
  });

  it('accepts the {"flagged": boolean} answer shape', async () => {
    const { guard } = guardWith();
    fake.script([{ flagged: true }, { flagged: false }]);
    expect((await guard.check('a', 't')).verdict).toBe('reject');
    expect((await guard.check('b', 't')).verdict).toBe('allow');
  });

  it('answers the same text from its cache until the TTL runs out', async () => {
    const { guard, clock } = guardWith({ cacheTtlMs: 60_000 });
    fake.script([{ verdict: 'reject' }]);
    expect(await guard.check('same text', 't')).toMatchObject({ verdict: 'reject', source: 'guard' });
    clock.t += 59_999;
    expect(await guard.check('same text', 't')).toEqual({ verdict: 'reject', source: 'cache', latencyMs: 0 });
    expect(fake.requests).toHaveLength(1);
    clock.t += 1;
    expect(await guard.check('same text', 't')).toMatchObject({ verdict: 'allow', source: 'guard' });
    expect(fake.requests).toHaveLength(2);
  });

  it('does not cache with a TTL of 0', async () => {
    const { guard } = guardWith({ cacheTtlMs: 0 });
    await guard.check('x', 't');
    await guard.check('x', 't');
    expect(fake.requests).toHaveLength(2);
  });

  it('shares one request between identical questions asked at the same time', async () => {
    const { guard } = guardWith();
    fake.script([{ delayMs: 50, verdict: 'reject' }]);
    const outcomes = await Promise.all([
      guard.check('dup', 't'),
      guard.check('dup', 't'),
      guard.check('dup', 't'),
    ]);
    expect(outcomes.map((o) => o.verdict)).toEqual(['reject', 'reject', 'reject']);
    expect(fake.requests).toHaveLength(1);
  });

  it.each([
    ['a timeout', { hang: true }, 'timeout'],
    ['a slow answer', { delayMs: 2_000 }, 'timeout'],
    ['HTTP 503', { status: 503 }, 'status'],
    ['HTTP 400', { status: 400 }, 'status'],
    ['a body that is not JSON', { raw: '<html>oops' }, 'invalid'],
    ['JSON without a verdict', { raw: '{"ok": true}' }, 'invalid'],
    ['a reset connection', { reset: true }, 'connection'],
  ] as [string, FakeGuardStep, string][])(
    'fails open on %s (source %s) and does not cache it',
    async (_name, step, source) => {
      const { guard } = guardWith({ onError: 'open', timeoutMs: 200 });
      fake.script([step]);
      expect(await guard.check('ATTACK text', 't')).toMatchObject({ verdict: 'allow', source });
      // Not cached: the next question reaches the guard, which now answers normally.
      expect(await guard.check('ATTACK text', 't')).toMatchObject({ verdict: 'reject', source: 'guard' });
    },
  );

  it.each([
    ['a timeout', { hang: true }, 'timeout'],
    ['HTTP 500', { status: 500 }, 'status'],
    ['a body that is not JSON', { raw: 'nope' }, 'invalid'],
  ] as [string, FakeGuardStep, string][])('fails closed on %s', async (_name, step, source) => {
    const { guard } = guardWith({ onError: 'closed', timeoutMs: 200 });
    fake.script([step]);
    expect(await guard.check('harmless question', 't')).toMatchObject({ verdict: 'reject', source });
  });

  it('fails open or closed when nothing listens at the url', async () => {
    const gone = await startFakeGuard();
    const url = gone.url;
    await gone.close();
    for (const onError of ['open', 'closed'] as const) {
      const guard = new Guard({ url, timeoutMs: 500, onError, cacheTtlMs: 1000 });
      guards.push(guard);
      expect(await guard.check('q', 't')).toMatchObject({
        verdict: onError === 'open' ? 'allow' : 'reject',
        source: 'connection',
      });
    }
  });

  it('stops asking a failing guard for the cool-down, then probes once', async () => {
    const { guard, clock } = guardWith({ onError: 'closed' }, { failureThreshold: 3 });
    fake.script([{ status: 500 }, { status: 500 }, { status: 500 }]);
    for (let i = 0; i < 3; i++) expect((await guard.check(`q${i}`, 't')).source).toBe('status');
    expect(fake.requests).toHaveLength(3);
    // Open: no request reaches the guard, the onError verdict is immediate.
    expect(await guard.check('q3', 't')).toMatchObject({ verdict: 'reject', source: 'breaker' });
    expect(fake.requests).toHaveLength(3);
    clock.t += 30_000;
    expect(await guard.check('q4', 't')).toMatchObject({ verdict: 'allow', source: 'guard' });
    expect(fake.requests).toHaveLength(4);
    expect((await guard.check('q5', 't')).source).toBe('guard');
  });

  it('never throws and always answers allow or reject, whatever the guard does (property, real socket)', async () => {
    const step = fc.oneof(
      fc.record({ verdict: fc.constantFrom('allow' as const, 'reject' as const) }),
      fc.record({ status: fc.constantFrom(200, 204, 301, 404, 429, 500, 502) }),
      fc.record({ raw: fc.string({ maxLength: 40 }) }),
      fc.record({ flagged: fc.boolean() }),
      fc.record({ reset: fc.constant(true) }),
      fc.record({ delayMs: fc.integer({ min: 0, max: 150 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('open' as const, 'closed' as const),
        async (steps, onError) => {
          const guard = new Guard({ url: fake.url, timeoutMs: 100, onError, cacheTtlMs: 0 });
          try {
            fake.script(steps as FakeGuardStep[]);
            for (let i = 0; i < steps.length; i++) {
              const outcome = await guard.check(`text ${i}`, 't');
              expect(['allow', 'reject']).toContain(outcome.verdict);
              if (outcome.source !== 'guard')
                expect(outcome.verdict).toBe(onError === 'open' ? 'allow' : 'reject');
            }
          } finally {
            fake.script([]);
            await guard.close();
          }
        },
      ),
      { numRuns: 25 },
    );
    fake.requests.length = 0;
  });
});

describe('GuardRegistry', () => {
  it('reuses one guard per distinct settings', async () => {
    const registry = new GuardRegistry();
    const a = registry.guardFor({ url: fake.url, timeoutMs: 100, onError: 'open', cacheTtlMs: 0 });
    expect(registry.guardFor({ url: fake.url, timeoutMs: 100, onError: 'open', cacheTtlMs: 0 })).toBe(a);
    expect(registry.guardFor({ url: fake.url, timeoutMs: 100, onError: 'closed', cacheTtlMs: 0 })).not.toBe(
      a,
    );
    await registry.close();
  });
});
