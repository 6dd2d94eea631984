/**
 * The learned layer: a logistic regression over hashed features (features.ts), scored over
 * windows. A text's logit is the bias plus the best sum of feature weights over any run of
 * `window` consecutive positions (the whole text when it is shorter):
 *
 *   logit = bias + scale × max over p of Σ_{q ∈ [p, p + window)} Σ_{f ∈ features(q)} w[f]
 *
 * Why windows: an injected instruction is a sentence or two inside a long document; summing the
 * whole text would dilute it in kilobytes of ordinary prose, and would let a long benign text
 * collect a little evidence from every sentence until it crossed the line. Training (train.ts)
 * optimises the same max-window score, so what the model learns is what it is asked.
 *
 * Cost: one int8 read per feature and a running sum per position — no allocation, no floating
 * point in the loop.
 */

import type { Features } from './features.ts';
import type { ModelWeights } from './weights.ts';

export interface WindowScore {
  /** Logit of the best window (bias included). */
  readonly logit: number;
  /** Best window, as positions [from, to) of the features. */
  readonly from: number;
  readonly to: number;
}

/** Per-position sums, reused between calls. */
let sums = new Int32Array(1024);

/** The best window of `features` under `model`. An empty text scores the bias alone. */
export function scoreWindow(model: ModelWeights, features: Features): WindowScore {
  const n = features.positions;
  const { weights } = model;
  if (sums.length < n) sums = new Int32Array(Math.max(n, sums.length * 2));
  const bucket = features.bucket;
  const posStart = features.posStart;
  let k = 0;
  for (let p = 0; p < n; p++) {
    const end = posStart[p + 1]!;
    let s = 0;
    for (; k < end; k++) s += weights[bucket[k]!]!;
    sums[p] = s;
  }
  return bestWindow(sums, n, model);
}

/**
 * The best run of `window` consecutive positions over per-position weight sums (the fused path,
 * score.ts, sums as it extracts). Integer sums: the result does not depend on summation order.
 */
export function bestWindow(sums: Int32Array, n: number, model: ModelWeights): WindowScore {
  const { window, bias, scale } = model.header;
  if (n === 0) return { logit: bias, from: 0, to: 0 };
  let best = -0x7fffffff;
  let bestEnd = 0;
  let running = 0;
  for (let p = 0; p < n; p++) {
    running += sums[p]!;
    if (p >= window) running -= sums[p - window]!;
    if (p >= window - 1 && running > best) {
      best = running;
      bestEnd = p + 1;
    }
  }
  if (n < window) {
    best = running;
    bestEnd = n;
  }
  return { logit: bias + scale * best, from: Math.max(0, bestEnd - window), to: bestEnd };
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
