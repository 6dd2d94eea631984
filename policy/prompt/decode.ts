/**
 * Finds base64 and hex runs in cleaned text and decodes the ones that turn out to be text, so
 * the screener can read "aWdub3JlIGFsbCBwcmV2aW91cyBpbnN0cnVjdGlvbnM=" as what it says.
 *
 * - base64 (standard or URL-safe): a run of at least 16 alphabet characters (padding excluded);
 * - hex: at least 16 contiguous hex digits, or at least 8 byte pairs written "69 67 6e …",
 *   "69:67:…", "\x69\x67…", "0x69 0x67 …" or "%69%67…".
 *
 * A run is kept only when it decodes to valid UTF-8 that is mostly printable (≥ 90 %) and has
 * at least four letters: random keys, hashes and ordinary long words decode to binary and are
 * dropped. lex.ts notes candidate runs while it reads words (no separate pass over the text);
 * each candidate is decoded once.
 */

import { C_INVISIBLE, classOf } from './char-class.ts';

export interface EncodedRun {
  readonly kind: 'base64' | 'hex';
  /** Span of the encoded run in the text that was scanned. */
  readonly start: number;
  readonly end: number;
  readonly decoded: string;
}

export const BASE64_MIN = 16;
const HEX_DIGITS_MIN = 16;
export const HEX_PAIRS_MIN = 8;
const PRINTABLE_RATIO = 0.9;
const LETTERS_MIN = 4;

const B64 = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((ch, i) => {
  B64[ch.charCodeAt(0)] = i;
});
B64['-'.charCodeAt(0)] = 62;
B64['_'.charCodeAt(0)] = 63;

