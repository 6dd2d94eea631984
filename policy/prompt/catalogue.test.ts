import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CATALOGUE_FILE,
  type Catalogue,
  compileCatalogue,
  decodeCatalogue,
  encodeCatalogue,
  loadCatalogue,
  sourceDigest,
} from './catalogue.ts';

const compiled = compileCatalogue();
const digest = sourceDigest();
const fresh = encodeCatalogue(compiled, digest);

/** Everything a screener reads from a catalogue, as plain arrays (typed-array kind included). */
function plain(c: Catalogue): unknown {
  const seen = (x: unknown): unknown =>
    ArrayBuffer.isView(x) ? [x.constructor.name, Array.from(x as Uint8Array)] : x;
  const state = c.vocab.state();
  return {
    words: c.words,
    vocab: Object.fromEntries(Object.entries(state).map(([k, v]) => [k, seen(v)])),
    compiled: Object.fromEntries(Object.entries(c.compiled).map(([k, v]) => [k, seen(v)])),
  };
}

describe('catalogue snapshot (catalogue.bin)', () => {
  it('is what compiling the phrase sources gives, byte for byte (run `make compile-phrases`)', () => {
    expect(Buffer.compare(readFileSync(CATALOGUE_FILE), fresh)).toBe(0);
  });

  it('decodes to the same trie and automaton as a fresh compile', () => {
    const decoded = decodeCatalogue(fresh, digest);
    expect(decoded).not.toBeNull();
    expect(plain(decoded!)).toEqual(plain(compiled));
    expect(plain(loadCatalogue())).toEqual(plain(compiled));
  });

  it('restored vocabulary answers lookups like the built one', () => {
    const decoded = decodeCatalogue(fresh, digest)!;
    for (const word of [...compiled.words, 'ignorx', 'инструкции', '忽略', 'a11']) {
      expect(decoded.vocab.idOf(word)).toBe(compiled.vocab.idOf(word));
    }
  });

  it('is refused when the phrase sources changed (stale digest), so the catalogue is compiled', () => {
    expect(decodeCatalogue(fresh, 'not-the-digest')).toBeNull();
  });

  it('falls back to compiling when the file is missing', () => {
    const missing = new URL('./no-such-catalogue.bin', import.meta.url);
    expect(plain(loadCatalogue(missing))).toEqual(plain(compiled));
  });

  it('never throws on a truncated or damaged file: null, or arrays within bounds', () => {
    fc.assert(
      fc.property(
        fc.nat(fresh.length),
        fc.array(fc.tuple(fc.nat(fresh.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (cut, edits) => {
          const bytes = Buffer.from(fresh.subarray(0, cut));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          const decoded = decodeCatalogue(bytes, digest);
          if (cut < fresh.length && decoded !== null) {
            // Only a cut inside the last array's padding can still decode.
            expect(cut).toBeGreaterThan(fresh.length - 4);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
