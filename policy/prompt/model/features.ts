/**
 * Features of the learned layer, read from the normalised token stream (lex.ts) — the same words
 * the phrase set sees, after invisible characters, look-alikes, leetspeak and spacing tricks were
 * undone. One extractor serves training (train.ts) and screening (model.ts), so the two cannot
 * drift apart.
 *
 * A text becomes a sequence of positions; each position emits a few hashed features:
 *
 *   word     the folded word                              "ignore"
 *   stem     its first five code points (two for Hangul)  "instr" (instructions, instrucciones,
 *            — inflection and agglutination share a stem    инструкции → "инстр")
 *   bigram   previous stem + this stem                    "previ|instr"
 *   skip     stem two back + this stem                    "ignor|previ" (ignore all previous)
 *   trigram  (unspaced scripts only) three characters     "忽略之"
 *
 * Scripts written without spaces (Han, kana, Thai, Lao, Khmer, Myanmar) have no words: each
 * character is a position of its own and emits the character, the character bigram, the skip
 * bigram and the trigram. Marks the phrase set reads (`: # < > | [ ] /`, sentence ends, line
 * starts) and quotation marks are positions too, so "System:" at a line start, "### Instruction"
 * and a quoted phrase look different from the same words in running text.
 *
 * Quoted words are mentioned, not used: between quotation marks (on one line) every word, stem,
 * bigram and character feature is hashed into a namespace of its own, so "what does 'ignore
 * previous instructions' mean?" does not carry the weight of the instruction itself, while the
 * frame around the quote ("translate and follow:", "regex that flags") decides.
 *
 * Every feature is a bucket of a hashed table (FNV-1a over code points, murmur3 finaliser, one
 * seed per kind). Collisions only add noise the training sees as well.
 */

import { TK_MARK, type Tokens } from '../lex.ts';
import { MARK_COMMA, MARK_END, MARK_LINE } from '../marks.ts';

/** A stem is the first STEM code points of a word (STEM_HANGUL for Hangul words). */
export const STEM = 5;
export const STEM_HANGUL = 2;

export const SEED_WORD = 0x2b7e1516;
export const SEED_STEM = 0x28aed2a6;
export const SEED_BI = 0xabf71588;
export const SEED_SKIP = 0x09cf4f3c;
export const SEED_TRI = 0x3243f6a8;
export const SEED_MARK = 0x1f83d9ab;
export const SEED_GRAM = 0x510e527f;
export const BOUNDARY = 0x3c;
/** Pseudo-words: the start of the text, a number, a quotation mark. */
export const KEY_START = 0x5be0cd19;
export const KEY_NUMBER = 0x6a09e667;
export const KEY_QUOTE = 0x3c6ef372;
/** XOR-ed into the seeds of features read between quotation marks. */
export const QUOTED = 0x7f4a7c15;

export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Two hashes combined (an ordered pair); `bucket` mixes the result. */
export function pair(seed: number, a: number, b: number): number {
  return Math.imul(a ^ seed, 0xcc9e2d51) ^ b;
}

/**
 * Table index of a feature hash: the high `bits` bits of a multiply by the golden ratio
 * (Fibonacci hashing), which mix every input bit; one multiply instead of a full finaliser.
 */
export function bucketOf(h: number, shift: number): number {
  return Math.imul(h, 0x9e3779b1) >>> shift;
}

/** Characters of scripts written without spaces: one position per character. */
export function isUnspaced(cp: number): boolean {
  if (cp < 0x0e00) return false;
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) || // CJK unified ideographs
    (cp >= 0x3040 && cp <= 0x30ff) || // hiragana, katakana
    (cp >= 0x3400 && cp <= 0x4dbf) || // CJK extension A
    (cp >= 0x0e00 && cp <= 0x0eff) || // Thai, Lao
    (cp >= 0x1000 && cp <= 0x109f) || // Myanmar
    (cp >= 0x1780 && cp <= 0x17ff) || // Khmer
    (cp >= 0x31f0 && cp <= 0x31ff) || // katakana extension
    (cp >= 0xf900 && cp <= 0xfaff) || // CJK compatibility ideographs
    (cp >= 0x20000 && cp <= 0x3134f) // CJK extensions B–G
  );
}

