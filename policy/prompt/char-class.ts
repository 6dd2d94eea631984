/**
 * Character classes and per-character folds used by normalisation.
 *
 * Everything is memoised per code unit: the first time a BMP character is seen its Unicode
 * properties are computed with a handful of `\p{…}` tests and cached in a Uint16Array, so the hot
 * loop afterwards is one array read per character. A full table for all 65,536 units would cost
 * ~15 ms at start-up for characters most inputs never contain; lazily it costs ~1 µs per distinct
 * character ever seen.
 */

export const C_LETTER = 1;
export const C_MARK = 2;
export const C_DIGIT = 4;
/** Stripped before matching: Cf, zero-width, bidi controls, soft hyphen, C0/C1 controls, fillers. */
export const C_INVISIBLE = 8;
/** NFKC leaves the character alone when it is not followed by a combining mark. */
export const C_STABLE = 16;
export const C_LATIN = 32;
export const C_CYRILLIC = 64;
export const C_GREEK = 128;
export const C_SPACE = 256;
export const C_NEWLINE = 512;
/** Variation selectors U+FE00–FE0F and the supplement U+E0100–E01EF. */
export const C_VARIATION = 1024;
const C_COMPUTED = 1 << 15;

const RE_CF = /\p{Cf}/u;
const RE_CC = /\p{Cc}/u;
const RE_MARK = /\p{M}/u;
const RE_LETTER = /\p{L}/u;
const RE_DIGIT = /\p{Nd}/u;
const RE_LATIN = /\p{Script=Latin}/u;
const RE_CYRILLIC = /\p{Script=Cyrillic}/u;
const RE_GREEK = /\p{Script=Greek}/u;
const RE_SPACE = /\s/u;

/**
 * Invisible characters that are not Cf: the combining grapheme joiner, Hangul fillers, Khmer
 * inherent vowels and Mongolian free variation selectors render as nothing and are used to split
 * words invisibly.
 */
const EXTRA_INVISIBLE = new Set([
  0x034f, 0x115f, 0x1160, 0x17b4, 0x17b5, 0x180b, 0x180c, 0x180d, 0x180f, 0x3164, 0xffa0,
]);

function compute(s: string, cp: number): number {
  let bits = C_COMPUTED;
  if (cp === 0x0a || cp === 0x0b || cp === 0x0c || cp === 0x85 || cp === 0x2028 || cp === 0x2029) {
    return bits | C_NEWLINE | C_SPACE | C_STABLE;
  }
  if (cp === 0x09 || cp === 0x0d) return bits | C_SPACE | C_STABLE;
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return bits | C_VARIATION;
  if (RE_CF.test(s) || RE_CC.test(s) || EXTRA_INVISIBLE.has(cp)) return bits | C_INVISIBLE;
  if (RE_MARK.test(s)) bits |= C_MARK;
  if (RE_LETTER.test(s)) bits |= C_LETTER;
  if (RE_DIGIT.test(s)) bits |= C_DIGIT;
  if (RE_SPACE.test(s)) bits |= C_SPACE;
  if (RE_LATIN.test(s)) bits |= C_LATIN;
  else if (RE_CYRILLIC.test(s)) bits |= C_CYRILLIC;
  else if (RE_GREEK.test(s)) bits |= C_GREEK;
  if (s.normalize('NFKC') === s) bits |= C_STABLE;
  return bits;
}

const bmp = new Uint16Array(0x10000);
const astral = new Map<number, number>();

/** Class bits of a code point (BMP or astral). */
export function classOf(cp: number): number {
  if (cp < 0x10000) {
    const cached = bmp[cp]!;
    if (cached !== 0) return cached;
    const bits = compute(String.fromCharCode(cp), cp);
    bmp[cp] = bits;
    return bits;
  }
  const cached = astral.get(cp);
  if (cached !== undefined) return cached;
  const bits = compute(String.fromCodePoint(cp), cp);
  astral.set(cp, bits);
  return bits;
}

// Warm the ASCII range so the hot loops can index without a branch on "computed".
for (let c = 0; c < 0x80; c++) classOf(c);

export const ASCII_CLASS: Uint16Array = bmp.subarray(0, 0x80);

/**
 * Cyrillic, Greek and Armenian letters that look like Latin ones, mapped to the lowercase Latin
 * letter. Only applied inside a word that mixes scripts (or, in a text that is mostly Latin, a
 * word made only of look-alikes), so genuine Cyrillic and Greek text is never rewritten.
 */
const CONFUSABLE_PAIRS: ReadonlyArray<readonly [string, string]> = [
  // Cyrillic lowercase
  ['а', 'a'],
  ['в', 'b'],
  ['е', 'e'],
  ['ё', 'e'],
  ['о', 'o'],
  ['р', 'p'],
  ['с', 'c'],
  ['у', 'y'],
  ['х', 'x'],
  ['ѕ', 's'],
  ['і', 'i'],
  ['ї', 'i'],
  ['ј', 'j'],
  ['һ', 'h'],
  ['ԁ', 'd'],
  ['ԛ', 'q'],
  ['ԝ', 'w'],
  ['к', 'k'],
  ['м', 'm'],
  ['п', 'n'],
  ['г', 'r'],
  ['т', 't'],
  ['ո', 'n'],
  ['ս', 'u'],
  ['օ', 'o'],
  // Cyrillic uppercase
  ['А', 'a'],
  ['В', 'b'],
  ['Е', 'e'],
  ['Ё', 'e'],
  ['К', 'k'],
  ['М', 'm'],
  ['Н', 'h'],
  ['О', 'o'],
  ['Р', 'p'],
  ['С', 'c'],
  ['Т', 't'],
  ['Х', 'x'],
  ['У', 'y'],
  ['Ѕ', 's'],
  ['І', 'i'],
  ['Ї', 'i'],
  ['Ј', 'j'],
  ['Һ', 'h'],
  ['Ԛ', 'q'],
  ['Ԝ', 'w'],
  // Greek lowercase
  ['α', 'a'],
  ['ο', 'o'],
  ['ρ', 'p'],
  ['ν', 'v'],
  ['ι', 'i'],
  ['κ', 'k'],
  ['τ', 't'],
  ['υ', 'u'],
  ['χ', 'x'],
  ['ε', 'e'],
  ['γ', 'y'],
  ['η', 'n'],
  ['ϲ', 'c'],
  ['ϳ', 'j'],
  // Greek uppercase
  ['Α', 'a'],
  ['Β', 'b'],
  ['Ε', 'e'],
  ['Ζ', 'z'],
  ['Η', 'h'],
  ['Ι', 'i'],
  ['Κ', 'k'],
  ['Μ', 'm'],
  ['Ν', 'n'],
  ['Ο', 'o'],
  ['Ρ', 'p'],
  ['Τ', 't'],
  ['Υ', 'y'],
  ['Χ', 'x'],
  ['Ϲ', 'c'],
];

