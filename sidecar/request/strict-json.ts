/**
 * The strict JSON reader: RFC 8259 JSON, and nothing that two parsers could read two ways.
 * Pure (no I/O); `readJson(bytes)` returns the value or throws JsonReadError with a reason and
 * an offset. What it refuses, and why (docs/adr/0011-request-integrity.md):
 *
 *   utf8          invalid UTF-8 (overlong forms, encoded surrogates, truncated sequences): a
 *                 lenient reader turns them into U+FFFD, another into something else
 *   surrogate     a lone surrogate in a \u escape ("\ud800"): cannot be written as UTF-8
 *   duplicate-key the same key twice in one object, at any depth: JSON.parse keeps the last,
 *                 Python's json the last, others the first — the caps must see what the app sees
 *   proto-key     a "__proto__" key: a prototype-pollution vector for JS apps that merge bodies
 *   number-range  a number that is not finite as a double (1e400)
 *   depth         more than `maxDepth` nested arrays/objects: bounded, so no stack overflow here,
 *                 in the caps/screening walk, in JSON.stringify or in the egress translation
 *   syntax        everything else RFC 8259 does not allow (comments, trailing commas, NaN,
 *                 single quotes, leading zeros, control characters in strings, trailing data)
 *
 * Accepted and normalised: a leading byte-order mark (RFC 8259 §8.1 lets a reader ignore it;
 * the body is re-serialised without it). Numbers become doubles, except integers beyond ±2^53,
 * which stay exact as `JSON.rawJSON(text)` (so an id of 100000000000000000001 reaches the app
 * as written, and JSON.stringify writes it back unchanged).
 *
 * The bytes are validated and decoded as UTF-8 natively (isUtf8, toString), then read in one
 * pass over the text. Module-level state: the reader is not re-entrant, and nothing it calls calls back.
 *
 * Canonical text (`wasCanonical()`, docs/adr/0038-forward-canonical-bytes.md): after a read, whether
 * the text had no byte-order mark, no escape in any string and every number written as
 * JSON.stringify writes it (`100`, not `1e2`, `100.0` or `-0`). Such a text differs from
 * JSON.stringify of the value only in whitespace between tokens and in the order of keys that
 * are array indices (V8 lists them first), so any RFC 8259 reader gets the same value from either,
 * and the ingress may forward the client's bytes instead of re-serialising them.
 */

import { isUtf8 } from 'node:buffer';

// JSON.parse source text access (TC39 stage 3, shipped in V8 11.4 / Node 21): not in the es2024 lib.
declare global {
  interface JSON {
    rawJSON(text: string): { readonly rawJSON: string };
    isRawJSON(value: unknown): boolean;
  }
}

export type JsonProblem =
  | 'utf8'
  | 'surrogate'
  | 'duplicate-key'
  | 'proto-key'
  | 'number-range'
  | 'depth'
  | 'syntax';

export class JsonReadError extends Error {
  readonly reason: JsonProblem;
  /** Offset in characters (UTF-16 units) of the decoded text; bytes for `utf8`. */
  readonly offset: number;

  constructor(reason: JsonProblem, offset: number, message: string) {
    super(message);
    this.name = 'JsonReadError';
    this.reason = reason;
    this.offset = offset;
  }
}

export interface JsonReadOptions {
  /** Largest nesting of arrays and objects; `[[1]]` is depth 2. */
  readonly maxDepth: number;
}

/** JSON's default depth limit in the sidecar (--json-max-depth). */
export const DEFAULT_JSON_MAX_DEPTH = 64;

let src = '';
let pos = 0;
let limit = DEFAULT_JSON_MAX_DEPTH;
let canonical = true;

/** Whether the last successful read's text was canonical (see the file comment). */
export function wasCanonical(): boolean {
  return canonical;
}

/** Reads one JSON text from UTF-8 bytes. Throws JsonReadError. */
export function readJson(bytes: Uint8Array, options: JsonReadOptions): unknown {
  // isUtf8 (simdutf) rejects overlong forms, encoded surrogates and truncated sequences; only
  // then is the decode lossless (toString would put U+FFFD in their place).
  if (!isUtf8(bytes)) {
    const at = invalidUtf8At(bytes);
    throw new JsonReadError('utf8', at, `invalid UTF-8 at byte ${at}`);
  }
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return readJsonText(buffer.toString('utf8'), options);
}