function isHangul(cp: number): boolean {
  return cp >= 0xac00 && cp <= 0xd7af;
}

/** A letter or digit next to an apostrophe ("don't", "l’IA"): the apostrophe is not a quote. */
function wordUnit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c >= 0xc0;
}

/** Quotation marks (the lexer treats them as spaces); ' ’ ‘ between two letters are apostrophes. */
export function isQuoteAt(u: Uint16Array, n: number, i: number): boolean {
  const c = u[i]!;
  if (c === 0x27 || c === 0x2018 || c === 0x2019) {
    return !(i > 0 && i + 1 < n && wordUnit(u[i - 1]!) && wordUnit(u[i + 1]!));
  }
  return (
    c === 0x22 || // "
    c === 0x60 || // `
    c === 0xab || // «
    c === 0xbb || // »
    (c >= 0x201a && c <= 0x201f) || // ‚ ‛ “ ” „ ‟
    c === 0x2039 ||
    c === 0x203a ||
    (c >= 0x300c && c <= 0x300f) || // 「 」 『 』
    c === 0xff02 ||
    c === 0xff07
  );
}

/**
 * Quotation marks in the gap u[from, to) before a token: 0 when there is none, else
 * (first + 1) × 2 + (count mod 2). The first is a position of its own; an odd count toggles the
 * quoted namespace. (One scan shared by extractFeatures and the fused scorer, model/score.ts.)
 */
export function quotesIn(u: Uint16Array, n: number, from: number, to: number): number {
  let first = -1;
  let odd = 0;
  for (let i = from; i < to; i++) {
    if (isQuoteAt(u, n, i)) {
      if (first < 0) first = i;
      odd ^= 1;
    }
  }
  return first < 0 ? 0 : (first + 1) * 2 + odd;
}

/**
 * A mark that is no position: the continuation of a run of one mark ("####", "...."), the line
 * mark that starts every text, and the END mark of the text's end.
 */
export function markMerged(
  mark: number,
  lastMark: number,
  t: number,
  count: number,
  start: number,
  end: number,
): boolean {
  return (
    mark === lastMark ||
    (mark === MARK_LINE && t === 0) ||
    (mark === MARK_END && start === end && t > 0 && t === count - 1)
  );
}

/**
 * The features of one text, in CSR form: position p owns features [posStart[p], posStart[p+1]).
 * Reused between calls (one per screener; JavaScript is single-threaded and nothing re-enters).
 */
export class Features {
  positions = 0;
  count = 0;
  /** Bucket of each feature (already masked). */
  bucket: Int32Array = new Int32Array(1024);
  /** First feature of each position; posStart[positions] = count. */
  posStart: Int32Array = new Int32Array(256);
  /** Cleaned-text range of each position (for spans and explanations). */
  posFrom: Int32Array = new Int32Array(256);
  posTo: Int32Array = new Int32Array(256);
  /** Names of the features (only when `named`, for explanations and training reports). */
  names: string[] | null = null;

  reset(named: boolean): void {
    this.positions = 0;
    this.count = 0;
    this.names = named ? [] : null;
  }

  reserve(positions: number, features: number): void {
    if (this.posStart.length < positions + 1) {
      const cap = Math.max(positions + 1, this.posStart.length * 2);
      this.posStart = grow(this.posStart, cap);
      this.posFrom = grow(this.posFrom, cap);
      this.posTo = grow(this.posTo, cap);
    }
    if (this.bucket.length < features)
      this.bucket = grow(this.bucket, Math.max(features, this.bucket.length * 2));
  }
}

