/**
 * The labelled corpus (test/fixtures/prompts/corpus.jsonl): recall on attacks and false-positive
 * rate on benign RAG traffic, with the misses listed when a bound fails. Queries are screened as
 * kind "query"; templates go through reviewTemplate (syntax + screening of the literal text),
 * exactly as `sluice prompt-check` and `sluice validate` do.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CorpusEntry, corpusLines } from '../../test/fixtures/prompts/build-corpus.ts';
import { createScreener } from './screen.ts';
import { reviewTemplate } from './screen-template.ts';

const CORPUS = new URL('../../test/fixtures/prompts/corpus.jsonl', import.meta.url);
const RECALL_MIN = 0.9;
const FPR_MAX = 0.02;

const lines = readFileSync(CORPUS, 'utf8').trimEnd().split('\n');
const entries = lines.map((line) => JSON.parse(line) as CorpusEntry);
const screener = createScreener();

function rejected(entry: CorpusEntry): { rejected: boolean; rule: string | null } {
  if (entry.kind === 'template') {
    const review = reviewTemplate(entry.text, screener);
    return {
      rejected: !review.ok,
      rule: review.problems.length > 0 ? 'template_invalid' : review.screen.rule,
    };
  }
  const result = screener.screen(entry.text, 'query');
  return { rejected: result.verdict === 'reject', rule: result.rule };
}

const results = entries.map((entry) => ({ entry, ...rejected(entry) }));
const attacks = results.filter((r) => r.entry.label === 'attack');
const benign = results.filter((r) => r.entry.label === 'benign');
const misses = attacks.filter((r) => !r.rejected);
const falsePositives = benign.filter((r) => r.rejected);
const recall = (attacks.length - misses.length) / attacks.length;
const fpr = falsePositives.length / benign.length;

const describeEntry = (r: (typeof results)[number]): string =>
  `${r.entry.id} [${r.entry.lang}/${r.entry.technique}] ${r.rule ?? '-'} ${JSON.stringify(r.entry.text).slice(0, 100)}`;

describe('prompt corpus', () => {
  it('is what build-corpus.ts produces', () => {
    expect(lines).toEqual(corpusLines());
  });

  it('has at least 150 attacks and 200 benign entries, attacks in six languages', () => {
    expect(attacks.length).toBeGreaterThanOrEqual(150);
    expect(benign.length).toBeGreaterThanOrEqual(200);
    expect(new Set(attacks.map((r) => r.entry.lang))).toEqual(new Set(['en', 'de', 'es', 'fr', 'pt', 'it']));
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
  });

  it(`catches at least ${RECALL_MIN * 100}% of attacks`, () => {
    const report = `recall ${recall.toFixed(3)}; missed ${misses.length}/${attacks.length}:\n${misses.map(describeEntry).join('\n')}`;
    expect(recall, report).toBeGreaterThanOrEqual(RECALL_MIN);
  });

  it(`rejects at most ${FPR_MAX * 100}% of benign entries`, () => {
    const report = `false-positive rate ${fpr.toFixed(3)}; ${falsePositives.length}/${benign.length}:\n${falsePositives.map(describeEntry).join('\n')}`;
    expect(fpr, report).toBeLessThanOrEqual(FPR_MAX);
  });

  it('catches every plain attack in every language', () => {
    const plainMisses = misses.filter((r) => r.entry.technique === 'plain');
    expect(plainMisses.map(describeEntry)).toEqual([]);
  });
});