/** Reads one JSON text from a string (already decoded). Throws JsonReadError. */
export function readJsonText(text: string, options: JsonReadOptions): unknown {
  src = text;
  pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  canonical = pos === 0;
  limit = options.maxDepth;
  try {
    const value = parseValue(0);
    skipWs();
    if (pos < src.length) fail('syntax', 'unexpected data after the JSON value');
    return value;
  } finally {
    src = '';
  }
}

function fail(reason: JsonProblem, what: string, at = pos): never {
  throw new JsonReadError(reason, at, `invalid JSON at character ${at}: ${what}`);
}

function skipWs(): void {
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
    else return;
  }
}

function parseValue(depth: number): unknown {
  skipWs();
  const c = src.charCodeAt(pos);
  switch (c) {
    case 0x7b: // {
      return parseObject(depth + 1);
    case 0x5b: // [
      return parseArray(depth + 1);
    case 0x22: // "
      return parseString();
    case 0x74: // t
      literal('true');
      return true;
    case 0x66: // f
      literal('false');
      return false;
    case 0x6e: // n
      literal('null');
      return null;
    default:
      if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return parseNumber();
      if (Number.isNaN(c)) fail('syntax', 'unexpected end of input');
      return fail('syntax', `unexpected character ${JSON.stringify(src[pos])}`);
  }
}

function literal(word: string): void {
  if (src.startsWith(word, pos)) pos += word.length;
  else fail('syntax', `expected ${word}`);
}

function parseObject(depth: number): Record<string, unknown> {
  if (depth > limit) fail('depth', `nested deeper than ${limit} levels`);
  pos++; // {
  const out: Record<string, unknown> = {};
  skipWs();
  if (src.charCodeAt(pos) === 0x7d) {
    pos++;
    return out;
  }
  for (;;) {
    if (src.charCodeAt(pos) !== 0x22) fail('syntax', 'expected a string key');
    const at = pos;
    const key = parseString();
    if (key === '__proto__') fail('proto-key', 'the key "__proto__" is not accepted', at);
    if (Object.hasOwn(out, key)) fail('duplicate-key', `duplicate key ${JSON.stringify(key)}`, at);
    skipWs();
    if (src.charCodeAt(pos) !== 0x3a) fail('syntax', 'expected ":"');
    pos++;
    out[key] = parseValue(depth);
    skipWs();
    const c = src.charCodeAt(pos);
    if (c === 0x2c) {
      pos++;
      skipWs();
      continue;
    }
    if (c === 0x7d) {
      pos++;
      return out;
    }
    fail('syntax', 'expected "," or "}"');
  }
}

function parseArray(depth: number): unknown[] {
  if (depth > limit) fail('depth', `nested deeper than ${limit} levels`);
  pos++; // [
  const out: unknown[] = [];
  skipWs();
  if (src.charCodeAt(pos) === 0x5d) {
    pos++;
    return out;
  }
  for (;;) {
    out.push(parseValue(depth));
    skipWs();
    const c = src.charCodeAt(pos);
    if (c === 0x2c) {
      pos++;
      continue;
    }
    if (c === 0x5d) {
      pos++;
      return out;
    }
    fail('syntax', 'expected "," or "]"');
  }
}

function parseString(): string {
  const start = ++pos; // after the opening quote
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 0x22) return src.slice(start, pos++);
    if (c === 0x5c) return parseEscaped(start);
    if (!(c >= 0x20))
      fail('syntax', Number.isNaN(c) ? 'unterminated string' : 'control character in a string');
    pos++;
  }
}

