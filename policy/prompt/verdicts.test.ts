/**
 * Speed work must not move a verdict: the screener's answer on every text of the corpus splits,
 * the benchmark inputs and seeded long mixtures (bench/prompt-verdicts.ts) equals the snapshot in
 * bench/prompt-verdicts.jsonl — verdict, rule, layer, unsure, span and flags exactly, the score
 * within 1e-9 — and its answers on the whole training split hash to
 * bench/prompt-verdicts-train.json. Regenerate both (commands in bench/prompt-verdicts.ts) only
 * for a change meant to move verdicts, and say so in the commit.
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type GoldenVerdict,
  goldenCases,
  screenCase,
  trainingCases,
  trainingDigest,
  verdictOf,
} from '../../bench/prompt-verdicts.ts';
import { createScreener, type ScreenResult } from './screen.ts';

const golden = readFileSync(new URL('../../bench/prompt-verdicts.jsonl', import.meta.url), 'utf8')
  .trimEnd()
  .split('\n')
  .map((line) => JSON.parse(line) as GoldenVerdict);
const trainGolden = JSON.parse(
  readFileSync(new URL('../../bench/prompt-verdicts-train.json', import.meta.url), 'utf8'),
) as {
  texts: string;
  verdicts: string;
  count: number;
};

const screener = createScreener();
const screen = (text: string, kind: 'query' | 'template'): ScreenResult => screener.screen(text, kind);

describe('screener verdicts stay as pinned', () => {
  it('covers the same cases as the snapshot', () => {
    expect(goldenCases().map((c) => c.id)).toEqual(golden.map((g) => g.id));
  });

  it('gives the pinned verdict, rule, layer, span, flags and score on every case', () => {
    const cases = goldenCases();
    const moved: string[] = [];
    cases.forEach((c, k) => {
      const want = golden[k]!;
      const got = verdictOf(c.id, screenCase(screen, c));
      const { p: gp, ...gotRest } = got;
      const { p: wp, ...wantRest } = want;
      const scoreMoved = gp === null || wp === null ? gp !== wp : Math.abs(gp - wp) > 1e-9;
      if (scoreMoved || JSON.stringify(gotRest) !== JSON.stringify(wantRest)) {
        moved.push(`${c.id}: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`);
      }
    });
    expect(moved).toEqual([]);
    expect(cases.length).toBeGreaterThan(1_000);
  });

  it('gives the pinned answers on the whole training split', async () => {
    const digest = trainingDigest(await trainingCases(), screen);
    // A different text digest means the training split changed, not the screener: regenerate.
    expect({ texts: digest.texts, count: digest.count }).toEqual({
      texts: trainGolden.texts,
      count: trainGolden.count,
    });
    expect(digest.verdicts).toBe(trainGolden.verdicts);
  }, 120_000);
});
