/**
 * The simulator end to end on a short scenario: the local stack starts, every phase runs, the
 * report is written, and it shows the incident and the protection. (Slow by nature: ~30 s.)
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { devEnv } from '../../test/harness/env.ts';
import { captureIo } from '../../test/support/cli-io.ts';
import { noisyNeighbor } from '../noisy-neighbor.ts';

interface PhaseSeconds {
  baseline: number;
  heavy: number;
  /** Each step of the breaking-point search. */
  step: number;
  emergency: number;
}

/** The example scenario with shorter phases and one breaking-point rate, written to a temporary folder. */
function shortScenario(seconds: PhaseSeconds, rate: number): { dir: string; file: string } {
  const phases = {
    baselineSeconds: seconds.baseline,
    heavySeconds: seconds.heavy,
    breakingPoint: { rates: [rate], stepSeconds: seconds.step },
    emergencySeconds: seconds.emergency,
  };
  const dir = mkdtempSync(join(tmpdir(), 'sluice-nn-'));
  const example = parse(
    readFileSync(new URL('../../examples/scenarios/noisy-neighbor.yaml', import.meta.url), 'utf8'),
  );
  const scenario = { ...example, phases };
  delete scenario.quick;
  const file = join(dir, 'scenario.yaml');
  writeFileSync(file, stringify(scenario));
  return { dir, file };
}

describe('sluice noisy-neighbor', () => {
  it('reproduces the incident and the protection on a short scenario', async () => {
    const { dir, file } = shortScenario({ baseline: 4, heavy: 8, step: 3, emergency: 6 }, 5);
    const t = captureIo();
    const code = await noisyNeighbor(
      ['--scenario', file, '--out', join(dir, 'out')],
      t.io,
      { QUICK: '1' }, // QUICK: a 10 s client timeout; the phases are the ones above
    );
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8'));
    // The incident: without Sluice the others slow down well past the baseline; with it they do not.
    expect(report.heavy_p95_ms_without).toBeGreaterThan(2 * report.baseline_p95_ms);
    expect(report.heavy_p95_ms_with).toBeLessThan(report.heavy_p95_ms_without);
    const heavyWith = report.report.with.tenants.find((t: { tenant: string }) => t.tenant === 'scraper-free');
    expect(heavyWith.rateLimited).toBeGreaterThan(0);
    // The emergency controls were measured, not assumed.
    expect(report.override_effect_ms).toBeGreaterThan(0);
    expect(report.suspend_effect_ms).toBeGreaterThan(0);
    expect(report.suspend_first_403_ms).not.toBeNull();
    for (const name of ['report.md', 'report.html', 'latency.svg', 'admission.svg']) {
      expect(readFileSync(join(dir, 'out', name), 'utf8').length).toBeGreaterThan(200);
    }
    expect(t.out()).toContain('| phase | other tenants p95 |');
  }, 120_000);

  it('with --cluster, times the override and the suspension through kubectl patch and the operator', async () => {
    const { dir, file } = shortScenario({ baseline: 1, heavy: 2, step: 1, emergency: 8 }, 1);
    const env = devEnv();
    const code = await noisyNeighbor(
      ['--scenario', file, '--out', join(dir, 'out'), '--cluster'],
      captureIo().io,
      { QUICK: '1', KUBECONFIG: env.kubeconfig, REDIS_URL: env.redisUrl, DATABASE_URL: env.databaseUrl },
    );
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8'));
    expect(report.report.emergency.mode).toBe('cluster');
    expect(report.override_effect_ms).toBeGreaterThan(0);
    expect(report.suspend_effect_ms).toBeGreaterThan(0);
    expect(report.suspend_first_403_ms).not.toBeNull();
  }, 120_000);
});
