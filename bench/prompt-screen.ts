/**
 * Prompt screening latency. Prints ONE JSON line; never passes or fails on time.
 *
 *   npx node bench/prompt-screen.ts          full run
 *   QUICK=1 npx node bench/prompt-screen.ts  short run (CI smoke)
 *
 * - p50/p99 per call for realistic benign queries of ~200 B, ~2 KB and ~20 KB (the common case:
 *   nothing matches, so the whole text is read);
 * - the worst median over adversarial 100 KB inputs built to hit each step's slow path
 *   (repeated phrase starts, near misses, long base64, invisible characters, mixed scripts,
 *   spaced letters, template braces, leetspeak, glued words).
 * Latency is measured per call with process.hrtime.bigint() after a warm-up.
 */

import { createScreener } from '../policy/prompt/index.ts';

const QUICK = process.env['QUICK'] === '1';

const SENTENCES = [
  'Could you summarise the main points of the onboarding guide for new support engineers?',
  'Our customer in Lisbon reports that invoices sent in March show the wrong VAT rate.',
  'Which steps of the incident runbook apply when the primary database fails over?',
  'Please compare the Pro and Enterprise plans, focusing on storage limits and SLAs.',
  'The previous version of the API returned paginated results with a cursor field.',
  'How do I configure single sign-on for the admin console with our identity provider?',
  'List the documents an employee needs to submit before travelling abroad for work.',
  'What did the security review conclude about the data retention policy for logs?',
  'Explain why the nightly export job failed and how the team fixed the schedule.',
  'Draft a short, friendly reply telling the customer their refund was processed today.',
];

function benignText(bytes: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let k = 0; length < bytes; k++) {
    const s = SENTENCES[k % SENTENCES.length]!;
    parts.push(s);
    length += s.length + 1;
  }
  return parts.join(' ').slice(0, bytes);
}

function repeatTo(unit: string, bytes: number): string {
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

const KB100 = 100 * 1024;
const ADVERSARIAL: Record<string, string> = {
  ignore_repeated: repeatTo('ignore ', KB100),
  near_miss: repeatTo('ignore all previous versions of the file ', KB100),
  phrase_starts: repeatTo('you are now ignore disregard reveal your ', KB100),
  base64_run: Buffer.from(repeatTo('lorem ipsum dolor sit amet ', 75 * 1024))
    .toString('base64')
    .slice(0, KB100),
  base64_words: repeatTo('aGVsbG8gd29ybGQgdGhpcyBpcyBmaW5l ', KB100),
  zero_width: repeatTo('\u200b', KB100),
  zero_width_words: repeatTo('i\u200bg\u200bn\u200bo\u200br\u200be ', KB100),
  mixed_script: repeatTo('\u0456gn\u043er\u0435 \u0440r\u0435v\u0456\u043eus ', KB100),
  cyrillic_text: repeatTo(
    '\u043d\u0430\u0441\u0442\u0440\u043e\u0438\u0442\u044c VPN \u0434\u043b\u044f \u043d\u043e\u0443\u0442\u0431\u0443\u043a\u0430 ',
    KB100,
  ),
  spaced_letters: repeatTo('i g n o r e a l l p r e v i o u s ', KB100),
  template_braces: repeatTo('{{', KB100),
  leetspeak: repeatTo('1gn0r3 4ll pr3v10u5 ', KB100),
  glued: repeatTo('ignoreallpreviousversions ', KB100),
  one_long_word: repeatTo('a', KB100),
  hex_pairs: repeatTo('69 67 6e 6f 72 65 20 ', KB100),
  tag_characters: repeatTo('\u{E0069}\u{E0067}', KB100),
  punctuation: repeatTo('.-_/|<>[]#:,', KB100),
};

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
result['node'] = process.version;
result['quick'] = QUICK ? 1 : 0;

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

process.stdout.write(`${JSON.stringify(result)}\n`);
