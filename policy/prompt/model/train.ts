/**
 * Trains the learned layer: `make train-screen` (or `npx node policy/prompt/model/train.ts`).
 *
 *   --train FILE     labelled JSON lines (default .cache/screen/train.jsonl, written by
 *                    test/fixtures/prompts/train/build-train.ts)
 *   --out FILE       weights (default policy/prompt/model/screen-model.bin)
 *   --seed N         shuffle seed (default DEFAULT_OPTIONS.seed): other seeds measure how much a
 *                    figure moves with the training order alone
 *   --loso           instead of writing weights, print leave-one-source-out figures: for each
 *                    public source S (test/fixtures/prompts/train/public/), train without S
 *                    (thresholds from that model's own out-of-fold scores) and score S
 *   --base-only      with --loso: train on the generated corpus only (no public source at all),
 *                    the figures before the public collections were added
 *
 * Deterministic: the corpus order, the seeded shuffles (mulberry32) and the arithmetic are fixed,
 * so the same corpus gives the same bytes on every run and machine (V8's Math.exp and sqrt are
 * correctly rounded / fdlibm, not the platform's libm). The evaluation split is never read here.
 *
 * The model (see model.ts) is a logistic regression on the best window of hashed features;
 * training optimises exactly that (the gradient flows through the best window, as in
 * multiple-instance learning), with AdaGrad and L2 decay on the weights a window touches.
 *
 * Examples are weighted so that (1) attacks and benign texts weigh the same in total, and (2) no
 * generator template dominates: an example of a group of n weighs 1/√n before class balancing
 * (hand-written items are groups of one). Thresholds come from out-of-fold scores: each
 * sensitivity is the benign-score quantile in SENSITIVITY_FPR, so they are measured on texts the
 * scoring model did not train on.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { mulberry32 } from '../../seeded-random.ts';
import { cleanText } from '../clean.ts';
import { Tokens, tokenise } from '../lex.ts';
import { templateLiteralText } from '../template.ts';
import { extractFeatures, Features } from './features.ts';
import { encodeModel, type ModelHeader, type Sensitivity } from './weights.ts';

export interface TrainingExample {
  readonly id: string;
  readonly text: string;
  readonly kind: 'query' | 'template';
  readonly label: 'attack' | 'benign';
  readonly lang?: string;
  readonly category?: string;
  /** Generator template or hand-written source; examples of one group share a weight. */
  readonly group?: string;
}

export interface TrainOptions {
  readonly bits: number;
  readonly window: number;
  readonly epochs: number;
  readonly rate: number;
  readonly l2: number;
  readonly seed: number;
}

export const DEFAULT_OPTIONS: TrainOptions = {
  bits: 20,
  window: 24,
  epochs: 12,
  rate: 0.2,
  l2: 1e-6,
  seed: 20_251_203,
};

/**
 * Benign false-positive rate each sensitivity aims at, on out-of-fold training scores. The
 * training benign texts are mostly hard negatives (near twins of attacks), far harder than
 * traffic: medium at 2% out-of-fold measured 0.7% on the evaluation split (0.9% on its hard
 * negatives), 1.7% (2.3%) at 2.5% (docs/adr/0018-screen-calibration.md).
 */
export const SENSITIVITY_FPR: Readonly<Record<Sensitivity, number>> = {
  low: 0.006,
  medium: 0.02,
  high: 0.05,
};
/** The unsure band starts at this out-of-fold benign FPR. */
const UNSURE_FPR = 0.1;

/** One example's features, flattened. */
interface Encoded {
  readonly y: number;
  readonly weight: number;
  readonly buckets: Int32Array;
  /** posStart of features.ts, positions + 1 entries. */
  readonly posStart: Int32Array;
  readonly group: string;
}

/** The text the screener reads for an entry (templates: literal text, placeholders masked). */
export function screenedText(example: Pick<TrainingExample, 'text' | 'kind'>): string {
  return example.kind === 'template' ? templateLiteralText(example.text) : example.text;
}