// Greek, Cyrillic and Armenian live in U+0370–U+058F: one typed-array read per character.
const CONFUSABLE_FROM = 0x0370;
const CONFUSABLE_TO = 0x0590;
const confusable = new Int32Array(CONFUSABLE_TO - CONFUSABLE_FROM).fill(-1);
for (const [from, to] of CONFUSABLE_PAIRS)
  confusable[from.codePointAt(0)! - CONFUSABLE_FROM] = to.charCodeAt(0);

/** The Latin letter a Cyrillic/Greek/Armenian look-alike stands for, or -1. */
export function confusableLatin(cp: number): number {
  return cp >= CONFUSABLE_FROM && cp < CONFUSABLE_TO ? confusable[cp - CONFUSABLE_FROM]! : -1;
}

/**
 * Leetspeak digits and symbols, applied only inside a word that also has letters ("1gn0r3",
 * "pr3v10u5", "@ll"). `1` becomes `i`; the vocabulary key folds `l` and `i` together (see
 * vocabulary.ts), so "a11" still meets "all".
 */
export const LEET = new Int16Array(128).fill(-1);
for (const [from, to] of [
  ['0', 'o'],
  ['1', 'i'],
  ['3', 'e'],
  ['4', 'a'],
  ['5', 's'],
  ['7', 't'],
  ['8', 'b'],
  ['9', 'g'],
  ['@', 'a'],
  ['$', 's'],
  ['!', 'i'],
] as const) {
  LEET[from.charCodeAt(0)] = to.charCodeAt(0);
}

/**
 * Latin letters NFD does not decompose, and small capitals / IPA look-alikes that NFKC keeps
 * (they are Latin script, so no mixed-script test would catch them).
 */
const LATIN_EXTRA: Record<string, string> = {
  ß: 'ss',
  ẞ: 'ss',
  æ: 'ae',
  Æ: 'ae',
  œ: 'oe',
  Œ: 'oe',
  ø: 'o',
  Ø: 'o',
  ł: 'l',
  Ł: 'l',
  đ: 'd',
  Đ: 'd',
  ħ: 'h',
  ŧ: 't',
  þ: 'th',
  ð: 'd',
  ı: 'i',
  ɑ: 'a',
  ɡ: 'g',
  ɩ: 'i',
  ɪ: 'i',
  ʟ: 'l',
  ɴ: 'n',
  ʀ: 'r',
  ʏ: 'y',
  ʜ: 'h',
  ɢ: 'g',
  ʙ: 'b',
  ᴀ: 'a',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ᴊ: 'j',
  ᴋ: 'k',
  ᴍ: 'm',
  ᴏ: 'o',
  ᴘ: 'p',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ᴢ: 'z',
  ꜱ: 's',
};

const RE_MARKS_G = /\p{M}/gu;
/** Folded form of one BMP unit: code unit + 1 when it folds to one unit, 0 = not computed yet. */
const foldMemo = new Int32Array(0x10000);
const foldMulti = new Map<number, string>();
const MULTI = -1;

function computeFold(cp: number): string {
  const s = String.fromCodePoint(cp);
  const extra = LATIN_EXTRA[s];
  if (extra !== undefined) return extra;
  const lower = s.toLowerCase();
  if ((classOf(cp) & C_LATIN) === 0) return lower;
  // Latin diacritics fold away ("précédentes" meets "precedentes"); Greek tonos and Cyrillic
  // breve are kept because those letters are distinct in their own languages.
  return lower.normalize('NFD').replace(RE_MARKS_G, '') || lower;
}

/**
 * Case-fold a code point (and strip Latin diacritics). Returns a code unit, or -1 when the fold is
 * several units (read it with `foldString`).
 */
export function foldUnit(cp: number): number {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp;
  if (cp < 0x10000) {
    const m = foldMemo[cp]!;
    if (m > 0) return m - 1;
    if (m === MULTI) return -1;
    const f = computeFold(cp);
    if (f.length === 1) {
      foldMemo[cp] = f.charCodeAt(0) + 1;
      return f.charCodeAt(0);
    }
    foldMemo[cp] = MULTI;
    foldMulti.set(cp, f);
    return -1;
  }
  return -1;
}

/** The full fold of a code point when `foldUnit` returned -1. */
export function foldString(cp: number): string {
  const cached = foldMulti.get(cp);
  if (cached !== undefined) return cached;
  const f = computeFold(cp);
  if (cp >= 0x10000) foldMulti.set(cp, f);
  return f;
}
