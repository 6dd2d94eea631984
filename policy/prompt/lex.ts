/**
 * Step 2 of normalisation, one pass over the cleaned text: cut it into words and structural
 * marks, fold each word to its matching form (fold.ts) and walk the vocabulary trie as the
 * letters go by, so the common word costs one table read per character and no substring.
 *
 * A word is a run of letters, combining marks and digits, plus the leetspeak symbols `@` `$`
 * (next to a letter or digit) and `!` (before one), so "@ll" and "previou$" stay one word while
 * the "!" of "ignore!" ends a sentence. Every other character separates words, which is what makes
 * "ignore...previous" and "ignore---previous" read as two words.
 *
 * Marks are the few punctuation characters that fake chat delimiters are made of
 * (`< > | [ ] # : /`), the comma (so "if you are an AI, …" differs from "if you are an AI
 * researcher"), an END mark for `. ? ! ;` and the end of the text (so "show me the system
 * prompt." differs from "show me the system prompt examples") and a LINE mark at the start of the
 * text and after every line break. The phrase matcher skips marks a phrase does not ask for.
 *
 * Spaced-out letters ("i g n o r e", "i.g.n.o.r.e", "i-g-n-o-r-e"): three or more one-character
 * words in a row, one to three separator characters apart on one line, are joined into one
 * merged word as they are read.
 */

import {
  ASCII_CLASS,
  C_DIGIT,
  C_LATIN,
  C_LETTER,
  C_MARK,
  C_NEWLINE,
  classOf,
  confusableLatin,
  LEET,
} from './char-class.ts';
import {
  BASE64_MIN,
  CANDIDATE_BASE64,
  CANDIDATE_HEX_PAIRS,
  HEX_PAIRS_MIN,
  isBase64Symbol,
} from './decode.ts';
import { FLAG_LEETSPEAK, FLAG_MIXED_SCRIPT } from './flags.ts';
import { foldInto, leetInPlace } from './fold.ts';
import { MARK_CHARS, MARK_END, MARK_LINE } from './marks.ts';
import { ASCII_KEY, type Vocabulary } from './vocabulary.ts';

export const TK_WORD = 0;
export const TK_MARK = 1;

export const W_LETTER = 1;
/** Has ASCII digits or leet symbols. */
export const W_DIGITSYM = 2;
export const W_LATIN = 4;
/** Has a non-Latin letter that looks like a Latin one. */
export const W_CONFUSABLE = 8;
/** Has a non-Latin letter with no Latin look-alike. */
export const W_OTHER_SCRIPT = 16;
export const W_ASCII = 32;
/** Built from spaced-out single letters. */
export const W_MERGED = 64;

// ASCII lexical kinds.
const A_SEP = 0;
const A_LETTER = 1;
const A_DIGIT = 2;
const A_LEET_AROUND = 3; // @ $ : a word char next to a letter or digit
const A_LEET_BEFORE = 4; // ! : a word char before a letter or digit, else END
const A_MARK = 5;
const A_NEWLINE = 6;

const ASCII_KIND = new Uint8Array(128);
const ASCII_MARK = new Uint8Array(128);
const ASCII_LOWER = new Int32Array(128);
for (let c = 0; c < 128; c++) {
  const cls = ASCII_CLASS[c]!;
  ASCII_LOWER[c] = c >= 0x41 && c <= 0x5a ? c + 32 : c;
  if ((cls & C_LETTER) !== 0) ASCII_KIND[c] = A_LETTER;
  else if ((cls & C_DIGIT) !== 0) ASCII_KIND[c] = A_DIGIT;
  else if ((cls & C_NEWLINE) !== 0) ASCII_KIND[c] = A_NEWLINE;
}
ASCII_KIND['@'.charCodeAt(0)] = A_LEET_AROUND;
ASCII_KIND['$'.charCodeAt(0)] = A_LEET_AROUND;
ASCII_KIND['!'.charCodeAt(0)] = A_LEET_BEFORE;
MARK_CHARS.forEach((ch, id) => {
  if (id === MARK_LINE) return;
  ASCII_KIND[ch.charCodeAt(0)] = A_MARK;
  ASCII_MARK[ch.charCodeAt(0)] = id;
});
for (const ch of '?;') {
  ASCII_KIND[ch.charCodeAt(0)] = A_MARK;
  ASCII_MARK[ch.charCodeAt(0)] = MARK_END;
}
// "\r\n" is one line break: only "\n" (and the Unicode separators) start a line.
ASCII_KIND[0x0d] = A_SEP;