export function encode(examples: readonly TrainingExample[], bits: number): Encoded[] {
  const tokens = new Tokens();
  const features = new Features();
  const mask = 2 ** bits - 1;
  const groupSize = new Map<string, number>();
  for (const e of examples) groupSize.set(e.group ?? e.id, (groupSize.get(e.group ?? e.id) ?? 0) + 1);
  const raw = examples.map((e) => {
    const cleaned = cleanText(screenedText(e));
    tokenise(cleaned.text, null, tokens);
    extractFeatures(tokens, cleaned.text, mask, features);
    const group = e.group ?? e.id;
    return {
      y: e.label === 'attack' ? 1 : 0,
      weight: 1 / Math.sqrt(groupSize.get(group)!),
      buckets: features.bucket.slice(0, features.count),
      posStart: features.posStart.slice(0, features.positions + 1),
      group,
    };
  });
  // Class balance within each language: attacks and benign texts of a language weigh the same
  // in total, so no language (or its script) becomes evidence on its own; a language weighs in
  // proportion to its number of examples; the mean weight is 1.
  const langOf = examples.map((e) => e.lang ?? 'unknown');
  const total = new Map<string, number>();
  const count = new Map<string, number>();
  raw.forEach((r, i) => {
    const key = `${langOf[i]}\u0000${r.y}`;
    total.set(key, (total.get(key) ?? 0) + r.weight);
    count.set(langOf[i]!, (count.get(langOf[i]!) ?? 0) + 1);
  });
  return raw.map((r, i) => {
    const other = total.get(`${langOf[i]}\u0000${1 - r.y}`) ?? 0;
    const own = total.get(`${langOf[i]}\u0000${r.y}`)!;
    // A language with one class only (a few benign samples of Greek, say) keeps plain weights.
    const share = other > 0 ? count.get(langOf[i]!)! / 2 : count.get(langOf[i]!)!;
    return { ...r, weight: (r.weight * share) / own };
  });
}

/** Float model during training. */
class Learner {
  readonly w: Float64Array;
  private readonly g2: Float64Array;
  bias = 0;
  private biasG2 = 0;
  private sums = new Float64Array(1024);
  private readonly options: TrainOptions;

  constructor(bits: number, options: TrainOptions) {
    this.options = options;
    this.w = new Float64Array(2 ** bits);
    this.g2 = new Float64Array(2 ** bits);
  }

  /** Best-window logit and the window [from, to) in positions. */
  score(e: Encoded): { logit: number; from: number; to: number } {
    const n = e.posStart.length - 1;
    if (n === 0) return { logit: this.bias, from: 0, to: 0 };
    if (this.sums.length < n) this.sums = new Float64Array(n * 2);
    const window = this.options.window;
    let best = Number.NEGATIVE_INFINITY;
    let bestEnd = 0;
    let running = 0;
    let k = 0;
    for (let p = 0; p < n; p++) {
      let s = 0;
      for (const end = e.posStart[p + 1]!; k < end; k++) s += this.w[e.buckets[k]!]!;
      this.sums[p] = s;
      running += s;
      if (p >= window) running -= this.sums[p - window]!;
      if (p >= window - 1 && running > best) {
        best = running;
        bestEnd = p + 1;
      }
    }
    if (n < window) {
      best = running;
      bestEnd = n;
    }
    return { logit: this.bias + best, from: Math.max(0, bestEnd - window), to: bestEnd };
  }

  step(e: Encoded): void {
    const { logit, from, to } = this.score(e);
    const p = 1 / (1 + Math.exp(-logit));
    const g = (p - e.y) * e.weight;
    if (g === 0) return;
    const { rate, l2 } = this.options;
    for (let k = e.posStart[from]!; k < e.posStart[to]!; k++) {
      const f = e.buckets[k]!;
      const grad = g + l2 * this.w[f]!;
      this.g2[f]! += grad * grad;
      this.w[f]! -= (rate * grad) / Math.sqrt(this.g2[f]! + 1e-8);
    }
    this.biasG2 += g * g;
    this.bias -= (rate * g) / Math.sqrt(this.biasG2 + 1e-8);
  }
}

function shuffled(n: number, random: () => number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

export function train(data: readonly Encoded[], options: TrainOptions): Learner {
  const learner = new Learner(options.bits, options);
  const random = mulberry32(options.seed);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = shuffled(data.length, random);
    for (let i = 0; i < order.length; i++) learner.step(data[order[i]!]!);
  }
  return learner;
}

/** Quantise to int8: scale from the 99.99th percentile of |w| (larger weights saturate). */
export function quantise(w: Float64Array): { weights: Int8Array; scale: number } {
  const mags = Float64Array.from(w, Math.abs).sort();
  const top = mags[Math.min(mags.length - 1, Math.floor(mags.length * 0.9999))]! || 1;
  const scale = top / 127;
  const weights = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) weights[i] = Math.max(-127, Math.min(127, Math.round(w[i]! / scale)));
  return { weights, scale };
}