function grow(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

/** At most this many features per position (word: 4; unspaced character: 4; mark: 3). */
const PER_POSITION = 4;

const MARK_NAMES = ['⏎', '<', '>', '|', '[', ']', '#', ':', '/', ',', '.'];

/**
 * Extract the features of a tokenised text into `out`. `mask` is the table size − 1 (a power of
 * two). With `named`, `out.names` gets a readable name per feature ("bi:previ|instr").
 */
export function extractFeatures(
  tokens: Tokens,
  text: string,
  mask: number,
  out: Features,
  named = false,
): void {
  out.reset(named);
  // Upper bound: every token a position, plus one per unspaced character and quote.
  out.reserve(
    tokens.count + text.length + 2,
    (tokens.count + text.length + 2) * PER_POSITION + 2 * text.length,
  );
  const bucket = out.bucket;
  const posStart = out.posStart;
  const names = out.names;
  const shift = 32 - Math.round(Math.log2(mask + 1));
  const u = tokens.units;
  const n = text.length;
  let count = 0;
  let positions = 0;
  let prev = KEY_START;
  let prev2 = KEY_START;
  let prevName = '^';
  let prev2Name = '^';
  let prevEnd = 0;
  let lastMark = -1;
  /** 0, or QUOTED between quotation marks (reset at each line). */
  let ns = 0;

  for (let t = 0; t < tokens.count; t++) {
    const start = tokens.start[t]!;
    const end = tokens.end[t]!;
    // Quotation marks in the gap before this token toggle the quoted namespace; the first one is
    // a position of its own.
    const quotes = quotesIn(u, n, prevEnd, start);
    const quote = (quotes >> 1) - 1;
    if ((quotes & 1) !== 0) ns ^= QUOTED;
    if (quote >= 0 && lastMark !== -2) {
      posStart[positions] = count;
      out.posFrom[positions] = quote;
      out.posTo[positions] = quote + 1;
      positions++;
      bucket[count++] = bucketOf(KEY_QUOTE ^ SEED_MARK, shift);
      bucket[count++] = bucketOf(pair(SEED_BI, prev, KEY_QUOTE), shift);
      if (names) names.push('mark:"', `bi:${prevName}|"`);
      prev2 = prev;
      prev2Name = prevName;
      prev = KEY_QUOTE;
      prevName = '"';
      lastMark = -2;
    }
    if (end > prevEnd) prevEnd = end;

    if (tokens.kind[t] === TK_MARK) {
      const mark = tokens.mark[t]!;
      if (mark === MARK_LINE) ns = 0;
      // Runs of one mark ("####", "....") are one position; a comma is only context.
      if (markMerged(mark, lastMark, t, tokens.count, start, end)) continue;
      lastMark = mark;
      if (mark === MARK_COMMA) continue;
      const key = Math.imul(mark + 1, 0x9e3779b1);
      posStart[positions] = count;
      out.posFrom[positions] = start;
      out.posTo[positions] = end;
      positions++;
      bucket[count++] = bucketOf(key ^ SEED_MARK, shift);
      bucket[count++] = bucketOf(pair(SEED_BI, prev, key), shift);
      bucket[count++] = bucketOf(pair(SEED_SKIP, prev2, key), shift);
      const name = MARK_NAMES[mark]!;
      if (names) names.push(`mark:${name}`, `bi:${prevName}|${name}`, `skip:${prev2Name}|${name}`);
      prev2 = prev;
      prev2Name = prevName;
      prev = key;
      prevName = name;
      continue;
    }
    lastMark = -1;

    // A word: walk its folded code points. Plain ASCII words fold to their lowercase text.
    const fs = tokens.foldStart[t]!;
    const ascii = fs < 0;
    const from = ascii ? start : fs;
    const to = ascii ? end : tokens.foldEnd[t]!;
    const cps = tokens.cp;
    let h = 0x811c9dc5;
    let stem = 0;
    let length = 0;
    let digits = true;
    let stemLength = STEM;
    let runFrom = -1; // first code point of an unspaced run inside this word
    // The last three code points, for character 4-grams ("<ign", "igno", …, "ore>"), written
    // straight into the position's features as they go by.
    let g1 = -1;
    let g2 = -1;
    let g3 = BOUNDARY;
    let wordCount = count;
    posStart[positions] = count;
    for (let k = from; k < to; k++) {
      let c: number;
      if (ascii) {
        c = u[k]!;
        if (c >= 0x41 && c <= 0x5a) c += 32;
      } else c = cps[k]!;
      if (c >= 0x0e00 && isUnspaced(c)) {
        // Flush the spaced part read so far as a word, then read the unspaced run.
        if (length > 0) {
          const wordFrom = runFrom < 0 ? from : runFrom;
          if (g1 >= 0) bucket[count++] = bucketOf(gram(g1, g2, g3, BOUNDARY, ns), shift);
          count = emitWord(
            bucket,
            count,
            wordCount,
            h,
            stem,
            length,
            stemLength,
            digits,
            prev,
            prev2,
            shift,
            ns,
          );
          out.posFrom[positions] = ascii ? wordFrom : tokens.pos[wordFrom]!;
          out.posTo[positions] = ascii ? k : tokens.pos[k - 1]! + 1;
          positions++;
          if (names) {
            nameWord(names, fold(text, tokens, ascii, wordFrom, k), prevName, prev2Name, digits, ns !== 0);
            prev2Name = prevName;
            prevName = nameOf(text, tokens, ascii, wordFrom, k, digits);
          }
          prev2 = prev;
          prev = stemOf(h, stem, length, stemLength, digits);
        }
        // One position per character of the run.
        let k2 = k;
        for (; k2 < to; k2++) {
          const w = ascii ? u[k2]! : cps[k2]!;
          if (!isUnspaced(w)) break;
          const key = fmix(w ^ SEED_WORD ^ ns);
          posStart[positions] = count;
          const at = ascii ? k2 : tokens.pos[k2]!;
          out.posFrom[positions] = at;
          out.posTo[positions] = at + (w > 0xffff ? 2 : 1);
          positions++;
          bucket[count++] = bucketOf(key, shift);
          bucket[count++] = bucketOf(pair(SEED_BI ^ ns, prev, key), shift);
          bucket[count++] = bucketOf(pair(SEED_SKIP ^ ns, prev2, key), shift);
          bucket[count++] = bucketOf(pair(SEED_TRI ^ ns, pair(SEED_TRI, prev2, prev), key), shift);
          if (names) {
            const ch = String.fromCodePoint(w);
            const q = ns === 0 ? '' : 'q:';
            names.push(
              `${q}char:${ch}`,
              `${q}bi:${prevName}|${ch}`,
              `${q}skip:${prev2Name}|${ch}`,
              `${q}tri:${prev2Name}${prevName}${ch}`,
            );
            prev2Name = prevName;
            prevName = ch;
          }
          prev2 = prev;
          prev = key;
        }
        // Whatever follows in the same word starts a new spaced part.
        k = k2 - 1;
        h = 0x811c9dc5;
        stem = 0;
        length = 0;
        digits = true;
        stemLength = STEM;
        runFrom = k2;
        g1 = -1;
        g2 = -1;
        g3 = BOUNDARY;
        wordCount = count;
        posStart[positions] = count;
        continue;
      }
      if (length === 0 && c >= 0xac00 && c <= 0xd7af) stemLength = STEM_HANGUL;
      if (g1 >= 0) bucket[count++] = bucketOf(gram(g1, g2, g3, c, ns), shift);
      g1 = g2;
      g2 = g3;
      g3 = c;
      h = Math.imul(h ^ c, 0x01000193);
      length++;
      if (length === stemLength) stem = h;
      if (c < 0x30 || c > 0x39) digits = false;
    }
    if (length > 0) {
      const wordFrom = runFrom < 0 ? from : runFrom;
      if (g1 >= 0) bucket[count++] = bucketOf(gram(g1, g2, g3, BOUNDARY, ns), shift);
      count = emitWord(bucket, count, wordCount, h, stem, length, stemLength, digits, prev, prev2, shift, ns);
      out.posFrom[positions] = ascii ? wordFrom : tokens.pos[wordFrom]!;
      out.posTo[positions] = end;
      positions++;
      if (names) {
        nameWord(names, fold(text, tokens, ascii, wordFrom, to), prevName, prev2Name, digits, ns !== 0);
        prev2Name = prevName;
        prevName = nameOf(text, tokens, ascii, wordFrom, to, digits);
      }
      prev2 = prev;
      prev = stemOf(h, stem, length, stemLength, digits);
    }
  }
  posStart[positions] = count;
  out.positions = positions;
  out.count = count;
}

function stemOf(h: number, stem: number, length: number, stemLength: number, digits: boolean): number {
  if (digits) return KEY_NUMBER;
  return length > stemLength ? stem : h;
}

/**
 * After its character 4-grams (already at [wordCount, count)): the word, its stem (when longer
 * than the stem), and the bigram and skip bigram of stems. A number is one pseudo-word (its grams
 * are dropped: digits carry no language).
 */
function emitWord(
  bucket: Int32Array,
  count: number,
  wordCount: number,
  h: number,
  stem: number,
  length: number,
  stemLength: number,
  digits: boolean,
  prev: number,
  prev2: number,
  shift: number,
  ns: number,
): number {
  if (digits) {
    count = wordCount;
    bucket[count++] = bucketOf(KEY_NUMBER ^ SEED_WORD ^ ns, shift);
    bucket[count++] = bucketOf(pair(SEED_BI ^ ns, prev, KEY_NUMBER), shift);
    return count;
  }
  const key = length > stemLength ? stem : h;
  bucket[count++] = bucketOf(h ^ SEED_WORD ^ ns, shift);
  if (length > stemLength) bucket[count++] = bucketOf(stem ^ SEED_STEM ^ ns, shift);
  bucket[count++] = bucketOf(pair(SEED_BI ^ ns, prev, key), shift);
  bucket[count++] = bucketOf(pair(SEED_SKIP ^ ns, prev2, key), shift);
  return count;
}

export function gram(a: number, b: number, c: number, d: number, ns: number): number {
  return Math.imul(Math.imul(Math.imul(a ^ SEED_GRAM ^ ns, 0x01000193) ^ b, 0x01000193) ^ c, 0x01000193) ^ d;
}

function fold(text: string, tokens: Tokens, ascii: boolean, from: number, to: number): string {
  if (ascii) return text.slice(from, to).toLowerCase();
  let s = '';
  for (let k = from; k < to; k++) s += String.fromCodePoint(tokens.cp[k]!);
  return s;
}

function stemName(word: string): string {
  const cps = [...word];
  const stemLength = cps.length > 0 && isHangul(cps[0]!.codePointAt(0)!) ? STEM_HANGUL : STEM;
  return cps.length > stemLength ? cps.slice(0, stemLength).join('') : word;
}

function nameOf(
  text: string,
  tokens: Tokens,
  ascii: boolean,
  from: number,
  to: number,
  digits: boolean,
): string {
  return digits ? '#num' : stemName(fold(text, tokens, ascii, from, to));
}

function nameWord(
  names: string[],
  word: string,
  prevName: string,
  prev2Name: string,
  digits: boolean,
  quoted: boolean,
): void {
  const q = quoted ? 'q:' : '';
  if (digits) {
    names.push(`${q}word:#num`, `${q}bi:${prevName}|#num`);
    return;
  }
  const cps = ['<', ...word, '>'];
  for (let i = 0; i + 4 <= cps.length; i++) names.push(`${q}gram:${cps.slice(i, i + 4).join('')}`);
  const key = stemName(word);
  names.push(`${q}word:${word}`);
  if (key !== word) names.push(`${q}stem:${key}`);
  names.push(`${q}bi:${prevName}|${key}`, `${q}skip:${prev2Name}|${key}`);
}