// Word characters as bits, one table read per character in the hot loop.
const B_LETTER = 1;
const B_DIGIT = 2;
const B_SYMBOL = 4;
/** A digit or symbol leetspeak maps to a letter (not 2 or 6: "6e" is hex, not a word). */
const B_LEET = 8;
const WORD_BITS = new Uint8Array(128);
/** Trie column of an ASCII character, either case. */
const TRIE_KEY = new Int8Array(128).fill(-1);
for (let c = 0; c < 128; c++) {
  const kind = ASCII_KIND[c]!;
  WORD_BITS[c] =
    kind === A_LETTER
      ? B_LETTER
      : kind === A_DIGIT
        ? B_DIGIT
        : kind === A_LEET_AROUND || kind === A_LEET_BEFORE
          ? B_SYMBOL
          : 0;
  if (LEET[c]! >= 0) WORD_BITS[c]! |= B_LEET;
  TRIE_KEY[c] = ASCII_KEY[ASCII_LOWER[c]!]!;
}

/** Gap of at most this many separator characters between spaced-out letters. */
const SPACED_GAP_MAX = 3;
/** Fewer single letters than this in a row are ordinary text ("a b", "I a"). */
const SPACED_MIN = 3;

/**
 * Tokens of one text, struct-of-arrays, reused between calls (JavaScript is single-threaded and
 * the tokeniser never re-enters, so one instance per screener is enough).
 */
export class Tokens {
  count = 0;
  kind: Uint8Array = new Uint8Array(64);
  /** Mark id, for marks. */
  mark: Uint8Array = new Uint8Array(64);
  /** Range in the cleaned text. */
  start: Int32Array = new Int32Array(64);
  end: Int32Array = new Int32Array(64);
  /** W_* bits, for words. */
  flags: Uint8Array = new Uint8Array(64);
  /** Range of the word's folded code points in `cp`; -1 for a plain ASCII word (see folded()). */
  foldStart: Int32Array = new Int32Array(64);
  foldEnd: Int32Array = new Int32Array(64);
  /** Vocabulary id of the word (-1 unknown), and trie node after its last letter (-1 dead). */
  id: Int32Array = new Int32Array(64);
  node: Int32Array = new Int32Array(64);
  /** FLAG_* bits for folds applied to the word (leetspeak, look-alikes). */
  folds: Uint8Array = new Uint8Array(64);

  /** Folded code points, and the cleaned-text index each came from. */
  foldLength = 0;
  cp: Int32Array = new Int32Array(256);
  pos: Int32Array = new Int32Array(256);

  latinLetters = 0;
  otherLetters = 0;

  /** The text being tokenised as UTF-16 code units (valid for its length until the next call). */
  units: Uint16Array = new Uint16Array(256);
  textLength = 0;
  private unitBytes: Buffer = Buffer.from(this.units.buffer);

  /** Candidate base64/hex runs seen while reading words (decode.ts decodes them). */
  candidateKind: number[] = [];
  candidateStart: number[] = [];
  candidateEnd: number[] = [];

  /** Make room for a text of n code units (at most n + 3 tokens, 2n folded code points). */
  reserve(n: number): void {
    if (this.kind.length < n + 4) {
      const cap = n + 4;
      this.kind = new Uint8Array(cap);
      this.mark = new Uint8Array(cap);
      this.flags = new Uint8Array(cap);
      this.folds = new Uint8Array(cap);
      this.start = new Int32Array(cap);
      this.end = new Int32Array(cap);
      this.foldStart = new Int32Array(cap);
      this.foldEnd = new Int32Array(cap);
      this.id = new Int32Array(cap);
      this.node = new Int32Array(cap);
    }
    // Folds of non-ASCII words (at most two code points per unit) plus materialised ASCII words.
    if (this.cp.length < 3 * n + 16) {
      this.cp = new Int32Array(3 * n + 16);
      this.pos = new Int32Array(3 * n + 16);
    }
  }