/** Out-of-fold logits: K folds by group (a generator template never spans train and test). */
export function crossValidate(data: readonly Encoded[], options: TrainOptions, folds = 5): Float64Array {
  const groups = [...new Set(data.map((d) => d.group))];
  const random = mulberry32(options.seed ^ 0x5bd1e995);
  const order = shuffled(groups.length, random);
  const foldOf = new Map<string, number>();
  order.forEach((g, i) => {
    foldOf.set(groups[g]!, i % folds);
  });
  const out = new Float64Array(data.length);
  for (let f = 0; f < folds; f++) {
    const learner = train(
      data.filter((d) => foldOf.get(d.group) !== f),
      options,
    );
    data.forEach((d, i) => {
      if (foldOf.get(d.group) === f) out[i] = learner.score(d).logit;
    });
  }
  return out;
}

/**
 * Where a training example comes from: a public source (group `public:<source>:…`, written by
 * test/fixtures/prompts/train/public/), the phrase-layer corpus (`legacy:`) or the lexicons.
 */
export function sourceOf(group: string): string {
  if (group.startsWith('public:')) return group.split(':')[1]!;
  return group.startsWith('legacy:') ? 'phrase-corpus' : 'lexicons';
}

export interface SourceFigures {
  readonly source: string;
  readonly attacks: number;
  readonly benign: number;
  /** Recall on S's attacks and FPR on S's benign texts at each sensitivity (null: none of that label). */
  readonly recall: Record<Sensitivity, number | null>;
  readonly fpr: Record<Sensitivity, number | null>;
}

/**
 * Leave-one-source-out: for each public source S, a model trained without S (and, with
 * `baseOnly`, without any public source) and calibrated on its own out-of-fold scores, scored on
 * S. This is the honest figure for text written by people who never read the rest of the corpus.
 */
export function leaveOneSourceOut(
  examples: readonly TrainingExample[],
  options: TrainOptions,
  baseOnly: boolean,
): SourceFigures[] {
  const base = (s: string): boolean => s === 'lexicons' || s === 'phrase-corpus';
  const sourceOfExample = (e: TrainingExample): string => sourceOf(e.group ?? e.id);
  const sources = [...new Set(examples.map(sourceOfExample))].filter((s) => !base(s));
  return sources.sort().map((source) => {
    // Encoded apart, so the class weights of the training side are those of that side alone.
    const held = encode(
      examples.filter((e) => sourceOfExample(e) === source),
      options.bits,
    );
    const rest = encode(
      examples.filter((e) => {
        const s = sourceOfExample(e);
        return s !== source && (!baseOnly || base(s));
      }),
      options.bits,
    );
    const { thresholds } = thresholdsFrom(rest, crossValidate(rest, options));
    const learner = train(rest, options);
    const logits = held.map((d) => learner.score(d).logit);
    const share = (y: number, t: number): number | null => {
      const of = held.flatMap((d, i) => (d.y === y ? [logits[i]!] : []));
      return of.length === 0 ? null : Number((of.filter((l) => l >= t).length / of.length).toFixed(4));
    };
    const each = (y: number): Record<Sensitivity, number | null> => ({
      low: share(y, thresholds.low),
      medium: share(y, thresholds.medium),
      high: share(y, thresholds.high),
    });
    return {
      source,
      attacks: held.filter((d) => d.y === 1).length,
      benign: held.filter((d) => d.y === 0).length,
      recall: each(1),
      fpr: each(0),
    };
  });
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

export function thresholdsFrom(
  data: readonly Encoded[],
  logits: Float64Array,
): { thresholds: Record<Sensitivity, number>; unsure: number } {
  const benign = Float64Array.from(data.flatMap((d, i) => (d.y === 0 ? [logits[i]!] : []))).sort();
  const at = (fpr: number): number => quantile(benign, 1 - fpr);
  return {
    thresholds: {
      low: at(SENSITIVITY_FPR.low),
      medium: at(SENSITIVITY_FPR.medium),
      high: at(SENSITIVITY_FPR.high),
    },
    unsure: at(UNSURE_FPR),
  };
}

export function readJsonl(path: string): TrainingExample[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as TrainingExample);
}

function rates(data: readonly Encoded[], logits: Float64Array, threshold: number): string {
  let tp = 0;
  let fp = 0;
  let pos = 0;
  let neg = 0;
  data.forEach((d, i) => {
    const hit = logits[i]! >= threshold;
    if (d.y === 1) {
      pos++;
      if (hit) tp++;
    } else {
      neg++;
      if (hit) fp++;
    }
  });
  return `recall ${(tp / pos).toFixed(3)} fpr ${(fp / neg).toFixed(4)}`;
}

