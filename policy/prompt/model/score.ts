/**
 * The learned layer's hot path: the features of features.ts, summed into per-position weights as
 * they are produced, and the best window over those sums (model.ts) — one pass over the tokens,
 * no feature array, and the per-word part of the work cached across words and calls.
 *
 * What a position contributes is exactly what `scoreWindow(model, extractFeatures(…))` sums for
 * it (score.test.ts checks this on random text against the reference, features.ts, which training
 * uses): the same hashes, the same buckets, the same counts. Only how they are computed differs.
 *
 * The cache: a word's character 4-grams, its word feature and its stem feature depend only on its
 * folded code points and on whether it is quoted, not on its neighbours; only the bigram and skip
 * bigram do. So the sum of those weights, and the key the next word pairs with, are kept per
 * distinct word (an open-addressing table keyed by the word's FNV hash, the code points compared
 * on a hit, so a hash collision is a miss, never a wrong sum). A repeated word then costs one
 * multiply per character and two weight reads, instead of a 4-gram hash and a weight read per
 * character. Bounded: words longer than CACHE_WORD_MAX are not cached, and the table is cleared
 * when it is half full (ADR 0040).
 */

import { TK_MARK, type Tokens } from '../lex.ts';
import { MARK_COMMA, MARK_LINE } from '../marks.ts';
import {
  BOUNDARY,
  bucketOf,
  fmix,
  gram,
  isUnspaced,
  KEY_NUMBER,
  KEY_QUOTE,
  KEY_START,
  markMerged,
  pair,
  QUOTED,
  quotesIn,
  SEED_BI,
  SEED_MARK,
  SEED_SKIP,
  SEED_STEM,
  SEED_TRI,
  SEED_WORD,
  STEM,
  STEM_HANGUL,
} from './features.ts';
import { bestWindow, type WindowScore } from './model.ts';
import type { ModelWeights } from './weights.ts';

/** Words of more code points than this are summed directly (rare; keeps the pool small). */
const CACHE_WORD_MAX = 32;
const CACHE_SLOTS = 8192;
const CACHE_PROBES = 8;
const POOL = CACHE_SLOTS * 8;

/** Scratch and cache of one screener (JavaScript is single-threaded; nothing re-enters). */
export class ModelScorer {
  positions = 0;
  /** Weight sum of each position. */
  sums: Int32Array = new Int32Array(256);
  /** Cleaned-text range of each position (for spans). */
  posFrom: Int32Array = new Int32Array(256);
  posTo: Int32Array = new Int32Array(256);

  private model: ModelWeights | null = null;
  private shift = 0;
  /**
   * Word cache: four ints per slot side by side (one cache line per probe): hash, length (0 =
   * empty), offset of the code points in `pool`, weight sum.
   */
  private readonly slots = new Int32Array(CACHE_SLOTS * 4);
  private readonly pool = new Int32Array(POOL);
  private poolLength = 0;
  private used = 0;
  /** The current word part's folded code points (so a miss does not re-read the tokens). */
  private word: Int32Array = new Int32Array(64);

  private growWord(): Int32Array {
    const word = new Int32Array(this.word.length * 2);
    word.set(this.word);
    this.word = word;
    return word;
  }

  private use(model: ModelWeights): void {
    if (this.model === model) return;
    this.model = model;
    this.shift = 32 - Math.round(Math.log2(model.mask + 1));
    this.clear();
  }

  private clear(): void {
    this.slots.fill(0);
    this.poolLength = 0;
    this.used = 0;
  }

  private reserve(positions: number): void {
    if (this.sums.length < positions) {
      const cap = Math.max(positions, this.sums.length * 2);
      this.sums = new Int32Array(cap);
      this.posFrom = new Int32Array(cap);
      this.posTo = new Int32Array(cap);
    }
  }

