/// <reference lib="dom" />
/**
 * The report a team shows its management: generated from samples, opened in a real headless
 * Chromium (Debian's, driven by playwright-core), and its charts must have drawn data.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { costFigures, latencySeries, phaseFigures } from './analysis.ts';
import type { Sample } from './load.ts';
import { type Report, writeReport } from './report.ts';

const tenants = ['acme-legal', 'globex-support', 'scraper-free'];
function samples(slow: boolean): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i < 300; i++) {
    const tenant = tenants[i % 3]!;
    const heavy = tenant === 'scraper-free';
    const status = heavy && !slow && i > 30 ? 429 : 200;
    const latencyMs = slow ? 600 + i * 40 : heavy && status === 429 ? 1 : 600 + (i % 10) * 20;
    out.push({ tenant, at: i * 100, latencyMs, status, capped: i % 7 === 0 ? 'top_k=100->5' : null });
  }
  return out;
}

function report(): Report {
  const without = samples(true);
  const withSluice = samples(false);
  const figures = (name: string, s: Sample[]) => phaseFigures(name, 30_000, s, tenants, 'scraper-free');
  return {
    scenario: {
      file: 'x.yaml',
      seed: 1,
      quick: true,
      sloP95Ms: 5000,
      heavy: { tenant: 'scraper-free', rps: 5 },
    },
    generatedAt: '2026-12-01T00:00:00.000Z',
    baseline: figures(
      'baseline',
      samples(false).filter((s) => s.tenant !== 'scraper-free'),
    ),
    without: figures('without', without),
    with: figures('with', withSluice),
    latency: {
      without: latencySeries(without, tenants, 2_000, 30_000),
      with: latencySeries(withSluice, tenants, 2_000, 30_000),
    },
    breaking: {
      steps: [
        { rps: 1, withoutP95Ms: 900, withP95Ms: 800 },
        { rps: 3, withoutP95Ms: 9000, withP95Ms: 820 },
      ],
      withoutRps: 3,
      withRps: null,
    },
    emergency: {
      mode: 'file',
      overrideEffectMs: 80,
      overrideFirstAdmitMs: 120,
      suspendEffectMs: 70,
      suspendFirst403Ms: 90,
    },
    cost: {
      model: 'openai/gpt-3.5-turbo',
      ...costFigures({
        promptTokens: 150_000,
        completionTokens: 25_000,
        requests: 100,
        inputPricePer1k: 0.0005,
        outputPricePer1k: 0.0015,
        heavyRps: 5,
        admittedPerHourWith: 100,
      }),
    },
    neededLimit: { rps: 1, perHour: 3600, policyPerHour: 100 },
  };
}

describe('noisy-neighbor report', () => {
  it('writes the files with the fields the issue names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-report-'));
    writeReport(dir, report());
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(json).toMatchObject({
      baseline_p95_ms: expect.any(Number),
      heavy_p95_ms_without: expect.any(Number),
      heavy_p95_ms_with: expect.any(Number),
      breaking_point_rps: 3,
      override_effect_ms: 80,
    });
    expect(json.heavy_p95_ms_without).toBeGreaterThan(json.heavy_p95_ms_with);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('# Noisy Neighbor Impact Analysis');
    expect(md).toContain('| phase | other tenants p95 |');
  });

  it('draws both charts with data in headless Chromium', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-report-'));
    writeReport(dir, report());
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${join(dir, 'report.html')}`);
      const drawn = await page.evaluate(() => {
        const lines = [...document.querySelectorAll('svg[data-chart="latency"] polyline.series')].map(
          (l) => ({
            tenant: l.getAttribute('data-tenant'),
            points: (l.getAttribute('points') ?? '').trim().split(/\s+/).length,
            width: (l as SVGGraphicsElement).getBBox().width,
          }),
        );
        const bars = [...document.querySelectorAll('svg[data-chart="admission"] rect.bar')].map(
          (b) => (b as SVGGraphicsElement).getBBox().height,
        );
        return { lines, bars };
      });
      // two panels (without / with) × three tenants, each a line across the phase
      expect(drawn.lines).toHaveLength(6);
      for (const line of drawn.lines) {
        expect(line.points).toBeGreaterThan(2);
        expect(line.width).toBeGreaterThan(50);
      }
      expect(drawn.bars.filter((h) => h > 0).length).toBeGreaterThanOrEqual(6);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
