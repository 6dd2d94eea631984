/**
 * Step 3 of normalisation: the matching form of a word's characters (applied by lex.ts as it
 * reads them).
 *
 * - Case-fold; strip Latin diacritics ("précédentes" → "precedentes", "ß" → "ss").
 * - Look-alike letters → Latin, only in a word that mixes scripts ("ignоre" with a Cyrillic о),
 *   or in a word made only of look-alikes inside a text that is mostly Latin. Genuine Cyrillic,
 *   Greek and CJK words are left alone.
 * - Leetspeak → letters, only in a word that mixes letters with digits or `@ $ !` ("1gn0r3").
 */

import { C_MARK, classOf, foldString, foldUnit, LEET } from './char-class.ts';

/** Where folded code points go (lex.ts Tokens). */
export interface FoldSink {
  foldLength: number;
  cp: Int32Array;
  pushFold(cp: number, pos: number): void;
}

/**
 * Append the fold of one non-ASCII code point read at cleaned index `pos`, in a word whose folded
 * code points start at `wordStart`.
 */
export function foldInto(out: FoldSink, cp: number, pos: number, wordStart: number): void {
  if ((classOf(cp) & C_MARK) !== 0) {
    // A combining mark NFKC could not compose: drop it after a Latin letter (a diacritic), keep
    // it elsewhere (Devanagari vowel signs, Hebrew points).
    const prev = out.foldLength > wordStart ? out.cp[out.foldLength - 1]! : -1;
    if (!(prev >= 0x61 && prev <= 0x7a)) out.pushFold(cp, pos);
    return;
  }
  const f = foldUnit(cp);
  if (f >= 0) {
    out.pushFold(f, pos);
    return;
  }
  const s = foldString(cp);
  for (let k = 0; k < s.length; ) {
    const u = s.codePointAt(k)!;
    out.pushFold(u, pos);
    k += u > 0xffff ? 2 : 1;
  }
}

/** Map leetspeak digits and symbols in cps[from, to) to letters. */
export function leetInPlace(cps: Int32Array, from: number, to: number): void {
  for (let k = from; k < to; k++) {
    const c = cps[k]!;
    if (c < 0x80) {
      const l = LEET[c]!;
      if (l >= 0) cps[k] = l;
    }
  }
}
