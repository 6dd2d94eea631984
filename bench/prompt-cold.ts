/**
 * One cold start of the prompt screener, in a fresh process (run by bench/prompt-screen.ts, which
 * starts it several times): prints `{"import_ms", "cold_start_ms"}`.
 *
 * - import_ms: loading the screening modules (Node strips the TypeScript types on the way);
 * - cold_start_ms: what the first request pays — `createScreener()` (the phrase catalogue, read
 *   from its snapshot, policy/prompt/catalogue.ts) plus the first `screen()` (which reads the
 *   model's weights and runs unoptimised code once).
 */

const t0 = performance.now();
const { createScreener } = await import('../policy/prompt/index.ts');
const t1 = performance.now();
const screener = createScreener();
const verdict = screener.screen('What is the refund policy for damaged items?').verdict;
const t2 = performance.now();
if (verdict !== 'allow') throw new Error('the cold-start query was not allowed');
const round = (x: number): number => Math.round(x * 100) / 100;
process.stdout.write(`${JSON.stringify({ import_ms: round(t1 - t0), cold_start_ms: round(t2 - t1) })}\n`);
