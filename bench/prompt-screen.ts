/**
 * Prompt screening latency. Prints ONE JSON line; never passes or fails on time.
 *
 *   npx node bench/prompt-screen.ts          full run
 *   QUICK=1 npx node bench/prompt-screen.ts  short run (CI smoke)
 *
 * - p50/p99 per call for realistic benign queries of ~200 B, ~2 KB and ~20 KB (the common case:
 *   nothing matches, so the whole text is read);
 * - the worst median over adversarial 100 KB inputs built to hit each step's slow path
 *   (bench/prompt-inputs.ts);
 * - the cold start (cold_start_ms: first createScreener() plus first screen() in a fresh process,
 *   median of several processes; bench/prompt-cold.ts), and the module import before it.
 * Latency is measured per call with process.hrtime.bigint() after a warm-up.
 */

import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { createScreener } from '../policy/prompt/index.ts';
import { ADVERSARIAL, benignText } from './prompt-inputs.ts';

const QUICK = process.env['QUICK'] === '1';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

function measure(fn: () => void, iterations: number, warmup: number): number[] {
  for (let k = 0; k < warmup; k++) fn();
  const times: number[] = [];
  for (let k = 0; k < iterations; k++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return times.sort((a, b) => a - b);
}

const loadBefore = loadavg()[0]!;
const screener = createScreener();
const result: Record<string, number | string | Record<string, number>> = {};

for (const [label, bytes, iterations] of [
  ['200b', 200, QUICK ? 5_000 : 50_000],
  ['2kb', 2048, QUICK ? 2_000 : 20_000],
  ['20kb', 20_480, QUICK ? 300 : 3_000],
] as const) {
  // Several distinct texts, so the measurement is not of one cached branch pattern.
  const texts = Array.from({ length: 8 }, (_, k) => benignText(bytes + k * 3));
  for (const t of texts) {
    if (screener.screen(t).verdict !== 'allow') throw new Error(`benign ${label} text was not allowed`);
  }
  let k = 0;
  const times = measure(
    () => screener.screen(texts[k++ % texts.length]!),
    iterations,
    Math.min(2_000, iterations),
  );
  result[`p50_us_${label}`] = round(percentile(times, 50));
  result[`p99_us_${label}`] = round(percentile(times, 99));
  result[`ops_per_s_${label}`] = Math.round(1e6 / (times.reduce((a, b) => a + b, 0) / times.length));
}

const perInput: Record<string, number> = {};
let worst = 0;
let worstName = '';
let worstMax = 0;
for (const [name, text] of Object.entries(ADVERSARIAL)) {
  const times = measure(() => screener.screen(text), QUICK ? 5 : 25, QUICK ? 2 : 5);
  const median = percentile(times, 50) / 1000;
  perInput[name] = round(median);
  worstMax = Math.max(worstMax, times[times.length - 1]! / 1000);
  if (median > worst) {
    worst = median;
    worstName = name;
  }
}
result['worst_100kb_ms'] = round(worst);
result['worst_100kb_input'] = worstName;
result['worst_100kb_max_ms'] = round(worstMax);
result['adversarial_100kb_median_ms'] = perInput;
// Cold start in fresh processes (the median of several): compile/load the phrase catalogue, read
// the model, screen once. Measured last so the other figures are not taken beside child processes.
const colds: { import_ms: number; cold_start_ms: number }[] = [];
for (let k = 0; k < (QUICK ? 3 : 7); k++) {
  const out = execFileSync(process.execPath, [new URL('./prompt-cold.ts', import.meta.url).pathname], {
    encoding: 'utf8',
  });
  colds.push(JSON.parse(out) as { import_ms: number; cold_start_ms: number });
}
const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
result['cold_start_ms'] = median(colds.map((c) => c.cold_start_ms));
result['cold_start_max_ms'] = Math.max(...colds.map((c) => c.cold_start_ms));
result['cold_import_ms'] = median(colds.map((c) => c.import_ms));
// The machine's load around the run (1-minute averages): figures taken at a load above the core
// count measure the contention as much as the screen.
result['load_1m_before'] = round(loadBefore);
result['load_1m_after'] = round(loadavg()[0]!);
result['node'] = process.version;
result['quick'] = QUICK ? 1 : 0;

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

process.stdout.write(`${JSON.stringify(result)}\n`);
