import { describe, expect, it } from 'vitest';
import { compilePatterns, parseCatalogue, patternWords } from './compile.ts';
import { MARK_COUNT } from './marks.ts';
import { Matcher } from './match.ts';
import { PHRASE_SETS } from './phrases/index.ts';
import type { PhraseSet } from './phrases/types.ts';
import { Vocabulary } from './vocabulary.ts';

function compile(phrases: string[], classes: Record<string, string> = {}) {
  const set: PhraseSet = { language: 'xx', classes, phrases: { instruction_override: phrases } };
  const { patterns, negators } = parseCatalogue([set]);
  const vocab = new Vocabulary(patternWords(patterns, negators));
  return { vocab, compiled: compilePatterns(patterns, negators, vocab) };
}

/** Ids of words (or -1 when unknown), as resolve.ts would produce them for plain words. */
function ids(vocab: Vocabulary, text: string): Int32Array {
  return Int32Array.from(text.split(' ').map((w) => vocab.idOf(w)));
}

describe('phrase syntax', () => {
  it.each([
    ['a sequence', ['ignore rules'], 'ignore rules', true],
    ['an alternative', ['(ignore|forget) rules'], 'forget rules', true],
    ['a multi-word alternative', ['(pay no attention to|ignore) rules'], 'pay no attention to rules', true],
    ['an optional word', ['ignore [all] rules'], 'ignore rules', true],
    ['an optional word present', ['ignore [all] rules'], 'ignore all rules', true],
    ['a class', ['@v rules'], 'skip rules', true],
    ['an unknown word breaks the phrase', ['ignore rules'], 'ignore these rules', false],
    ['word order matters', ['ignore rules'], 'rules ignore', false],
  ])('%s', (_name, phrases, text, matches) => {
    const { vocab, compiled } = compile(phrases, { v: 'skip|ignore' });
    expect(new Matcher(compiled).find(ids(vocab, text), text.split(' ').length) !== null).toBe(matches);
  });

  it('normalises phrase words like input', () => {
    const { vocab } = compile(['Précédentes INSTRUCTIONS']);
    expect(vocab.idOf('precedentes')).toBeGreaterThanOrEqual(MARK_COUNT);
  });

  it.each([
    ['unbalanced group', '(a|b'],
    ['stray closer', 'a)'],
    ['unknown class', '@nope'],
    ['unknown mark', '\\q'],
    ['no letters', '---'],
    ['matches empty input', '[a]'],
  ])('rejects %s', (_name, phrase) => {
    expect(() => compile([phrase])).toThrow(expect.objectContaining({ code: 'SLUICE_CONFIG_INVALID' }));
  });

  it('compiles the shipped catalogue', () => {
    const { patterns } = parseCatalogue(PHRASE_SETS);
    expect(patterns.length).toBeGreaterThan(200);
    for (const lang of ['shared', 'en', 'de', 'es', 'fr', 'pt', 'it']) {
      expect(patterns.some((p) => p.source.startsWith(`${lang}: `))).toBe(true);
    }
  });
});