const HEX = new Int8Array(128).fill(-1);
'0123456789abcdef'.split('').forEach((ch, i) => {
  HEX[ch.charCodeAt(0)] = i;
  HEX[ch.toUpperCase().charCodeAt(0)] = i;
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

function b64(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? B64[c]! : -1;
}

/** Whether `c` may appear in a base64 run between letters and digits. */
export function isBase64Symbol(c: number): boolean {
  return c === 0x2b || c === 0x2f || c === 0x2d || c === 0x5f; // + / - _
}

function hex(text: string, i: number): number {
  if (i >= text.length) return -1;
  const c = text.charCodeAt(i);
  return c < 128 ? HEX[c]! : -1;
}

function isAlnum(text: string, i: number): boolean {
  if (i < 0 || i >= text.length) return false;
  const c = text.charCodeAt(i);
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

const utf8Lenient = new TextDecoder('utf-8');

/**
 * Decoded bytes as text, or null when they are not text. Checked on the bytes first (control
 * bytes, UTF-8 structure) so random data is rejected without decoding or throwing.
 */
function asText(bytes: Uint8Array): string | null {
  let control = 0;
  let letters = 0;
  let high = 0;
  const n = bytes.length;
  for (let k = 0; k < n; k++) {
    const b = bytes[k]!;
    if (b >= 0x80) {
      high++;
      // UTF-8 structure: a lead byte followed by the right number of continuation bytes.
      const need = b >= 0xf0 && b < 0xf5 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 && b < 0xe0 ? 1 : -1;
      if (need < 0 || k + need >= n) return null;
      for (let j = 1; j <= need; j++) if ((bytes[k + j]! & 0xc0) !== 0x80) return null;
      k += need;
      letters++;
    } else if (b < 0x20 ? b !== 9 && b !== 10 && b !== 13 : b === 0x7f) control++;
    else if ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a) letters++;
  }
  if (letters < LETTERS_MIN || control > n * (1 - PRINTABLE_RATIO)) return null;
  if (high === 0) return utf8Lenient.decode(bytes);
  let s: string;
  try {
    s = utf8.decode(bytes);
  } catch {
    return null;
  }
  let printable = 0;
  let total = 0;
  for (const ch of s) {
    total++;
    const cp = ch.codePointAt(0)!;
    if (
      cp < 0x80
        ? (cp >= 0x20 && cp < 0x7f) || cp === 9 || cp === 10 || cp === 13
        : (classOf(cp) & C_INVISIBLE) === 0
    ) {
      printable++;
    }
  }
  return printable < total * PRINTABLE_RATIO ? null : s;
}

function decodeBase64(text: string, from: number, to: number): Uint8Array {
  const n = to - from;
  const out = new Uint8Array(Math.floor((n * 3) / 4));
  let o = 0;
  let acc = 0;
  let bitsHeld = 0;
  for (let i = from; i < to; i++) {
    acc = ((acc << 6) | b64(text, i)) & 0xffffff;
    bitsHeld += 6;
    if (bitsHeld >= 8) {
      bitsHeld -= 8;
      out[o++] = (acc >>> bitsHeld) & 0xff;
    }
  }
  return out.subarray(0, o);
}

/** Kinds of candidate runs lex.ts records while it reads words. */
export const CANDIDATE_BASE64 = 0;
export const CANDIDATE_HEX_PAIRS = 1;

/**
 * Decode one candidate run found by lex.ts: a base64/hex run starting at `start` (letters, digits
 * and base64 symbols, "0x" allowed; re-scanned from `start`, so `_end`, where lex saw its last
 * word, is only a hint), or separated hex pairs starting at `start`. Null when it is not text.
 */
export function decodeCandidate(text: string, kind: number, start: number, _end: number): EncodedRun | null {
  if (kind === CANDIDATE_HEX_PAIRS) return hexPairs(text, start);
  let i = start;
  // "0x" + hex digits is hex, not base64.
  if (text.charCodeAt(i) === 0x30 && (text.charCodeAt(i + 1) | 0x20) === 0x78 && hex(text, i + 2) >= 0)
    i += 2;
  // lex.ts ends a candidate at its last word; the run may go on with symbols ("…fn5+").
  let j = i;
  let allHex = true;
  for (; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c >= 128 || B64[c]! < 0) break;
    if (HEX[c]! < 0) allHex = false;
  }
  let stop = j;
  while (stop < text.length && stop - j < 2 && text.charCodeAt(stop) === 0x3d /* = */) stop++;
  const length = j - i;
  // Base64 of text mixes cases or digits; a long run of lowercase letters is just a long word.
  let lower = false;
  let other = false;
  for (let k = i; k < j && !(lower && other); k++) {
    const c = text.charCodeAt(k);
    if (c >= 0x61 && c <= 0x7a) lower = true;
    else other = true;
  }
  if (!lower || !other) {
    if (!allHex) return null;
  }
  if (allHex && length >= HEX_DIGITS_MIN) {
    const bytes = new Uint8Array(length >>> 1);
    for (let k = 0; k < bytes.length; k++) bytes[k] = (hex(text, i + 2 * k) << 4) | hex(text, i + 2 * k + 1);
    const decoded = asText(bytes);
    return decoded === null ? null : { kind: 'hex', start: i, end: j, decoded };
  }
  if (length < BASE64_MIN) return null;
  const decoded = asText(decodeBase64(text, i, j));
  return decoded === null ? null : { kind: 'base64', start: i, end: stop, decoded };
}

/** Bytes of the hex-pair run being read, reused between runs (grown by doubling). */
let pairBytes = new Uint8Array(256);

/** "69 67 6e …", "\x69\x67…", "0x69,0x67", "%69%67…" starting at `from`, or null. */
function hexPairs(text: string, from: number): EncodedRun | null {
  let count = 0;
  let p = from;
  let end = from;
  for (;;) {
    let q = p;
    const c0 = text.charCodeAt(q);
    const c1 = text.charCodeAt(q + 1) | 0x20;
    if (c0 === 0x5c && c1 === 0x78) q += 2;
    else if (c0 === 0x30 && c1 === 0x78 && hex(text, q + 2) >= 0 && hex(text, q + 3) >= 0) q += 2;
    else if (c0 === 0x25) q += 1;
    const hi = hex(text, q);
    const lo = hex(text, q + 1);
    if (hi < 0 || lo < 0 || isAlnum(text, q + 2)) break;
    if (count === pairBytes.length) {
      const grown = new Uint8Array(count * 2);
      grown.set(pairBytes);
      pairBytes = grown;
    }
    pairBytes[count++] = (hi << 4) | lo;
    p = q + 2;
    end = p;
    const sep = text.charCodeAt(p);
    if (sep === 0x20 || sep === 0x2c || sep === 0x3a || sep === 0x2d) p++;
  }
  if (count < HEX_PAIRS_MIN) return null;
  const decoded = asText(pairBytes.subarray(0, count));
  return decoded === null ? null : { kind: 'hex', start: from, end, decoded };
}