  /** `text` as UTF-16 code units in `units` (one native copy). */
  unitsOf(text: string): Uint16Array {
    if (this.units.length < text.length) {
      this.units = new Uint16Array(Math.max(text.length, this.units.length * 2));
      this.unitBytes = Buffer.from(this.units.buffer);
    }
    this.unitBytes.write(text, 0, 'utf16le');
    this.textLength = text.length;
    return this.units;
  }

  reset(): void {
    this.count = 0;
    this.foldLength = 0;
    this.latinLetters = 0;
    this.otherLetters = 0;
    this.candidateKind.length = 0;
    this.candidateStart.length = 0;
    this.candidateEnd.length = 0;
  }

  private candidate(kind: number, start: number, end: number): void {
    this.candidateKind.push(kind);
    this.candidateStart.push(start);
    this.candidateEnd.push(end);
  }

  /** Record a base64 candidate [start, end) when it is long enough. */
  base64Candidate(start: number, end: number): void {
    if (start >= 0 && end - start >= BASE64_MIN) this.candidate(CANDIDATE_BASE64, start, end);
  }

  /** Record a separated hex-pairs candidate when it has enough pairs. */
  hexPairsCandidate(start: number, end: number, pairs: number): void {
    if (pairs >= HEX_PAIRS_MIN) this.candidate(CANDIDATE_HEX_PAIRS, start, end);
  }

  pushFold(cp: number, pos: number): void {
    if (this.foldLength === this.cp.length) {
      const cap = this.foldLength * 2;
      const a = new Int32Array(cap);
      a.set(this.cp);
      this.cp = a;
      const b = new Int32Array(cap);
      b.set(this.pos);
      this.pos = b;
    }
    this.cp[this.foldLength] = cp;
    this.pos[this.foldLength] = pos;
    this.foldLength++;
  }

  /**
   * Make sure word `t` has its folded code points in `cp` (plain ASCII words are stored lazily:
   * their fold is their lowercase text) and return its fold start; the end is foldEnd[t].
   */
  folded(t: number): number {
    const fs = this.foldStart[t]!;
    if (fs >= 0) return fs;
    const start = this.foldLength;
    const u = this.units;
    for (let k = this.start[t]!; k < this.end[t]!; k++) this.pushFold(ASCII_LOWER[u[k]!]!, k);
    this.foldStart[t] = start;
    this.foldEnd[t] = this.foldLength;
    return start;
  }

  /** Trie node after walking word `t`'s folded letters from `node` (-1 when the path dies). */
  walkFrom(vocab: Vocabulary, t: number, node: number): number {
    const fs = this.foldStart[t]!;
    if (fs >= 0) {
      const fe = this.foldEnd[t]!;
      for (let k = fs; k < fe && node >= 0; k++) node = vocab.step(node, this.cp[k]!);
      return node;
    }
    const end = this.end[t]!;
    for (let k = this.start[t]!; k < end && node >= 0; k++)
      node = vocab.step(node, ASCII_LOWER[this.units[k]!]!);
    return node;
  }

  /** Number of folded code points of word `t`. */
  foldedLength(t: number): number {
    const fs = this.foldStart[t]!;
    return fs >= 0 ? this.foldEnd[t]! - fs : this.end[t]! - this.start[t]!;
  }

  pushMark(mark: number, start: number, end: number): void {
    if (this.count === this.kind.length) this.grow();
    const k = this.count++;
    this.kind[k] = TK_MARK;
    this.mark[k] = mark;
    this.start[k] = start;
    this.end[k] = end;
    this.flags[k] = 0;
    this.foldStart[k] = this.foldLength;
    this.foldEnd[k] = this.foldLength;
    this.id[k] = mark;
    this.node[k] = -1;
    this.folds[k] = 0;
  }

  pushWord(
    start: number,
    end: number,
    flags: number,
    foldStart: number,
    id: number,
    node: number,
    folds: number,
  ): void {
    if (this.count === this.kind.length) this.grow();
    this.setWord(
      this.count++,
      start,
      end,
      flags,
      foldStart,
      foldStart < 0 ? -1 : this.foldLength,
      id,
      node,
      folds,
    );
  }