/** The slow path: a string with escapes, from `start` (the first character after the quote). */
function parseEscaped(start: number): string {
  canonical = false;
  let out = '';
  let chunk = start;
  for (;;) {
    const c = src.charCodeAt(pos);
    if (c === 0x22) {
      out += src.slice(chunk, pos++);
      return out;
    }
    if (!(c >= 0x20))
      fail('syntax', Number.isNaN(c) ? 'unterminated string' : 'control character in a string');
    if (c !== 0x5c) {
      pos++;
      continue;
    }
    out += src.slice(chunk, pos);
    const e = src.charCodeAt(pos + 1);
    pos += 2;
    switch (e) {
      case 0x22:
        out += '"';
        break;
      case 0x5c:
        out += '\\';
        break;
      case 0x2f:
        out += '/';
        break;
      case 0x62:
        out += '\b';
        break;
      case 0x66:
        out += '\f';
        break;
      case 0x6e:
        out += '\n';
        break;
      case 0x72:
        out += '\r';
        break;
      case 0x74:
        out += '\t';
        break;
      case 0x75: {
        const unit = hex4(pos);
        pos += 4;
        if (unit >= 0xd800 && unit <= 0xdbff) {
          // A high surrogate must be followed by an escaped low one.
          if (src.charCodeAt(pos) !== 0x5c || src.charCodeAt(pos + 1) !== 0x75)
            fail('surrogate', 'lone surrogate in a \\u escape', pos - 6);
          const low = hex4(pos + 2);
          if (low < 0xdc00 || low > 0xdfff) fail('surrogate', 'lone surrogate in a \\u escape', pos - 6);
          pos += 6;
          out += String.fromCharCode(unit, low);
        } else if (unit >= 0xdc00 && unit <= 0xdfff) {
          fail('surrogate', 'lone surrogate in a \\u escape', pos - 6);
        } else {
          out += String.fromCharCode(unit);
        }
        break;
      }
      default:
        fail('syntax', 'invalid escape', pos - 2);
    }
    chunk = pos;
  }
}

function hex4(at: number): number {
  let n = 0;
  for (let i = 0; i < 4; i++) {
    const c = src.charCodeAt(at + i);
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else return fail('syntax', 'invalid \\u escape', at - 2);
    n = n * 16 + d;
  }
  return n;
}

function parseNumber(): unknown {
  const start = pos;
  let negative = false;
  if (src.charCodeAt(pos) === 0x2d) {
    negative = true;
    pos++;
  }
  let c = src.charCodeAt(pos);
  let value = 0;
  let digits = 0;
  if (c === 0x30) {
    pos++;
    digits = 1;
  } else if (c >= 0x31 && c <= 0x39) {
    do {
      value = value * 10 + (c - 0x30);
      digits++;
      c = src.charCodeAt(++pos);
    } while (c >= 0x30 && c <= 0x39);
  } else {
    fail('syntax', 'expected a digit');
  }
  c = src.charCodeAt(pos);
  let integer = true;
  if (c === 0x2e) {
    integer = false;
    c = src.charCodeAt(++pos);
    if (!(c >= 0x30 && c <= 0x39)) fail('syntax', 'expected a digit after "."');
    do c = src.charCodeAt(++pos);
    while (c >= 0x30 && c <= 0x39);
  }
  if (c === 0x65 || c === 0x45) {
    integer = false;
    c = src.charCodeAt(++pos);
    if (c === 0x2b || c === 0x2d) c = src.charCodeAt(++pos);
    if (!(c >= 0x30 && c <= 0x39)) fail('syntax', 'expected a digit in the exponent');
    do c = src.charCodeAt(++pos);
    while (c >= 0x30 && c <= 0x39);
  } else if (c >= 0x30 && c <= 0x39) {
    fail('syntax', 'leading zeros are not allowed');
  }
  // Up to 15 digits an integer is exact as a double and already canonical (no leading zero),
  // except -0, which JSON.stringify writes 0.
  if (integer && digits <= 15) {
    if (!negative) return value;
    if (value === 0) {
      canonical = false;
      return 0;
    }
    return -value;
  }
  const text = src.slice(start, pos);
  const n = Number(text);
  if (!Number.isFinite(n)) fail('number-range', `${text} is out of range`, start);
  // Kept as its text: JSON.stringify writes it back unchanged.
  if (integer && !Number.isSafeInteger(n)) return JSON.rawJSON(text);
  if (canonical && String(n) !== text) canonical = false;
  return n;
}

/** Byte offset of the first invalid UTF-8 sequence (for the error message). */
function invalidUtf8At(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (next & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}

/** Whether a value is an exact big integer kept as raw JSON text by the reader. */
export function isRawNumber(value: unknown): value is { rawJSON: string } {
  return typeof value === 'object' && value !== null && JSON.isRawJSON(value);
}
