/**
 * The compiled phrase catalogue (every phrase of phrases/*.ts in one automaton, compile.ts, over
 * one vocabulary trie, vocabulary.ts), and its snapshot `catalogue.bin`.
 *
 * Compiling the catalogue takes ~100 ms on an idle core and several hundred under load (parsing
 * 295 phrases, a 2,986-word trie, 8,000 slots and their closures), which was most of a screener's
 * cold start. The snapshot holds the result — the trie and the automaton's typed arrays — so
 * a process reads ~1 MB and wraps it in typed arrays instead (ADR 0033):
 *
 *   npx node policy/prompt/catalogue.ts --write      rewrite catalogue.bin (`make compile-phrases`)
 *
 * The snapshot carries a digest of the phrase sources; when the sources changed and the snapshot
 * was not rewritten, or the file is missing or damaged, the catalogue is compiled as before (same
 * result, only slower). catalogue.test.ts checks that the committed file is exactly what
 * compiling the sources gives, so a change to the compiler without `--write` fails the tests.
 *
 * Layout (little-endian): "SLPC", header length H (uint32), H bytes of JSON (Header), then the
 * arrays in header order, each starting at a multiple of 4 bytes.
 */

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { type CompiledPhrases, compilePatterns, parseCatalogue, patternWords } from './compile.ts';
import { PHRASE_SETS } from './phrases/index.ts';
import { Vocabulary } from './vocabulary.ts';

export const CATALOGUE_FILE = new URL('./catalogue.bin', import.meta.url);
const MAGIC = 'SLPC';
/** Bump when the layout or the compiler's output changes meaning. */
const FORMAT = 1;

export interface Catalogue {
  /** The words the phrases use (sorted); a screener with deny phrases extends this list. */
  readonly words: readonly string[];
  readonly vocab: Vocabulary;
  readonly compiled: CompiledPhrases;
}

type ArrayType = 'u8' | 'u16' | 'i32' | 'u32';
type Typed = Uint8Array | Uint16Array | Int32Array | Uint32Array;

interface Header {
  readonly format: number;
  /** sourceDigest() of the phrase sets it was compiled from. */
  readonly digest: string;
  readonly words: readonly string[];
  readonly vocabWords: readonly string[];
  readonly maxLength: number;
  readonly sparseAscii: boolean;
  readonly sparseOther: boolean;
  readonly vocabSize: number;
  readonly maxPatternSlots: number;
  readonly slotCount: number;
  readonly stride: number;
  readonly patternSource: readonly string[];
  readonly arrays: readonly ArrayEntry[];
}

/**
 * One array of the snapshot. A mostly-zero array (the trie's child table, the word-set bitsets)
 * is stored as `stored` (index, value) uint32 pairs of its non-zero entries: a third of the file,
 * and expanding it costs one write per entry (an inflate of the whole file costs more).
 */
interface ArrayEntry {
  readonly name: string;
  readonly type: ArrayType;
  readonly length: number;
  readonly sparse: boolean;
  /** Entries stored: `length` when dense, the number of non-zero entries when sparse. */
  readonly stored: number;
}

/** Compile the catalogue from the phrase sources (the slow path, and what the snapshot must equal). */
export function compileCatalogue(): Catalogue {
  const { patterns, negators, reporters, reportersAfter } = parseCatalogue(PHRASE_SETS);
  const words = patternWords(patterns, [...negators, ...reporters, ...reportersAfter]);
  const vocab = new Vocabulary(words);
  return { words, vocab, compiled: compilePatterns(patterns, negators, vocab, reporters, reportersAfter) };
}

/** Digest of the phrase sources and the snapshot format. */
export function sourceDigest(): string {
  return createHash('sha256')
    .update(`${FORMAT}\n${JSON.stringify(PHRASE_SETS)}`)
    .digest('hex');
}

function typeOf(a: Typed): ArrayType {
  if (a instanceof Uint8Array) return 'u8';
  if (a instanceof Uint16Array) return 'u16';
  if (a instanceof Uint32Array) return 'u32';
  return 'i32';
}

function arraysOf(c: Catalogue): [string, Typed][] {
  const v = c.vocab.state();
  const p = c.compiled;
  return [
    ['children', v.children],
    ['terminal', v.terminal],
    ['sparse', v.sparse],
    ['slotSet', p.slotSet],
    ['setBits', p.setBits],
    ['slotTarget', p.slotTarget],
    ['closureOffset', p.closureOffset],
    ['closureList', p.closureList],
    ['closureFinal', p.closureFinal],
    ['startOffset', p.startOffset],
    ['startList', p.startList],
    ['startFinalOffset', p.startFinalOffset],
    ['startFinalList', p.startFinalList],
    ['patternRule', p.patternRule],
    ['negator', p.negator],
    ['reporter', p.reporter],
  ];
}