  /** Writes a word token at `k` (an appended one, or a spaced-letter run merged in place). */
  setWord(
    k: number,
    start: number,
    end: number,
    flags: number,
    foldStart: number,
    foldEnd: number,
    id: number,
    node: number,
    folds: number,
  ): void {
    this.kind[k] = TK_WORD;
    this.mark[k] = 0;
    this.start[k] = start;
    this.end[k] = end;
    this.flags[k] = flags;
    this.foldStart[k] = foldStart;
    this.foldEnd[k] = foldEnd;
    this.id[k] = id;
    this.node[k] = node;
    this.folds[k] = folds;
  }

  private grow(): void {
    const cap = this.kind.length * 2;
    const g8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(cap);
      b.set(a);
      return b;
    };
    const g32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.kind = g8(this.kind);
    this.mark = g8(this.mark);
    this.flags = g8(this.flags);
    this.folds = g8(this.folds);
    this.start = g32(this.start);
    this.end = g32(this.end);
    this.foldStart = g32(this.foldStart);
    this.foldEnd = g32(this.foldEnd);
    this.id = g32(this.id);
    this.node = g32(this.node);
  }
}

/** The code point at `i` of a UTF-16 array of length `n` (a lone surrogate is itself). */
function cpAt(u: Uint16Array, i: number, n: number): number {
  const c = u[i]!;
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
    const d = u[i + 1]!;
    if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return c;
}

function coreAt(u: Uint16Array, n: number, i: number): boolean {
  if (i >= n) return false;
  const c = u[i]!;
  if (c < 0x80) {
    const k = ASCII_KIND[c]!;
    return k === A_LETTER || k === A_DIGIT;
  }
  return (classOf(cpAt(u, i, n)) & (C_LETTER | C_MARK | C_DIGIT)) !== 0;
}

function symbolsBetween(u: Uint16Array, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (!isBase64Symbol(u[k]!)) return false;
  return true;
}

