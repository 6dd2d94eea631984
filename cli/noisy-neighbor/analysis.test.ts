import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { mulberry32 } from '../../policy/seeded-random.ts';
import { breakingPoint, costFigures, phaseFigures, tenantFigures } from './analysis.ts';
import { poissonArrivals, type Sample } from './load.ts';
import { parseScenario } from './scenario.ts';

const sample = (tenant: string, latencyMs: number, status = 200, at = 0): Sample => ({
  tenant,
  at,
  latencyMs,
  status,
  capped: null,
});

describe('poissonArrivals', () => {
  it('repeats for a seed and averages the rate', () => {
    const a = poissonArrivals(5, 600_000, mulberry32(7));
    const b = poissonArrivals(5, 600_000, mulberry32(7));
    expect(a).toEqual(b);
    expect(a.length / 600).toBeGreaterThan(4.8);
    expect(a.length / 600).toBeLessThan(5.2);
    expect(a.every((t, i) => i === 0 || t >= a[i - 1]!)).toBe(true);
  });

  it('differs across seeds', () => {
    expect(poissonArrivals(5, 10_000, mulberry32(1))).not.toEqual(poissonArrivals(5, 10_000, mulberry32(2)));
  });
});

describe('figures', () => {
  it('counts outcomes per tenant; timeouts are failures', () => {
    const f = tenantFigures('a', [
      sample('a', 10),
      sample('a', 20, 429),
      sample('a', 30000, 0),
      sample('a', 5, 403),
      sample('b', 1),
    ]);
    expect(f).toMatchObject({ sent: 4, ok: 1, rateLimited: 1, failed: 2, timedOut: 1 });
  });

  it('leaves the heavy tenant out of the others p95 and error rate', () => {
    const samples = [
      ...Array.from({ length: 19 }, () => sample('a', 100)),
      sample('a', 900),
      ...Array.from({ length: 50 }, () => sample('heavy', 1, 429)),
    ];
    const p = phaseFigures('x', 1000, samples, ['a', 'heavy'], 'heavy');
    expect(p.othersP95Ms).toBe(100);
    expect(p.othersErrorRate).toBe(0);
  });

  it.each([
    [
      [
        { rps: 1, othersP95Ms: 900 },
        { rps: 2, othersP95Ms: 6000 },
      ],
      2,
    ],
    [
      [
        { rps: 1, othersP95Ms: 900 },
        { rps: 2, othersP95Ms: 1000 },
      ],
      null,
    ],
  ])('breaking point of %j is %s', (steps, expected) => {
    expect(breakingPoint(steps, 5000)).toBe(expected);
  });

  it('extrapolates cost per month from tokens and prices', () => {
    const c = costFigures({
      promptTokens: 1500,
      completionTokens: 250,
      requests: 1,
      inputPricePer1k: 0.03,
      outputPricePer1k: 0.06,
      heavyRps: 5,
      admittedPerHourWith: 100,
    });
    expect(c.usdPerRequest).toBeCloseTo(0.06, 6);
    expect(c.usdPerHourWithout).toBeCloseTo(0.06 * 18_000, 2);
    expect(c.usdPerMonthWithout).toBeCloseTo(0.06 * 18_000 * 730, 0);
    expect(c.usdPerHourWith).toBeCloseTo(6, 2);
  });
});

describe('scenario', () => {
  const example = parse(
    readFileSync(new URL('../../examples/scenarios/noisy-neighbor.yaml', import.meta.url), 'utf8'),
  );
  it('reads the example and shortens it for QUICK', () => {
    expect(parseScenario(example, { quick: false }).phases.heavySeconds).toBe(example.phases.heavySeconds);
    expect(parseScenario(example, { quick: true }).phases.heavySeconds).toBe(example.quick.heavySeconds);
  });
  it('refuses a bad scenario with a code', () => {
    expect(() =>
      parseScenario({ ...example, heavy: { tenant: 'x', apiKey: 'k', rps: -1 } }, { quick: false }),
    ).toThrow(expect.objectContaining({ code: 'SLUICE_FILE_UNREADABLE' }));
  });
});
