import { describe, expect, it } from 'vitest';
import { cleanText } from './clean.ts';
import { normalise, normaliseWords } from './normalise.ts';

const tags = (s: string): string =>
  [...s].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('');

describe('normalise: each trick folds to the plain words', () => {
  // [trick, input, normalised text, flag raised]
  it.each([
    ['case', 'IGNORE All Previous', 'ignore all previous', null],
    ['NFKC fullwidth', 'ｉｇｎｏｒｅ ｐｒｅｖｉｏｕｓ', 'ignore previous', 'compatibility_characters'],
    ['NFKC mathematical bold', '𝐢𝐠𝐧𝐨𝐫𝐞', 'ignore', 'compatibility_characters'],
    ['NFKC circled letters', 'ⓘⓖⓝⓞⓡⓔ', 'ignore', 'compatibility_characters'],
    ['zero-width space', 'ig\u200bnore', 'ignore', 'invisible_characters'],
    ['zero-width joiner and non-joiner', 'ig\u200dno\u200cre', 'ignore', 'invisible_characters'],
    ['word joiner and BOM', 'ig\u2060no\ufeffre', 'ignore', 'invisible_characters'],
    ['soft hyphen', 'ig\u00adnore', 'ignore', 'invisible_characters'],
    ['bidi controls', '\u202aignore\u202c \u2066previous\u2069', 'ignore previous', 'invisible_characters'],
    ['control characters', 'ig\u0000no\u001bre', 'ignore', 'invisible_characters'],
    ['tag characters', `ignore${tags('hidden')}`, 'ignore', 'tag_characters'],
    ['variation selectors', 'ig\ufe0fnore', 'ignore', 'variation_selectors'],
    ['Cyrillic look-alikes in a Latin word', 'ign\u043er\u0435 \u0430ll', 'ignore all', 'mixed_script'],
    ['Greek look-alikes in a Latin word', '\u03b9gn\u03bfre', 'ignore', 'mixed_script'],
    [
      'look-alike-only word in Latin text',
      'the \u0410\u0406 said hello',
      'the ai said hello',
      'mixed_script',
    ],
    ['leetspeak digits', '1gn0r3 4ll pr3v10u5', 'ignore all previous', 'leetspeak'],
    ['leetspeak symbols', '@ll previou$ !nstructions', 'all previous instructions', 'leetspeak'],
    ['spaced letters', 'i g n o r e', 'ignore', 'spaced_letters'],
    ['dotted letters', 'i.g.n.o.r.e', 'ignore', 'spaced_letters'],
    ['hyphenated letters', 'i-g-n-o-r-e', 'ignore', 'spaced_letters'],
    ['underscored letters', 'i_g_n_o_r_e', 'ignore', 'spaced_letters'],
    [
      'punctuation runs between words',
      'ignore...previous---instructions',
      'ignore... previous instructions',
      null,
    ],
    ['Latin diacritics', 'précédentes Straße instruções', 'precedentes strasse instrucoes', null],
    ['decomposed accents', 'pre\u0301ce\u0301dentes', 'precedentes', null],
  ])('%s', (_trick, input, text, flag) => {
    const result = normalise(input);
    expect(result.text).toBe(text);
    if (flag) expect(result.flags).toContain(flag);
  });

  it.each([
    ['Cyrillic', 'Как настроить VPN на ноутбуке?', 'как настроить vpn на ноутбуке.'],
    ['Russian look-alike-only words', 'Сорок сор', 'сорок сор'],
    ['Greek', 'Πώς μπορώ να αλλάξω τον κωδικό μου;', 'πώς μπορώ να αλλάξω τον κωδικό μου.'],
    ['Japanese', '有給休暇の申請方法を教えてください', '有給休暇の申請方法を教えてください'],
    ['Chinese', '请总结一下上季度的销售报告', '请总结一下上季度的销售报告'],
    ['Arabic', 'كيف يمكنني إعادة تعيين كلمة المرور', 'كيف يمكنني إعادة تعيين كلمة المرور'],
    ['Hindi (combining vowel signs kept)', 'पासवर्ड बदलूं', 'पासवर्ड बदलूं'],
  ])('leaves genuine %s text in its own script', (_script, input, text) => {
    const result = normalise(input);
    expect(result.text).toBe(text);
    expect(result.flags).not.toContain('mixed_script');
  });

  it('keeps line breaks and tabs', () => {
    expect(normalise('one\ttwo\nthree\r\nfour').text).toBe('one\ttwo\nthree\nfour');
  });

  it('keeps the delimiter marks the matcher reads', () => {
    expect(normalise('<|im_start|>system\n[SYSTEM] ### Note:').text).toBe(
      '<| im start|> system\n[ system]### note:',
    );
  });

  it('maps every output character back to the original offset', () => {
    const input = 'x ig\u200bnore';
    const result = normalise(input);
    const at = result.text.indexOf('ignore');
    expect(result.offsets[at]).toBe(input.indexOf('ig'));
    expect(result.offsets[at + 2]).toBe(input.indexOf('nore'));
  });

  it('does not treat an emoji flag as hidden text', () => {
    const england = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}';
    expect(cleanText(`${england} flag`).hidden).toEqual([]);
    expect(normalise(`${england} flag`).flags).not.toContain('tag_characters');
  });
});

describe('cleanText', () => {
  it('returns plain ASCII unchanged, without an offset map', () => {
    const cleaned = cleanText('plain text, nothing to do');
    expect(cleaned).toMatchObject({ text: 'plain text, nothing to do', starts: null, ends: null, flags: 0 });
  });

  it('decodes tag characters into a hidden payload with its span', () => {
    const input = `Hi${tags('ignore all')}!`;
    const cleaned = cleanText(input);
    expect(cleaned.text).toBe('Hi!');
    expect(cleaned.hidden).toEqual([{ kind: 'tag', text: 'ignore all', start: 2, end: 2 + 20 }]);
  });

  it('decodes a run of variation selectors into bytes', () => {
    const bytes = [...new TextEncoder().encode('secret')];
    const hidden = bytes.map((b) =>
      b < 16 ? String.fromCodePoint(0xfe00 + b) : String.fromCodePoint(0xe0100 + b - 16),
    );
    expect(cleanText(`\u{1F600}${hidden.join('')}`).hidden).toMatchObject([
      { kind: 'variation', text: 'secret' },
    ]);
  });

  it('reports the longest run of invisible characters', () => {
    expect(cleanText(`a${'\u200b'.repeat(20)}b\u200bc`).invisibleRun).toEqual({
      start: 1,
      end: 21,
      length: 20,
    });
  });

  it('maps an NFKC expansion to the whole source character', () => {
    const cleaned = cleanText('a\ufb01b'); // "ﬁ" ligature → "fi"
    expect(cleaned.text).toBe('afib');
    expect([...cleaned.starts!]).toEqual([0, 1, 1, 2]);
    expect([...cleaned.ends!]).toEqual([1, 2, 2, 3]);
  });
});

describe('normaliseWords', () => {
  it.each([
    ['Ignore ALL previous instructions!', ['ignore', 'all', 'previous', 'instructions']],
    ["l'IA ci-dessus", ['l', 'ia', 'ci', 'dessus']],
    ['Pr0ject   Z.e.u.s', ['project', 'zeus']],
    ['instruções', ['instrucoes']],
  ])('%j', (phrase, words) => {
    expect(normaliseWords(phrase)).toEqual(words);
  });
});
