import { describe, expect, it } from 'vitest';
import type { EffectiveModel } from '../../policy/effective.ts';
import { SluiceError } from '../../policy/errors.ts';
import type { FallbackTrigger } from '../../policy/schema/tenant-policy.ts';
import { BreakerBoard } from './breaker.ts';
import { runChain } from './chain.ts';
import { UpstreamFailure } from './providers/upstream.ts';

const model = (name: string): EffectiveModel => ({
  provider: 'p',
  model: name,
  inputPricePer1k: 0,
  outputPricePer1k: 0,
});
const primary = model('primary');
const fallback = model('fallback');
const ALL: FallbackTrigger[] = ['connection-error', 'timeout', 'rate-limited', 'server-error'];
const NO_429: FallbackTrigger[] = ['connection-error', 'timeout', 'server-error'];

function board() {
  return new BreakerBoard({ failureThreshold: 2, cooldownMs: 10_000, maxCooldownMs: 300_000 });
}

async function run(
  breakers: BreakerBoard,
  fallbackOn: FallbackTrigger[],
  attempt: (m: EffectiveModel) => Promise<string>,
  now = 0,
) {
  const tried: string[] = [];
  try {
    const result = await runChain({
      candidates: [primary, fallback],
      fallbackOn,
      breakers,
      now: () => now,
      attempt: (m) => {
        tried.push(m.model);
        return attempt(m);
      },
    });
    return { served: result.model.model, tried };
  } catch (error) {
    const e = error as SluiceError & { headers?: Record<string, string> };
    return { code: e.code, status: e.status, retryAfter: e.headers?.['retry-after'], tried };
  }
}

const rateLimited = async () => {
  throw new UpstreamFailure('rate-limited', 'HTTP 429', { status: 429, retryAfterMs: 30_000 });
};

describe('runChain follows fallbackOn, breakers included', () => {
  it('a trigger in fallbackOn moves on to the next model', async () => {
    expect(await run(board(), ALL, async (m) => (m === primary ? rateLimited() : 'ok'))).toMatchObject({
      served: 'fallback',
      tried: ['primary', 'fallback'],
    });
  });

  it('regression: a provider 429 the tenant does not fall back on passes through as 429 with its Retry-After', async () => {
    expect(await run(board(), NO_429, rateLimited)).toEqual({
      code: 'SLUICE_UPSTREAM_RATE_LIMITED',
      status: 429,
      retryAfter: '30',
      tried: ['primary'],
    });
  });

  it('regression: the breaker that 429 opened does not later reroute that tenant to the model it excluded', async () => {
    const breakers = board();
    await run(breakers, NO_429, rateLimited, 0);
    const later = await run(breakers, NO_429, async () => 'ok', 5_000);
    expect(later).toMatchObject({ code: 'SLUICE_UPSTREAM_RATE_LIMITED', status: 429, tried: [] });
    expect(Number(later.retryAfter)).toBe(25);
    // A tenant that does fall back on 429 is rerouted by the same open breaker.
    expect(await run(breakers, ALL, async () => 'ok', 5_000)).toMatchObject({
      served: 'fallback',
      tried: ['fallback'],
    });
  });

  it.each<[string, FallbackTrigger, string, number]>([
    ['timeout', 'timeout', 'SLUICE_UPSTREAM_TIMEOUT', 504],
    ['connection error', 'connection-error', 'SLUICE_UPSTREAM_UNAVAILABLE', 502],
    ['5xx', 'server-error', 'SLUICE_UPSTREAM_UNAVAILABLE', 502],
  ])('a %s left out of fallbackOn passes through as its own class', async (_, trigger, code, status) => {
    const only = ALL.filter((t) => t !== trigger);
    const result = await run(board(), only, async () => {
      throw new UpstreamFailure(trigger, 'x');
    });
    expect(result).toMatchObject({ code, status, tried: ['primary'] });
  });

  it("an error that is not the provider's (the client's 400, Sluice's bug) never counts toward a breaker", async () => {
    const breakers = board();
    for (let i = 0; i < 10; i++) {
      const bad = await run(breakers, ALL, async () => {
        throw new SluiceError('SLUICE_BAD_REQUEST', 'untranslatable');
      });
      expect(bad).toMatchObject({ code: 'SLUICE_BAD_REQUEST', tried: ['primary'] });
      const bug = await run(breakers, ALL, async () => {
        throw new TypeError('a bug');
      });
      expect(bug.tried).toEqual(['primary']);
    }
    expect(breakers.states(0).every((s) => s.state === 'closed')).toBe(true);
  });
});
