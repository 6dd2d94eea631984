/**
 * The learned layer's stage alone: the reference extraction (features.ts + scoreWindow, what
 * training reads) against the fused scorer the screener runs (model/score.ts, ADR 0040), on the
 * same tokens. Prints ONE JSON line; never passes or fails on time.
 *
 *   npx --no-install node bench/prompt-model-stage.ts
 *
 * Per input: the best per-call time (µs) over 7 interleaved rounds of 5 batches, so both sides
 * see the same machine load; the fused scorer's word cache is warm, as in a long-running screener.
 */

import { loadavg } from 'node:os';
import { cleanText } from '../policy/prompt/clean.ts';
import { Tokens, tokenise } from '../policy/prompt/lex.ts';
import { extractFeatures, Features } from '../policy/prompt/model/features.ts';
import { scoreWindow } from '../policy/prompt/model/model.ts';
import { ModelScorer } from '../policy/prompt/model/score.ts';
import { modelWeights } from '../policy/prompt/model/weights.ts';
import { ADVERSARIAL, benignText } from './prompt-inputs.ts';

const model = modelWeights();
const result: Record<string, number | string> = { load_1m_before: round(loadavg()[0]!) };

function best(fn: () => void, iterations: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < iterations; k++) fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1000 / iterations);
  }
  return min;
}

const inputs: [string, string, number][] = [
  ['2kb', benignText(2048), 2_000],
  ...Object.entries(ADVERSARIAL).map(([name, text]): [string, string, number] => [name, text, 10]),
];
for (const [name, text, iterations] of inputs) {
  const cleaned = cleanText(text);
  const tokens = new Tokens();
  tokenise(cleaned.text, null, tokens);
  const features = new Features();
  const scorer = new ModelScorer();
  const reference = (): void => {
    extractFeatures(tokens, cleaned.text, model.mask, features);
    scoreWindow(model, features);
  };
  const fused = (): void => {
    scorer.score(tokens, cleaned.text, model);
  };
  let ref = Number.POSITIVE_INFINITY;
  let fast = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 7; round++) {
    ref = Math.min(ref, best(reference, iterations));
    fast = Math.min(fast, best(fused, iterations));
  }
  result[`reference_us_${name}`] = round(ref);
  result[`fused_us_${name}`] = round(fast);
}
result['load_1m_after'] = round(loadavg()[0]!);
result['node'] = process.version;

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

process.stdout.write(`${JSON.stringify(result)}\n`);