function newlineBetween(u: Uint16Array, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (u[k] === 0x0a) return true;
  return false;
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

/** "69", "x69", "0x69". */
function isHexPair(u: Uint16Array, start: number, end: number): boolean {
  const len = end - start;
  if (len < 2 || len > 4) return false;
  let k = start;
  if (len === 3) {
    if ((u[k]! | 0x20) !== 0x78) return false;
    k++;
  } else if (len === 4) {
    if (u[k] !== 0x30 || (u[k + 1]! | 0x20) !== 0x78) return false;
    k += 2;
  }
  return isHexDigit(u[k]!) && isHexDigit(u[k + 1]!);
}

/** Walk the trie over folded code points [from, to); -1 when the path dies. */
function walk(vocab: Vocabulary, cps: Int32Array, from: number, to: number): number {
  let node = 0;
  for (let k = from; k < to && node >= 0; k++) node = vocab.step(node, cps[k]!);
  return node;
}

/**
 * Tokenise `text` into `out`. With a vocabulary, every word also gets its id; without one
 * (normalise.ts) ids are -1.
 */
export function tokenise(text: string, vocab: Vocabulary | null, out: Tokens): void {
  out.reset();
  const n = text.length;
  // Read through a UTF-16 array, not charCodeAt: typed-array loads are several times cheaper in
  // this loop (measured: a 2 KB scan costs ~1 µs to copy and ~2 µs to read, against ~6 µs of
  // charCodeAt calls).
  const u = out.unitsOf(text);
  out.pushMark(MARK_LINE, 0, 0);
  // Spaced-letter run in progress: first token of the run, last single-letter token, its count.
  let runFirst = -1;
  let runLast = -1;
  let runCount = 0;
  // Words made only of look-alike letters, folded once we know whether the text is mostly Latin.
  let pending: number[] | null = null;

  const children = vocab ? vocab.children : null;
  out.reserve(n);
  let latin = 0;
  // Encoded-run candidates in progress.
  let b64Start = -1;
  let b64End = -1;
  let pairStart = -1;
  let pairEnd = -1;
  let pairs = 0;

  let i = 0;
  while (i < n) {
    const c = u[i]!;
    if (c < 0x80) {
      const kind = ASCII_KIND[c]!;
      if (kind === A_SEP) {
        i++;
        continue;
      }
      if (kind === A_MARK) {
        out.pushMark(ASCII_MARK[c]!, i, i + 1);
        i++;
        continue;
      }
      if (kind === A_NEWLINE) {
        lineBreak(out, vocab, u, runFirst, runLast, runCount, latin, i);
        runCount = 0;
        i++;
        continue;
      }
      if ((kind === A_LEET_AROUND || kind === A_LEET_BEFORE) && !coreAt(u, n, i + 1)) {
        // "!" that is not leetspeak ends a sentence.
        if (kind === A_LEET_BEFORE) out.pushMark(MARK_END, i, i + 1);
        i++;
        continue;
      }
    } else {
      const cp = cpAt(u, i, n);
      const cls = classOf(cp);
      if ((cls & C_NEWLINE) !== 0) {
        lineBreak(out, vocab, u, runFirst, runLast, runCount, latin, i);
        runCount = 0;
        i++;
        continue;
      }
      if ((cls & (C_LETTER | C_MARK | C_DIGIT)) === 0) {
        i += cp > 0xffff ? 2 : 1;
        continue;
      }
    }

    // --- one word. Plain ASCII words (the common case) are not copied into the fold buffer:
    // their fold is the lowercase text, materialised only if a later step needs it.
    const start = i;
    let fs = -1;
    let node = vocab ? 0 : -1;
    let bits = 0;
    while (i < n) {
      const d = u[i]!;
      if (d >= 0x80) break;
      const b = WORD_BITS[d]!;
      if (b === 0) break;
      if ((b & B_SYMBOL) !== 0) {
        const kind = ASCII_KIND[d]!;
        if (!(kind === A_LEET_AROUND ? i > start || coreAt(u, n, i + 1) : coreAt(u, n, i + 1))) break;
      }
      bits |= b;
      if (node >= 0) {
        const key = TRIE_KEY[d]!;
        if (key >= 0) {
          const next = children![node * 26 + key]!;
          node = next === 0 ? -1 : next;
        } else node = vocab!.step(node, ASCII_LOWER[d]!);
      }
      i++;
    }
    const symbols = (bits & B_SYMBOL) !== 0;
    let flags =
      W_ASCII |
      ((bits & B_LETTER) !== 0 ? W_LETTER | W_LATIN : 0) |
      ((bits & (B_DIGIT | B_SYMBOL)) !== 0 ? W_DIGITSYM : 0);
    if ((bits & B_LETTER) !== 0) latin += i - start;
    if (i < n && u[i]! >= 0x80 && coreAt(u, n, i)) {
      // The word goes on with non-ASCII letters: fold from here on into the buffer.
      fs = out.foldLength;
      for (let k = start; k < i; k++) out.pushFold(ASCII_LOWER[u[k]!]!, k);
      while (i < n) {
        const d = u[i]!;
        if (d < 0x80) {
          const kind = ASCII_KIND[d]!;
          if (kind === A_LETTER) {
            flags |= W_LETTER | W_LATIN;
            latin++;
          } else if (kind === A_DIGIT) flags |= W_DIGITSYM;
          else if (kind === A_LEET_AROUND || (kind === A_LEET_BEFORE && coreAt(u, n, i + 1)))
            flags |= W_DIGITSYM;
          else break;
          const f = ASCII_LOWER[d]!;
          out.pushFold(f, i);
          if (node >= 0) node = vocab!.step(node, f);
          i++;
          continue;
        }
        const cp = cpAt(u, i, n);
        const cls = classOf(cp);
        if ((cls & (C_LETTER | C_MARK | C_DIGIT)) === 0) break;
        flags &= ~W_ASCII;
        if ((cls & C_LETTER) !== 0) {
          flags |= W_LETTER;
          if ((cls & C_LATIN) !== 0) {
            flags |= W_LATIN;
            latin++;
          } else {
            out.otherLetters++;
            flags |= confusableLatin(cp) >= 0 ? W_CONFUSABLE : W_OTHER_SCRIPT;
          }
        }
        const before = out.foldLength;
        foldInto(out, cp, i, fs);
        if (node >= 0) {
          for (let k = before; k < out.foldLength && node >= 0; k++) node = vocab!.step(node, out.cp[k]!);
        }
        i += cp > 0xffff ? 2 : 1;
      }
    }
    const single = i - start === 1;
    // Leetspeak only changes a word that has letters and a digit or symbol with a letter value.
    const leet =
      (flags & (W_LETTER | W_DIGITSYM)) === (W_LETTER | W_DIGITSYM) && (fs >= 0 || (bits & B_LEET) !== 0);
    if (fs < 0 && (leet || single)) {
      fs = out.foldLength;
      for (let k = start; k < i; k++) out.pushFold(ASCII_LOWER[u[k]!]!, k);
    }

    let folds = 0;
    if (leet) {
      leetInPlace(out.cp, fs, out.foldLength);
      folds |= FLAG_LEETSPEAK;
      node = -2; // re-walk below
    }
    if ((flags & W_CONFUSABLE) !== 0 && (flags & W_LATIN) !== 0) {
      refold(out, u, start, i, fs, (flags & W_DIGITSYM) !== 0);
      folds |= FLAG_MIXED_SCRIPT;
      node = -2;
    }
    if (node === -2 && vocab) node = walk(vocab, out.cp, fs, out.foldLength);
    const id = vocab && node >= 0 ? vocab.wordAt(node) : -1;

    // Spaced letters: is this one-character word part of a run?
    if (runCount > 0) {
      const gap = start - out.end[runLast]!;
      if (!single || gap > SPACED_GAP_MAX) {
        if (runCount >= SPACED_MIN) collapse(out, vocab, u, runFirst, runLast, latin);
        runCount = 0;
      }
    }
    out.pushWord(start, i, flags, fs, id, node, folds);

    // Encoded runs: base64 is letters and digits joined by + / - _ ; hex pairs are two-digit
    // words ("69 67 6e", "\x69\x67", "%69%67", "0x69 0x67") a character or two apart.
    if ((flags & W_ASCII) !== 0 && !symbols) {
      if (b64Start >= 0 && start - b64End >= 1 && start - b64End <= 3 && symbolsBetween(u, b64End, start))
        b64End = i;
      else if (
        i - start >= BASE64_MIN ||
        (i < n && isBase64Symbol(u[i]!)) ||
        (start > 0 && isBase64Symbol(u[start - 1]!))
      ) {
        // Most words are short and end in a space: they cannot start a run, skip the bookkeeping.
        out.base64Candidate(b64Start, b64End);
        b64Start = start;
        while (b64Start > 0 && start - b64Start < 3 && isBase64Symbol(u[b64Start - 1]!)) b64Start--;
        b64End = i;
      } else if (b64Start >= 0) {
        out.base64Candidate(b64Start, b64End);
        b64Start = -1;
      }
      if (i - start <= 4 && isHexPair(u, start, i)) {
        if (pairs > 0 && start - pairEnd <= 2 && !newlineBetween(u, pairEnd, start)) pairs++;
        else {
          out.hexPairsCandidate(pairStart, pairEnd, pairs);
          const before = start > 0 ? u[start - 1]! : 0;
          pairStart = before === 0x5c || before === 0x25 ? start - 1 : start;
          pairs = 1;
        }
        pairEnd = i;
      } else if (pairs > 0) {
        out.hexPairsCandidate(pairStart, pairEnd, pairs);
        pairs = 0;
      }
    } else {
      out.base64Candidate(b64Start, b64End);
      b64Start = -1;
      out.hexPairsCandidate(pairStart, pairEnd, pairs);
      pairs = 0;
    }
    if ((flags & (W_CONFUSABLE | W_LATIN | W_OTHER_SCRIPT)) === W_CONFUSABLE) {
      pending ??= [];
      pending.push(out.count - 1);
    }
    if (single) {
      if (runCount === 0) runFirst = out.count - 1;
      runLast = out.count - 1;
      runCount++;
    }
  }
  if (runCount >= SPACED_MIN) collapse(out, vocab, u, runFirst, runLast, latin);
  out.base64Candidate(b64Start, b64End);
  out.hexPairsCandidate(pairStart, pairEnd, pairs);
  out.pushMark(MARK_END, n, n);
  out.latinLetters = latin;

  // "АІ" in an English sentence is "AI"; in a Russian one it is Russian.
  if (pending && out.latinLetters >= 2 * out.otherLetters) {
    for (const t of pending) {
      if (out.kind[t] !== TK_WORD || (out.flags[t]! & W_MERGED) !== 0) continue;
      const fs = out.foldLength;
      refold(out, u, out.start[t]!, out.end[t]!, fs, false);
      out.foldStart[t] = fs;
      out.foldEnd[t] = out.foldLength;
      out.folds[t]! |= FLAG_MIXED_SCRIPT;
      const node = vocab ? walk(vocab, out.cp, fs, out.foldLength) : -1;
      out.node[t] = node;
      out.id[t] = vocab && node >= 0 ? vocab.wordAt(node) : -1;
    }
  }
}

/** Re-fold a word from its cleaned text with look-alikes mapped to Latin (and leetspeak). */
function refold(out: Tokens, u: Uint16Array, start: number, end: number, fs: number, leet: boolean): void {
  out.foldLength = fs;
  for (let i = start; i < end; ) {
    const cp = cpAt(u, i, end);
    const latin = confusableLatin(cp);
    if (latin >= 0) out.pushFold(latin, i);
    else foldInto(out, cp, i, fs);
    i += cp > 0xffff ? 2 : 1;
  }
  if (leet) leetInPlace(out.cp, fs, out.foldLength);
}

/**
 * Replace tokens [first, last] (single letters and the marks between them) with one merged word.
 * Their folded code points are already contiguous (marks fold to nothing).
 */
/**
 * A line break at `i`: a spaced-letter run in progress ends there (collapsed when long enough) and
 * a line mark follows; the caller resets its run count. The run state is passed as plain values,
 * not captured by a closure: captured variables would live on the heap.
 */
function lineBreak(
  out: Tokens,
  vocab: Vocabulary | null,
  u: Uint16Array,
  runFirst: number,
  runLast: number,
  runCount: number,
  latinLetters: number,
  i: number,
): void {
  if (runCount >= SPACED_MIN) collapse(out, vocab, u, runFirst, runLast, latinLetters);
  out.pushMark(MARK_LINE, i + 1, i + 1);
}

function collapse(
  out: Tokens,
  vocab: Vocabulary | null,
  u: Uint16Array,
  first: number,
  last: number,
  latinLetters: number,
): void {
  let flags = W_MERGED;
  for (let t = first; t <= last; t++) if (out.kind[t] === TK_WORD) flags |= out.flags[t]!;
  const fs = out.foldStart[first]!;
  const fe = out.foldEnd[last]!;
  let folds = 0;
  if ((flags & W_CONFUSABLE) !== 0 && ((flags & W_LATIN) !== 0 || latinLetters >= 2 * out.otherLetters)) {
    // Re-fold each letter with look-alikes mapped (the run's letters are one character each).
    for (let k = fs; k < fe; k++) {
      const latin = confusableLatin(cpAt(u, out.pos[k]!, out.textLength));
      if (latin >= 0) out.cp[k] = latin;
    }
    folds |= FLAG_MIXED_SCRIPT;
  }
  if ((flags & (W_LETTER | W_DIGITSYM)) === (W_LETTER | W_DIGITSYM)) {
    leetInPlace(out.cp, fs, fe);
    folds |= FLAG_LEETSPEAK;
  }
  const node = vocab ? walk(vocab, out.cp, fs, fe) : -1;
  const id = vocab && node >= 0 ? vocab.wordAt(node) : -1;
  // Write the merged word at `first` and shift what followed the run (marks read since) down.
  const tail = out.count - (last + 1);
  const start = out.start[first]!;
  const end = out.end[last]!;
  out.setWord(first, start, end, flags, fs, fe, id, node, folds);
  for (const a of [out.kind, out.mark, out.flags, out.folds]) a.copyWithin(first + 1, last + 1, out.count);
  for (const a of [out.start, out.end, out.foldStart, out.foldEnd, out.id, out.node]) {
    a.copyWithin(first + 1, last + 1, out.count);
  }
  out.count = first + 1 + tail;
}