  /**
   * Sum of the weights of a spaced word part's 4-grams, word and stem features (ns: 0 or QUOTED),
   * for the `length` code points in `this.word`, whose FNV hash is `h` and stem hash `stem`.
   * Cached up to CACHE_WORD_MAX code points; the caller adds the bigram and skip bigram.
   */
  private wordSum(h: number, stem: number, length: number, stemLength: number, ns: number): number {
    const cached = length <= CACHE_WORD_MAX;
    const word = this.word;
    let slot = -1;
    if (cached) {
      const key = h ^ ns;
      let s = fmix(key ^ length) & (CACHE_SLOTS - 1);
      const slots = this.slots;
      for (let probe = 0; probe < CACHE_PROBES; probe++, s = (s + 1) & (CACHE_SLOTS - 1)) {
        const l = slots[4 * s + 1]!;
        if (l === 0) {
          slot = s;
          break;
        }
        if (l !== length || slots[4 * s] !== key) continue;
        const at = slots[4 * s + 2]!;
        const pool = this.pool;
        let k = 0;
        while (k < length && pool[at + k] === word[k]) k++;
        if (k === length) return slots[4 * s + 3]!;
      }
    }
    const w = this.model!.weights;
    const shift = this.shift;
    let sum = 0;
    let g1 = -1;
    let g2 = -1;
    let g3 = BOUNDARY;
    for (let k = 0; k < length; k++) {
      const c = word[k]!;
      if (g1 >= 0) sum += w[bucketOf(gram(g1, g2, g3, c, ns), shift)]!;
      g1 = g2;
      g2 = g3;
      g3 = c;
    }
    if (g1 >= 0) sum += w[bucketOf(gram(g1, g2, g3, BOUNDARY, ns), shift)]!;
    sum += w[bucketOf(h ^ SEED_WORD ^ ns, shift)]!;
    if (length > stemLength) sum += w[bucketOf(stem ^ SEED_STEM ^ ns, shift)]!;
    if (slot >= 0 && this.poolLength + length <= POOL) {
      this.pool.set(word.subarray(0, length), this.poolLength);
      this.slots[4 * slot] = h ^ ns;
      this.slots[4 * slot + 1] = length;
      this.slots[4 * slot + 2] = this.poolLength;
      this.slots[4 * slot + 3] = sum;
      this.poolLength += length;
      if (++this.used >= CACHE_SLOTS / 2 || this.poolLength + CACHE_WORD_MAX > POOL) this.clear();
    }
    return sum;
  }

