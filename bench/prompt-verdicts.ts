/**
 * The verdict snapshot: what the screener answers on every text of the repo's corpus splits
 * (test/fixtures/prompts/{corpus,dev,eval}.jsonl), on the benchmark's inputs (prompt-inputs.ts)
 * and on seeded mixtures of both, written by
 *
 *   npx node bench/prompt-verdicts.ts > bench/prompt-verdicts.jsonl
 *   npx node bench/prompt-verdicts.ts --train > bench/prompt-verdicts-train.json
 *
 * and checked by policy/prompt/verdicts.test.ts. It exists so that speed work on the screener (one-pass
 * features, typed tables, early exits, work bounds) is proved not to move a verdict, a rule, a
 * span or a score. Regenerate it only for a change that is MEANT to move verdicts (new phrases,
 * retrained weights), and say so in the commit.
 *
 * The training split (24,000+ generated and public texts, not committed) is pinned by a digest instead
 * (trainingDigest), with a digest of its texts beside it, so a changed split is told apart from a
 * changed screener.
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createScreener, type ScreenResult } from '../policy/prompt/screen.ts';
import { templateLiteralText } from '../policy/prompt/template.ts';
import { mulberry32 } from '../policy/seeded-random.ts';
import { ADVERSARIAL, benignText, SENTENCES } from './prompt-inputs.ts';

export interface GoldenCase {
  readonly id: string;
  readonly text: string;
  readonly kind: 'query' | 'template';
  readonly label?: 'attack' | 'benign';
}

/** One screened case as stored: verdict, rule, layer, unsure, span, flags, score. */
export interface GoldenVerdict {
  readonly id: string;
  readonly v: string;
  readonly r: string | null;
  readonly l: string | null;
  readonly u: boolean;
  readonly s: readonly [number, number] | null;
  readonly f: readonly string[];
  readonly p: number | null;
}

const FIXTURES = new URL('../test/fixtures/prompts/', import.meta.url);
const SPLITS = ['corpus', 'dev', 'eval'] as const;

interface FixtureLine {
  readonly id: string;
  readonly text: string;
  readonly kind?: 'query' | 'template';
  readonly label?: 'attack' | 'benign';
}

function splitCases(): GoldenCase[] {
  const out: GoldenCase[] = [];
  for (const split of SPLITS) {
    const lines = readFileSync(new URL(`${split}.jsonl`, FIXTURES), 'utf8')
      .trimEnd()
      .split('\n');
    for (const line of lines) {
      const item = JSON.parse(line) as FixtureLine;
      out.push({
        id: `${split}:${item.id}`,
        text: item.text,
        kind: item.kind ?? 'query',
        ...(item.label ? { label: item.label } : {}),
      });
    }
  }
  return out;
}

/**
 * Long texts made of corpus texts (attacks and benign), benchmark sentences and slices of the
 * adversarial inputs, 0.5–24 KB: they cross window boundaries, mix encodings with plain text and
 * put attacks at the start, middle and end of long pages.
 */
function mixtures(
  name: string,
  pool: readonly GoldenCase[],
  count: number,
  adversarial: readonly string[],
): GoldenCase[] {
  const next = mulberry32(0x5eed + name.length);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const out: GoldenCase[] = [];
  for (let k = 0; k < count; k++) {
    const target = 512 + Math.floor(next() * next() * 24 * 1024);
    let text = '';
    while (text.length < target) {
      const r = next();
      if (r < 0.45) text += pick(pool).text;
      else if (r < 0.8 || adversarial.length === 0) text += pick(SENTENCES);
      else {
        const source = pick(adversarial);
        const from = Math.floor(next() * (source.length - 2048));
        text += source.slice(from, from + 16 + Math.floor(next() * 2000));
      }
      text += pick([' ', '\n', '. ', '\n\n', ' "', '" ']);
    }
    out.push({ id: `${name}:${k}`, text, kind: 'query' });
  }
  return out;
}

export function goldenCases(): GoldenCase[] {
  const splits = splitCases();
  const bench: GoldenCase[] = [
    ...[200, 2048, 20_480].map((n) => ({
      id: `bench:benign:${n}`,
      text: benignText(n),
      kind: 'query' as const,
    })),
    ...Object.entries(ADVERSARIAL).map(([name, text]) => ({
      id: `bench:${name}`,
      text,
      kind: 'query' as const,
    })),
  ];
  const benign = splits.filter((c) => c.label === 'benign' && c.kind === 'query');
  return [
    ...splits,
    ...bench,
    ...mixtures('mix', splits, 300, Object.values(ADVERSARIAL)),
    ...mixtures('benign-mix', benign, 200, []),
  ];
}

export function verdictOf(id: string, r: ScreenResult): GoldenVerdict {
  return {
    id,
    v: r.verdict,
    r: r.rule,
    l: r.layer,
    u: r.unsure,
    s: r.span === null ? null : [r.span.start, r.span.end],
    f: r.flags,
    p: r.score,
  };
}

/** Templates are screened on their literal text, as `sluice validate` and prompt-check do. */
export function screenCase(
  screen: (text: string, kind: 'query' | 'template') => ScreenResult,
  c: GoldenCase,
): ScreenResult {
  return c.kind === 'template' ? screen(templateLiteralText(c.text), 'template') : screen(c.text, 'query');
}

/**
 * Digest of the screener's answers on the training split, one line per text (score to 12
 * significant digits), and a digest of the texts themselves.
 */
export function trainingDigest(
  items: readonly GoldenCase[],
  screen: (text: string, kind: 'query' | 'template') => ScreenResult,
): { readonly texts: string; readonly verdicts: string; readonly count: number } {
  const texts = createHash('sha256');
  const verdicts = createHash('sha256');
  for (const c of items) {
    texts.update(`${c.kind}\u0000${c.text}\u0001`);
    const r = screenCase(screen, c);
    const v = verdictOf(c.id, r);
    verdicts.update(
      `${v.v} ${v.r} ${v.l} ${v.u} ${v.s?.join(',')} ${v.f.join(',')} ${v.p === null ? '-' : v.p.toPrecision(12)}\n`,
    );
  }
  return { texts: texts.digest('hex'), verdicts: verdicts.digest('hex'), count: items.length };
}

/** The training split as golden cases (generated in memory by the training generator). */
export async function trainingCases(): Promise<GoldenCase[]> {
  const { trainingItems } = await import('../test/fixtures/prompts/train/generate.ts');
  return trainingItems().map((t) => ({ id: t.id, text: t.text, kind: t.kind }));
}

if (import.meta.main) {
  const screener = createScreener();
  const screen = (text: string, kind: 'query' | 'template'): ScreenResult => screener.screen(text, kind);
  if (process.argv.includes('--train')) {
    process.stdout.write(`${JSON.stringify(trainingDigest(await trainingCases(), screen), null, 2)}\n`);
  } else {
    for (const c of goldenCases()) {
      process.stdout.write(`${JSON.stringify(verdictOf(c.id, screenCase(screen, c)))}\n`);
    }
  }
}
