/** Writes the Noisy Neighbor Impact Analysis: report.md, report.json, two SVG charts, report.html. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CostFigures, PhaseFigures } from './analysis.ts';
import { admissionChart, latencyChart, type Series } from './charts.ts';

export interface Report {
  scenario: {
    file: string;
    seed: number;
    quick: boolean;
    sloP95Ms: number;
    heavy: { tenant: string; rps: number };
  };
  generatedAt: string;
  baseline: PhaseFigures;
  without: PhaseFigures;
  with: PhaseFigures;
  latency: { without: Series[]; with: Series[] };
  breaking: {
    steps: { rps: number; withoutP95Ms: number | null; withP95Ms: number }[];
    withoutRps: number | null;
    withRps: number | null;
  };
  emergency: {
    mode: 'file' | 'cluster';
    overrideEffectMs: number | null;
    overrideFirstAdmitMs: number | null;
    suspendEffectMs: number | null;
    suspendFirst403Ms: number | null;
  };
  cost: CostFigures & { model: string };
  /** Largest tested heavy rate that kept the others within the SLO without Sluice. */
  neededLimit: { rps: number | null; perHour: number | null; policyPerHour: number };
}

/** The flat fields of report.json, for scripts. */
export function flatFields(r: Report): Record<string, number | string | null> {
  return {
    baseline_p95_ms: r.baseline.othersP95Ms,
    heavy_p95_ms_without: r.without.othersP95Ms,
    heavy_p95_ms_with: r.with.othersP95Ms,
    slowdown_without: ratio(r.without.othersP95Ms, r.baseline.othersP95Ms),
    slowdown_with: ratio(r.with.othersP95Ms, r.baseline.othersP95Ms),
    error_rate_baseline: r.baseline.othersErrorRate,
    error_rate_without: r.without.othersErrorRate,
    error_rate_with: r.with.othersErrorRate,
    breaking_point_rps: r.breaking.withoutRps,
    breaking_point_rps_with: r.breaking.withRps,
    override_effect_ms: r.emergency.overrideEffectMs,
    override_first_admit_ms: r.emergency.overrideFirstAdmitMs,
    suspend_effect_ms: r.emergency.suspendEffectMs,
    suspend_first_403_ms: r.emergency.suspendFirst403Ms,
    heavy_usd_per_month_without: r.cost.usdPerMonthWithout,
    heavy_usd_per_month_with: r.cost.usdPerMonthWith,
    needed_limit_per_hour: r.neededLimit.perHour,
  };
}

function ratio(a: number, b: number): number {
  return b > 0 ? Math.round((a / b) * 100) / 100 : 0;
}

const ms = (v: number | null) =>
  v === null ? 'n/a' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
/** Dollars with cents; sub-cent amounts (a single request) with two significant digits. */
const usd = (v: number) =>
  v > 0 && v < 0.01
    ? `$${v.toPrecision(2)}`
    : `$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export function summaryTable(r: Report): string {
  const rows = [
    ['Baseline (normal load)', r.baseline],
    [`${r.scenario.heavy.tenant} at ${r.scenario.heavy.rps} req/s, no Sluice`, r.without],
    [`${r.scenario.heavy.tenant} at ${r.scenario.heavy.rps} req/s, through Sluice`, r.with],
  ] as const;
  return [
    '| phase | other tenants p95 | vs baseline | other tenants errors |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map(
      ([name, p]) =>
        `| ${name} | ${ms(p.othersP95Ms)} | ${ratio(p.othersP95Ms, r.baseline.othersP95Ms)}x | ${pct(p.othersErrorRate)} |`,
    ),
  ].join('\n');
}

function tenantTable(p: PhaseFigures): string {
  return [
    '| tenant | sent | 2xx | 429 | other errors | timeouts | capped | p50 | p95 |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...p.tenants.map(
      (t) =>
        `| ${t.tenant} | ${t.sent} | ${t.ok} | ${t.rateLimited} | ${t.failed - t.timedOut} | ${t.timedOut} | ${t.capped} | ${ms(t.p50Ms)} | ${ms(t.p95Ms)} |`,
    ),
  ].join('\n');
}

export function renderMarkdown(r: Report): string {
  const heavy = r.scenario.heavy;
  const b = r.breaking;
  return `# Noisy Neighbor Impact Analysis