/** Out-of-fold recall / FPR by language and category at one threshold, worst misses listed. */
function report(
  examples: readonly TrainingExample[],
  data: readonly Encoded[],
  oof: Float64Array,
  threshold: number,
): void {
  const by = (key: (e: TrainingExample) => string): void => {
    const rows = new Map<string, { tp: number; pos: number; fp: number; neg: number }>();
    examples.forEach((e, i) => {
      const k = key(e);
      const row = rows.get(k) ?? { tp: 0, pos: 0, fp: 0, neg: 0 };
      const hit = oof[i]! >= threshold;
      if (data[i]!.y === 1) {
        row.pos++;
        if (hit) row.tp++;
      } else {
        row.neg++;
        if (hit) row.fp++;
      }
      rows.set(k, row);
    });
    for (const [k, r] of [...rows].sort()) {
      const recall = r.pos ? (r.tp / r.pos).toFixed(3) : '  -  ';
      const fpr = r.neg ? (r.fp / r.neg).toFixed(3) : '  -  ';
      process.stderr.write(`  ${k.padEnd(14)} recall ${recall} (${r.pos})  fpr ${fpr} (${r.neg})\n`);
    }
  };
  process.stderr.write('out-of-fold by language (medium):\n');
  by((e) => e.lang ?? '?');
  process.stderr.write('out-of-fold by category (medium):\n');
  by((e) => `${e.label === 'attack' ? 'a' : 'b'}:${e.category ?? '?'}`);
  const worst = examples
    .map((e, i) => ({ e, s: oof[i]! }))
    .filter((x) => (x.e.label === 'attack' ? x.s < threshold : x.s >= threshold));
  worst.sort((a, b) => (a.e.label === b.e.label ? 0 : a.e.label === 'attack' ? -1 : 1));
  for (const { e, s } of worst.slice(0, Number(process.env['SHOW'] ?? 0))) {
    process.stderr.write(
      `  ${e.label === 'attack' ? 'MISS' : 'FP  '} ${s.toFixed(2)} [${e.lang}/${e.category}] ${JSON.stringify(e.text).slice(0, 140)}\n`,
    );
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      train: { type: 'string', default: '.cache/screen/train.jsonl' },
      out: { type: 'string', default: 'policy/prompt/model/screen-model.bin' },
      window: { type: 'string' },
      epochs: { type: 'string' },
      rate: { type: 'string' },
      l2: { type: 'string' },
      bits: { type: 'string' },
      seed: { type: 'string' },
      report: { type: 'boolean', default: false },
      loso: { type: 'boolean', default: false },
      'base-only': { type: 'boolean', default: false },
    },
  });
  const options: TrainOptions = {
    ...DEFAULT_OPTIONS,
    ...(values.window ? { window: Number(values.window) } : {}),
    ...(values.epochs ? { epochs: Number(values.epochs) } : {}),
    ...(values.rate ? { rate: Number(values.rate) } : {}),
    ...(values.l2 ? { l2: Number(values.l2) } : {}),
    ...(values.bits ? { bits: Number(values.bits) } : {}),
    ...(values.seed ? { seed: Number(values.seed) } : {}),
  };
  const examples = readJsonl(values.train!).filter((e) => e.kind === 'query');
  if (values.loso) {
    for (const row of leaveOneSourceOut(examples, options, values['base-only']!))
      process.stdout.write(`${JSON.stringify({ loso: row, baseOnly: values['base-only'] })}\n`);
    return;
  }
  const data = encode(examples, options.bits);
  const oof = crossValidate(data, options);
  const { thresholds, unsure } = thresholdsFrom(data, oof);
  for (const s of ['low', 'medium', 'high'] as const) {
    process.stderr.write(`out-of-fold ${s}: ${rates(data, oof, thresholds[s])}\n`);
  }
  if (values.report) report(examples, data, oof, thresholds.medium);
  const learner = train(data, options);
  const { weights, scale } = quantise(learner.w);
  const header: ModelHeader = {
    format: 1,
    bits: options.bits,
    window: options.window,
    bias: learner.bias,
    scale,
    thresholds,
    unsure,
    trainedOn: {
      examples: data.length,
      attacks: data.filter((d) => d.y === 1).length,
      benign: data.filter((d) => d.y === 0).length,
      corpus: values.train!,
      epochs: options.epochs,
      seed: options.seed,
    },
  };
  writeFileSync(values.out!, encodeModel(header, weights));
  process.stderr.write(`wrote ${values.out} (${weights.length} weights, bias ${learner.bias.toFixed(3)})\n`);
}

if (import.meta.main) await main();
