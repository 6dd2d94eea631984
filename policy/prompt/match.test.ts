import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePatterns, parseCatalogue, patternWords } from './compile.ts';
import { MARK_COUNT } from './marks.ts';
import { Matcher } from './match.ts';
import { PHRASE_SETS } from './phrases/index.ts';
import { Vocabulary } from './vocabulary.ts';

const { patterns, negators } = parseCatalogue(PHRASE_SETS);
const vocab = new Vocabulary(patternWords(patterns, negators));
const compiled = compilePatterns(patterns, negators, vocab);
const id = (word: string): number => vocab.idOf(word);

describe('Matcher', () => {
  it('the cached DFA (find) and the NFA (exact) agree on where the first match ends (property)', () => {
    const matcher = new Matcher(compiled);
    // Words that occur in many phrases, so random streams do match now and then.
    const words = [
      'ignore',
      'all',
      'previous',
      'instructions',
      'you',
      'are',
      'now',
      'dan',
      'reveal',
      'your',
      'system',
      'prompt',
      'the',
      'above',
      'and',
      'new',
      'what',
    ]
      .map(id)
      .filter((w) => w >= 0);
    const token = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...words) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: MARK_COUNT - 1 }) },
      { weight: 1, arbitrary: fc.integer({ min: -1, max: vocab.size - 1 }) },
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 80 }), (stream) => {
        const ids = Int32Array.from(stream);
        const fast = matcher.find(ids, ids.length);
        const exact = matcher.exact(ids, 0, ids.length, () => true);
        expect(fast?.last ?? null).toBe(exact?.last ?? null);
        if (fast && exact) expect(fast.first).toBe(exact.first);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with the NFA while its transition table grows and after the DFA is reset', () => {
    const matcher = new Matcher(compiled);
    const hot = ['ignore', 'all', 'previous', 'you', 'are', 'now', 'reveal', 'your', 'the', 'new']
      .map(id)
      .filter((w) => w >= 0);
    const token = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...hot) },
      { weight: 3, arbitrary: fc.integer({ min: MARK_COUNT, max: vocab.size - 1 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: MARK_COUNT - 1 }) },
    );
    let grew = false;
    fc.assert(
      fc.property(fc.array(token, { minLength: 50, maxLength: 400 }), (stream) => {
        const ids = Int32Array.from(stream);
        const fast = matcher.find(ids, ids.length);
        const exact = matcher.exact(ids, 0, ids.length, () => true);
        expect(fast?.last ?? null).toBe(exact?.last ?? null);
        if (fast && exact) expect(fast.first).toBe(exact.first);
        if (matcher.dfaSize().table > 4096) grew = true;
      }),
      { numRuns: 1500 },
    );
    // The random vocabulary words reached enough (state, word) pairs to grow the table.
    expect(grew).toBe(true);
  });

  it('reports the start of the match', () => {
    const matcher = new Matcher(compiled);
    const ids = Int32Array.from([id('hello'), id('ignore'), id('all'), id('previous'), id('instructions')]);
    expect(matcher.find(ids, ids.length)).toMatchObject({ first: 1, last: 4 });
  });
});
