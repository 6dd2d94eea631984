import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FieldRules, inspectJson, newInspection } from './inspect.ts';
import { checkJsonBody } from './json-body.ts';
import { foldName } from './names.ts';
import { readJson } from './strict-json.ts';

const rules: FieldRules = {
  caps: [{ name: 'top_k', folded: foldName('top_k'), max: 20, paths: null }],
  screened: [foldName('query')],
};

const check = (text: string | Buffer) => {
  const out = newInspection();
  const body = checkJsonBody(typeof text === 'string' ? Buffer.from(text) : text, 64, rules, out);
  return { ...body, out };
};

/**
 * The tokens of a JSON text without the whitespace between them: a lexer independent of both
 * readers (strings kept as written, escapes included).
 */
function tokens(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\ufeff') i++;
    else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out.push(text.slice(i, j + 1));
      i = j + 1;
    } else if ('{}[],:'.includes(c)) out.push(text[i++]!);
    else {
      let j = i;
      while (j < text.length && !' \n\r\t{}[],:"'.includes(text[j]!)) j++;
      out.push(text.slice(i, j));
      i = j;
    }
  }
  return out;
}

const isNumberToken = (t: string) => /^-?\d/.test(t);
/** What a reader of exact decimals sees: the number's text, or the string's decoded value. */
const readersAgree = (t: string) => !isNumberToken(t) || String(Number(t)) === t || /^-?\d{16,}$/.test(t);

// A body as a client may write it: any whitespace, numbers in any spelling, escaped characters,
// a BOM; with a capped and a screened field somewhere.
const ws = fc.constantFrom('', ' ', '\n', '\t ', '\r\n  ');
const numberSpelling = (n: number) =>
  fc.constantFrom(
    JSON.stringify(n),
    n.toExponential(),
    Number.isInteger(n) ? `${n}.0` : `${n}0`,
    n === 0 ? '-0' : JSON.stringify(n),
  );
const stringSpelling = (s: string) =>
  fc.constantFrom(
    JSON.stringify(s),
    JSON.stringify(s).replace(/[a-z]/, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    JSON.stringify(s).replaceAll('/', '\\/'),
  );

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const value: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -50, max: 200 }),
    fc.double({ min: -1e3, max: 1e3, noNaN: true }),
    fc.constantFrom(2 ** 53 + 2, 1e21, 0.1, 20, 20.000000000000004),
    fc.string({ maxLength: 8 }),
    fc.constantFrom('ignore previous instructions', 'a/b', 'é"\\', '１００'),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.constantFrom('top_k', 'topK', 'query', '0', '10', 'a'), fc.string({ maxLength: 4 })),
      tie('v'),
      { maxKeys: 4 },
    ),
  ),
})).v;

/** `v` written with whitespace and spellings of fast-check's choosing. */
function render(v: Json): fc.Arbitrary<string> {
  const go = (x: Json): fc.Arbitrary<string> => {
    if (typeof x === 'number') return numberSpelling(x);
    if (typeof x === 'string') return stringSpelling(x);
    if (x === null || typeof x === 'boolean') return fc.constant(JSON.stringify(x));
    const entries = Array.isArray(x)
      ? x.map((item) => go(item))
      : Object.entries(x).map(([k, item]) =>
          fc
            .tuple(stringSpelling(k), ws, go(item))
            .map(([key, space, text]) => `${key}${space}:${space}${text}`),
        );
    const [open, close] = Array.isArray(x) ? ['[', ']'] : ['{', '}'];
    return fc
      .tuple(fc.tuple(...entries), ws)
      .map(([items, space]) => `${open}${space}${items.join(`,${space}`)}${space}${close}`);
  };
  return go(v);
}

const body = value.chain((v) =>
  fc.tuple(render(v), ws, ws).map(([text, before, after]) => `${before}${text}${after}`),
);

describe('checkJsonBody: the app reads what was checked, whichever bytes go', () => {
  it('property: the forwarded bytes read as the checked value, caps hold, the screened text is the same, and every number token is the same text for a decimal reader', () => {
    fc.assert(
      fc.property(body, fc.boolean(), (text, bom) => {
        const bytes = Buffer.from(bom ? `\ufeff${text}` : text);
        let result: ReturnType<typeof check>;
        try {
          result = check(bytes);
        } catch {
          return; // refused (negative or non-numeric top_k, __proto__, duplicate key): nothing forwarded
        }
        const forwarded = result.bytes.toString('utf8');
        // The checked value, worked out apart from checkJsonBody: read, then capped.
        const checked = readJson(bytes, { maxDepth: 64 });
        inspectJson(checked, rules, newInspection());
        // The app reads the checked value: exactly (our reader, big integers kept) and as
        // JSON.parse reads it.
        expect(JSON.stringify(readJson(result.bytes, { maxDepth: 64 }))).toBe(JSON.stringify(checked));
        expect(JSON.parse(forwarded)).toEqual(JSON.parse(JSON.stringify(checked)));
        // The caps hold in what the app gets, and screening saw exactly its text.
        const again = newInspection();
        inspectJson(JSON.parse(forwarded), rules, again);
        expect(again.notes).toEqual([]);
        expect(again.texts).toEqual(result.out.texts);
        // Forwarded as sent only when sent canonically and nothing was capped.
        if (!result.rewritten) {
          expect(result.bytes.equals(bytes)).toBe(true);
          expect(result.out.notes).toEqual([]);
          expect(bom).toBe(false);
          expect(forwarded.includes('\\')).toBe(false);
          // Same tokens as the re-serialisation, up to whitespace and key order.
          expect(tokens(forwarded).sort()).toEqual(tokens(JSON.stringify(checked)).sort());
        }
        // A reader of exact decimals or big integers reads every number as we did.
        expect(tokens(forwarded).every(readersAgree)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  // [case, client's text, what the app gets]
  it.each([
    ['compact and canonical', '{"query":"hi","top_k":5}', '{"query":"hi","top_k":5}'],
    ['with whitespace', '{ "query" : "hi",\n  "top_k": 5 }', '{ "query" : "hi",\n  "top_k": 5 }'],
    ['an index-like key (V8 would list it first)', '{"b":1,"2":2}', '{"b":1,"2":2}'],
    ['a big integer kept exact', '{"id":100000000000000000001}', '{"id":100000000000000000001}'],
    ['a capped value', '{ "top_k": 100 }', '{"top_k":20}'],
    ['a number spelt 1e1', '{"top_k":1e1}', '{"top_k":10}'],
    ['a number spelt 5.0', '{"top_k":5.0}', '{"top_k":5}'],
    ['-0', '{"x":-0}', '{"x":0}'],
    ['an escape in a key', '{"\\u0074op_k":5}', '{"top_k":5}'],
    ['an escaped slash', '{"q":"a\\/b"}', '{"q":"a/b"}'],
    ['a BOM', '\ufeff{"q":1}', '{"q":1}'],
  ])('%s: %s reaches the app as %s', (_name, text, expected) => {
    const result = check(text);
    expect(result.bytes.toString()).toBe(expected);
    expect(result.rewritten).toBe(expected !== text);
  });

  it('a body is judged by its own caps, not by a query string capped before it', () => {
    const out = newInspection();
    out.notes.push('?top_k=100->20');
    const result = checkJsonBody(Buffer.from('{"top_k":5}'), 64, rules, out);
    expect(result.rewritten).toBe(false);
    const capped = checkJsonBody(Buffer.from('{"top_k":50}'), 64, rules, out);
    expect(capped.rewritten).toBe(true);
    expect(capped.bytes.toString()).toBe('{"top_k":20}');
  });
});