  /**
   * The best window of `text` (tokenised into `tokens`) under `model`: equal to
   * `scoreWindow(model, extractFeatures(tokens, text, model.mask, …))`. Positions and their
   * ranges are left in this object for the caller's span.
   */
  score(tokens: Tokens, text: string, model: ModelWeights): WindowScore {
    this.use(model);
    const n = text.length;
    this.reserve(tokens.count + n + 2);
    const w = model.weights;
    const shift = this.shift;
    const sums = this.sums;
    const posFrom = this.posFrom;
    const posTo = this.posTo;
    const u = tokens.units;
    const cps = tokens.cp;
    let word = this.word;
    let positions = 0;
    let prev = KEY_START;
    let prev2 = KEY_START;
    let prevEnd = 0;
    let lastMark = -1;
    let ns = 0;

    for (let t = 0; t < tokens.count; t++) {
      const start = tokens.start[t]!;
      const end = tokens.end[t]!;
      const quotes = quotesIn(u, n, prevEnd, start);
      const quote = (quotes >> 1) - 1;
      if ((quotes & 1) !== 0) ns ^= QUOTED;
      if (quote >= 0 && lastMark !== -2) {
        posFrom[positions] = quote;
        posTo[positions] = quote + 1;
        sums[positions++] =
          w[bucketOf(KEY_QUOTE ^ SEED_MARK, shift)]! + w[bucketOf(pair(SEED_BI, prev, KEY_QUOTE), shift)]!;
        prev2 = prev;
        prev = KEY_QUOTE;
        lastMark = -2;
      }
      if (end > prevEnd) prevEnd = end;

      if (tokens.kind[t] === TK_MARK) {
        const mark = tokens.mark[t]!;
        if (mark === MARK_LINE) ns = 0;
        if (markMerged(mark, lastMark, t, tokens.count, start, end)) continue;
        lastMark = mark;
        if (mark === MARK_COMMA) continue;
        const key = Math.imul(mark + 1, 0x9e3779b1);
        posFrom[positions] = start;
        posTo[positions] = end;
        sums[positions++] =
          w[bucketOf(key ^ SEED_MARK, shift)]! +
          w[bucketOf(pair(SEED_BI, prev, key), shift)]! +
          w[bucketOf(pair(SEED_SKIP, prev2, key), shift)]!;
        prev2 = prev;
        prev = key;
        continue;
      }
      lastMark = -1;

      const fs = tokens.foldStart[t]!;
      const ascii = fs < 0;
      const from = ascii ? start : fs;
      const to = ascii ? end : tokens.foldEnd[t]!;
      // One spaced part at a time (a word is split by any unspaced run inside it).
      let k = from;
      while (k < to) {
        const partFrom = k;
        let h = 0x811c9dc5;
        let stem = 0;
        let length = 0;
        let digits = true;
        let stemLength = STEM;
        let c = 0;
        for (; k < to; k++) {
          if (ascii) {
            c = u[k]!;
            if (c >= 0x41 && c <= 0x5a) c += 32;
          } else c = cps[k]!;
          if (c >= 0x0e00 && isUnspaced(c)) break;
          if (length === 0 && c >= 0xac00 && c <= 0xd7af) stemLength = STEM_HANGUL;
          if (length === word.length) word = this.growWord();
          word[length] = c;
          h = Math.imul(h ^ c, 0x01000193);
          length++;
          if (length === stemLength) stem = h;
          if (c < 0x30 || c > 0x39) digits = false;
        }
        if (length > 0) {
          let s: number;
          let key: number;
          if (digits) {
            key = KEY_NUMBER;
            s =
              w[bucketOf(KEY_NUMBER ^ SEED_WORD ^ ns, shift)]! +
              w[bucketOf(pair(SEED_BI ^ ns, prev, KEY_NUMBER), shift)]!;
          } else {
            key = length > stemLength ? stem : h;
            s =
              this.wordSum(h, stem, length, stemLength, ns) +
              w[bucketOf(pair(SEED_BI ^ ns, prev, key), shift)]! +
              w[bucketOf(pair(SEED_SKIP ^ ns, prev2, key), shift)]!;
          }
          posFrom[positions] = ascii ? partFrom : tokens.pos[partFrom]!;
          posTo[positions] = k === to ? end : ascii ? k : tokens.pos[k - 1]! + 1;
          sums[positions++] = s;
          prev2 = prev;
          prev = key;
        }
        // One position per character of an unspaced run.
        for (; k < to; k++) {
          const c2 = ascii ? u[k]! : cps[k]!;
          if (!isUnspaced(c2)) break;
          const key = fmix(c2 ^ SEED_WORD ^ ns);
          const at = ascii ? k : tokens.pos[k]!;
          posFrom[positions] = at;
          posTo[positions] = at + (c2 > 0xffff ? 2 : 1);
          sums[positions++] =
            w[bucketOf(key, shift)]! +
            w[bucketOf(pair(SEED_BI ^ ns, prev, key), shift)]! +
            w[bucketOf(pair(SEED_SKIP ^ ns, prev2, key), shift)]! +
            w[bucketOf(pair(SEED_TRI ^ ns, pair(SEED_TRI, prev2, prev), key), shift)]!;
          prev2 = prev;
          prev = key;
        }
      }
    }
    this.positions = positions;
    return bestWindow(sums, positions, model);
  }
}