Generated ${r.generatedAt} from \`${r.scenario.file}\` (seed ${r.scenario.seed}${r.scenario.quick ? ', QUICK' : ''}).
One tenant, **${heavy.tenant}**, sends ${heavy.rps} req/s to a RAG app that saturates near its capacity; the other
tenants keep their normal load. SLO for the other tenants: p95 ≤ ${ms(r.scenario.sloP95Ms)}.

## Summary

${summaryTable(r)}

- Without Sluice the other tenants' p95 is **${ratio(r.without.othersP95Ms, r.baseline.othersP95Ms)}x** the baseline; through Sluice it is **${ratio(r.with.othersP95Ms, r.baseline.othersP95Ms)}x**.
- Breaking point (the heavy tenant's rate at which the others pass the SLO): **${b.withoutRps === null ? `not reached up to ${Math.max(...b.steps.map((s) => s.rps))} req/s` : `${b.withoutRps} req/s`}** without Sluice; ${b.withRps === null ? `**not reached** up to ${Math.max(...b.steps.map((s) => s.rps))} req/s` : `**${b.withRps} req/s**`} with Sluice.
- Cost: one hour of ${heavy.tenant} at ${heavy.rps} req/s on ${r.cost.model} costs ${usd(r.cost.usdPerHourWithout)} — **${usd(r.cost.usdPerMonthWithout)} a month** if it runs all month — without Sluice; with its policy, ${usd(r.cost.usdPerMonthWith)} a month (${r.cost.tokensPerRequest} tokens per request, ${usd(r.cost.usdPerRequest)} each).
- Limit that would have been needed: ${r.neededLimit.rps === null ? 'none of the tested rates was safe' : `at most ${r.neededLimit.rps} req/s (${r.neededLimit.perHour!.toLocaleString('en-US')} requests/hour)`} for ${heavy.tenant}; its policy allows ${r.neededLimit.policyPerHour.toLocaleString('en-US')} requests/hour.
- Emergency controls (${r.emergency.mode === 'cluster' ? 'kubectl patch → operator → Redis → sidecar' : 'policy file → sidecar'}): a 10x override was served after **${ms(r.emergency.overrideEffectMs)}** (first admitted request after ${ms(r.emergency.overrideFirstAdmitMs)}); a suspension after **${ms(r.emergency.suspendEffectMs)}** (first 403 after ${ms(r.emergency.suspendFirst403Ms)}).

## Latency over time

![latency](latency.svg)

## Admitted versus rejected

![admission](admission.svg)

## Per tenant

### Baseline
${tenantTable(r.baseline)}

### ${heavy.tenant} at ${heavy.rps} req/s, straight to the app
${tenantTable(r.without)}

### ${heavy.tenant} at ${heavy.rps} req/s, through Sluice
${tenantTable(r.with)}

### Breaking-point search
| ${heavy.tenant} req/s | others p95 without Sluice | others p95 with Sluice |
| ---: | ---: | ---: |
${b.steps.map((s) => `| ${s.rps} | ${s.withoutP95Ms === null ? 'not run (already broken)' : ms(s.withoutP95Ms)} | ${ms(s.withP95Ms)} |`).join('\n')}

Requests still unanswered at the client timeout count as errors with the timeout as their latency, so p95 values
at or near the timeout are lower bounds.
`;
}

export function renderHtml(r: Report, latencySvg: string, admissionSvg: string): string {
  const md = renderMarkdown(r);
  const tables = md
    .split('\n')
    .filter((l) => l.startsWith('- '))
    .map((l) => `<li>${escapeHtml(l.slice(2)).replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Noisy Neighbor Impact Analysis</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style>
</head><body>
<h1>Noisy Neighbor Impact Analysis</h1>
<p>${escapeHtml(r.scenario.heavy.tenant)} at ${r.scenario.heavy.rps} req/s; SLO p95 ≤ ${r.scenario.sloP95Ms} ms; generated ${escapeHtml(r.generatedAt)}.</p>
${markdownTable(summaryTable(r))}
<ul>${tables}</ul>
<h2>Latency over time</h2>
<figure id="latency">${latencySvg}</figure>
<h2>Admitted versus rejected</h2>
<figure id="admission">${admissionSvg}</figure>
</body></html>
`;
}

function markdownTable(md: string): string {
  const [head, , ...rows] = md.split('\n');
  const cells = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((c) => escapeHtml(c.trim()));
  return `<table><tr>${cells(head!)
    .map((c) => `<th>${c}</th>`)
    .join('')}</tr>${rows
    .map(
      (row) =>
        `<tr>${cells(row)
          .map((c) => `<td>${c}</td>`)
          .join('')}</tr>`,
    )
    .join('')}</table>`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function writeReport(dir: string, r: Report): string[] {
  mkdirSync(dir, { recursive: true });
  const latencySvg = latencyChart(
    [
      { title: 'Without Sluice', series: r.latency.without },
      { title: 'Through Sluice', series: r.latency.with },
    ],
    r.scenario.heavy.tenant,
    r.scenario.sloP95Ms,
  );
  const admissionSvg = admissionChart(
    [
      {
        title: 'Without Sluice',
        tenants: r.without.tenants.map((t) => ({ tenant: t.tenant, ok: t.ok, rejected: t.sent - t.ok })),
      },
      {
        title: 'Through Sluice',
        tenants: r.with.tenants.map((t) => ({ tenant: t.tenant, ok: t.ok, rejected: t.sent - t.ok })),
      },
    ],
    r.scenario.heavy.tenant,
  );
  const files = {
    'report.md': renderMarkdown(r),
    'report.json': `${JSON.stringify({ ...flatFields(r), report: r }, null, 2)}\n`,
    'latency.svg': latencySvg,
    'admission.svg': admissionSvg,
    'report.html': renderHtml(r, latencySvg, admissionSvg),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return Object.keys(files).map((name) => join(dir, name));
}
