/**
 * Text normalisation for prompt screening: the public, readable view of what the matcher sees.
 *
 *   clean (clean.ts)  strip invisible/format/tag characters and variation selectors, NFKC
 *   lex   (lex.ts)    words and delimiter marks; join spaced-out letters
 *   fold  (fold.ts)   case, Latin diacritics, look-alikes in mixed-script words, leetspeak
 *
 * The screener runs the same three steps on reused buffers and never builds this string; this
 * module exists for tests, for debugging ("what did the screener read?") and to normalise the
 * words of phrases and deny phrases exactly as input text is normalised.
 */

import { cleanText } from './clean.ts';
import { FLAG_SPACED, flagNames } from './flags.ts';
import { TK_MARK, Tokens, tokenise, W_MERGED } from './lex.ts';
import { MARK_CHARS, MARK_END, MARK_LINE } from './marks.ts';

export interface NormalisedText {
  /**
   * Words folded, separated by one space; line breaks, tabs and the marks the matcher reads
   * (`< > | [ ] # : / ,` and `.` for any sentence end) kept; other punctuation and spacing tricks
   * collapsed.
   */
  readonly text: string;
  /** Original offset of the character each unit of `text` came from (-1 for inserted spaces). */
  readonly offsets: Int32Array;
  /** Disguises seen (see flags.ts). */
  readonly flags: string[];
}

export function normalise(input: string): NormalisedText {
  const cleaned = cleanText(input);
  const tokens = new Tokens();
  tokenise(cleaned.text, null, tokens);

  const parts: string[] = [];
  const offsets: number[] = [];
  const orig = (i: number): number => (cleaned.starts ? cleaned.starts[i]! : i);
  let bits = cleaned.flags;
  let prevEnd = 0;
  let needSpace = false;
  for (let t = 0; t < tokens.count; t++) {
    if (tokens.kind[t] === TK_MARK) {
      const mark = tokens.mark[t]!;
      const start = tokens.start[t]!;
      if ((mark === MARK_LINE && t === 0) || (mark === MARK_END && start === tokens.end[t])) continue;
      parts.push(MARK_CHARS[mark]!);
      offsets.push(orig(mark === MARK_LINE ? start - 1 : start));
      needSpace = mark !== MARK_LINE;
      prevEnd = tokens.end[t]!;
      continue;
    }
    // Keep tabs from the gap before this word; otherwise a single space.
    let tab = false;
    for (let i = prevEnd; i < tokens.start[t]!; i++) if (cleaned.text.charCodeAt(i) === 9) tab = true;
    if (tab) {
      parts.push('\t');
      offsets.push(-1);
    } else if (needSpace) {
      parts.push(' ');
      offsets.push(-1);
    }
    for (let k = tokens.folded(t); k < tokens.foldEnd[t]!; k++) {
      const s = String.fromCodePoint(tokens.cp[k]!);
      parts.push(s);
      for (let u = 0; u < s.length; u++) offsets.push(orig(tokens.pos[k]!));
    }
    bits |= tokens.folds[t]!;
    if ((tokens.flags[t]! & W_MERGED) !== 0) bits |= FLAG_SPACED;
    needSpace = true;
    prevEnd = tokens.end[t]!;
  }
  return { text: parts.join(''), offsets: Int32Array.from(offsets), flags: flagNames(bits) };
}

// Reused by normaliseWords, which compiling calls thousands of times (it never re-enters).
const phraseTokens = new Tokens();

/**
 * The folded words of a phrase, for compiling phrases and deny phrases: "Ignore ALL previous
 * instructions!" → ["ignore", "all", "previous", "instructions"]. Marks are dropped.
 */
export function normaliseWords(phrase: string): string[] {
  const cleaned = cleanText(phrase);
  const tokens = phraseTokens;
  tokenise(cleaned.text, null, tokens);
  const out: string[] = [];
  for (let t = 0; t < tokens.count; t++) {
    if (tokens.kind[t] === TK_MARK) continue;
    let s = '';
    for (let k = tokens.folded(t); k < tokens.foldEnd[t]!; k++) s += String.fromCodePoint(tokens.cp[k]!);
    if (s.length > 0) out.push(s);
  }
  return out;
}