export function encodeCatalogue(c: Catalogue, digest: string): Buffer {
  const v = c.vocab.state();
  const p = c.compiled;
  const arrays = arraysOf(c);
  const stored: [ArrayEntry, Uint8Array][] = arrays.map(([name, a]) => {
    let nonZero = 0;
    for (let k = 0; k < a.length; k++) if (a[k] !== 0) nonZero++;
    if (nonZero * 8 < a.byteLength / 2) {
      const pairs = new Uint32Array(nonZero * 2);
      let j = 0;
      for (let k = 0; k < a.length; k++) {
        if (a[k] !== 0) {
          pairs[j++] = k;
          pairs[j++] = a[k]!;
        }
      }
      return [{ name, type: typeOf(a), length: a.length, sparse: true, stored: nonZero }, toBytes(pairs)];
    }
    return [{ name, type: typeOf(a), length: a.length, sparse: false, stored: a.length }, toBytes(a)];
  });
  const header: Header = {
    format: FORMAT,
    digest,
    words: c.words,
    vocabWords: v.words,
    maxLength: v.maxLength,
    sparseAscii: v.sparseAscii,
    sparseOther: v.sparseOther,
    vocabSize: p.vocabSize,
    maxPatternSlots: p.maxPatternSlots,
    slotCount: p.slotCount,
    stride: p.stride,
    patternSource: p.patternSource,
    arrays: stored.map(([entry]) => entry),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const parts: Buffer[] = [];
  let length = align(8 + json.length);
  const head = Buffer.alloc(length);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, 4);
  json.copy(head, 8);
  parts.push(head);
  for (const [, bytes] of stored) {
    const padded = Buffer.alloc(align(bytes.length));
    padded.set(bytes);
    parts.push(padded);
    length += padded.length;
  }
  return Buffer.concat(parts, length);
}

function toBytes(a: Typed): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function align(n: number): number {
  return (n + 3) & ~3;
}

function make(type: ArrayType, buffer: ArrayBufferLike, offset: number, n: number): Typed {
  if (type === 'u8') return new Uint8Array(buffer, offset, n);
  if (type === 'u16') return new Uint16Array(buffer, offset, n);
  if (type === 'u32') return new Uint32Array(buffer, offset, n);
  return new Int32Array(buffer, offset, n);
}

/** The catalogue in `bytes`, or null when it is not a snapshot of `digest` (stale, damaged). */
export function decodeCatalogue(bytes: Uint8Array, digest: string): Catalogue | null {
  try {
    return decode(bytes, digest);
  } catch {
    return null; // a damaged header (a field missing or of the wrong type)
  }
}

function decode(bytes: Uint8Array, digest: string): Catalogue | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 || buf.toString('latin1', 0, 4) !== MAGIC) return null;
  const length = buf.readUInt32LE(4);
  if (8 + length > buf.length) return null;
  const header = JSON.parse(buf.toString('utf8', 8, 8 + length)) as Header;
  if (header.format !== FORMAT || header.digest !== digest) return null;
  // Every dense array is a view into the file's bytes (the array section starts at a multiple
  // of 4); only a buffer that does not start 4-aligned (a pooled slice) is copied first.
  let offset = align(8 + length);
  let body: Uint8Array = buf.subarray(offset);
  if (body.byteOffset % 4 !== 0) body = Uint8Array.from(body);
  offset = body.byteOffset;
  const arrays = new Map<string, Typed>();
  for (const { name, type, length: n, sparse, stored } of header.arrays) {
    const size = type === 'u8' ? 1 : type === 'u16' ? 2 : 4;
    const bytes = sparse ? stored * 8 : n * size;
    if (offset - body.byteOffset + bytes > body.length) return null;
    let a: Typed;
    if (sparse) {
      a = make(type, new ArrayBuffer(n * size), 0, n);
      const pairs = new Uint32Array(body.buffer, offset, stored * 2);
      for (let k = 0; k < pairs.length; k += 2) {
        if (pairs[k]! >= n) return null;
        a[pairs[k]!] = pairs[k + 1]!;
      }
    } else a = make(type, body.buffer, offset, n);
    arrays.set(name, a);
    offset += align(bytes);
  }
  const get = <T extends Typed>(name: string): T => arrays.get(name) as T;
  const vocab = new Vocabulary({
    words: header.vocabWords,
    maxLength: header.maxLength,
    children: get<Uint16Array | Int32Array>('children'),
    terminal: get<Int32Array>('terminal'),
    sparse: get<Int32Array>('sparse'),
    sparseAscii: header.sparseAscii,
    sparseOther: header.sparseOther,
  });
  const compiled: CompiledPhrases = {
    vocabSize: header.vocabSize,
    maxPatternSlots: header.maxPatternSlots,
    slotCount: header.slotCount,
    stride: header.stride,
    slotSet: get('slotSet'),
    setBits: get('setBits'),
    slotTarget: get('slotTarget'),
    closureOffset: get('closureOffset'),
    closureList: get('closureList'),
    closureFinal: get('closureFinal'),
    startOffset: get('startOffset'),
    startList: get('startList'),
    startFinalOffset: get('startFinalOffset'),
    startFinalList: get('startFinalList'),
    patternRule: get('patternRule'),
    patternSource: header.patternSource,
    negator: get('negator'),
    reporter: get('reporter'),
  };
  return { words: header.words, vocab, compiled };
}

/** The catalogue from catalogue.bin when it is current, else compiled from the sources. */
export function loadCatalogue(file: URL = CATALOGUE_FILE): Catalogue {
  let bytes: Uint8Array | null = null;
  try {
    bytes = readFileSync(file);
  } catch {
    // Missing (a checkout that never ran --write): compile.
  }
  return (bytes && decodeCatalogue(bytes, sourceDigest())) ?? compileCatalogue();
}

if (import.meta.main && process.argv.includes('--write')) {
  const bytes = encodeCatalogue(compileCatalogue(), sourceDigest());
  writeFileSync(CATALOGUE_FILE, bytes);
  process.stderr.write(`wrote ${bytes.length} bytes to policy/prompt/catalogue.bin\n`);
}
