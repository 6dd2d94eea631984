import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRawNumber, type JsonProblem, JsonReadError, readJson } from './strict-json.ts';

const read = (text: string | Buffer, maxDepth = 64) =>
  readJson(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, { maxDepth });

function problem(text: string | Buffer, maxDepth = 64): JsonProblem | 'ok' {
  try {
    read(text, maxDepth);
    return 'ok';
  } catch (error) {
    if (error instanceof JsonReadError) return error.reason;
    throw error;
  }
}

/** The value with exact big integers as doubles, as JSON.parse gives them. */
function plain(value: unknown): unknown {
  if (isRawNumber(value)) return Number(value.rawJSON);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

describe('readJson refuses what two parsers could read two ways', () => {
  it.each<[string, string | Buffer, JsonProblem]>([
    ['a duplicate key at the top', '{"top_k":100,"top_k":3}', 'duplicate-key'],
    ['a duplicate key deep down', '{"a":[{"b":{"top_k":1,"top_k":2}}]}', 'duplicate-key'],
    ['a duplicate key spelt with an escape', '{"top_k":1,"\\u0074op_k":2}', 'duplicate-key'],
    ['a __proto__ key', '{"__proto__":{"admin":true}}', 'proto-key'],
    ['an escaped __proto__ key', '{"\\u005f_proto__":{}}', 'proto-key'],
    ['a lone high surrogate', '{"q":"\\ud800"}', 'surrogate'],
    ['a lone low surrogate', '{"q":"\\udc00x"}', 'surrogate'],
    ['a high surrogate followed by a non-surrogate', '{"q":"\\ud800\\u0041"}', 'surrogate'],
    [
      'invalid UTF-8',
      Buffer.concat([Buffer.from('{"q":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
      'utf8',
    ],
    ['an overlong encoding', Buffer.from([0x22, 0xc0, 0xaf, 0x22]), 'utf8'],
    ['a UTF-8 encoded surrogate (CESU)', Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), 'utf8'],
    ['a truncated sequence', Buffer.from([0x22, 0xe2, 0x82, 0x22]), 'utf8'],
    ['a UTF-16 body', Buffer.from('\ufeff{"a":1}', 'utf16le'), 'utf8'],
    ['1e400 (Infinity)', '{"top_k":1e400}', 'number-range'],
    ['-1e400', '[-1e400]', 'number-range'],
    ['nesting beyond the limit', `${'['.repeat(65)}${']'.repeat(65)}`, 'depth'],
    ['20,000 levels (the crash of issue 12)', `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`, 'depth'],
    ['unclosed nesting', '['.repeat(5), 'syntax'],
    ['unclosed nesting beyond the limit', '['.repeat(5_000), 'depth'],
    ['a trailing comma', '{"a":1,}', 'syntax'],
    ['a comment', '{"a":1 /* c */}', 'syntax'],
    ['single quotes', "{'a':1}", 'syntax'],
    ['NaN', '{"a":NaN}', 'syntax'],
    ['Infinity', '{"a":Infinity}', 'syntax'],
    ['a leading zero', '{"a":0100}', 'syntax'],
    ['a plus sign', '{"a":+1}', 'syntax'],
    ['a bare dot', '{"a":.5}', 'syntax'],
    ['hex', '{"a":0x64}', 'syntax'],
    ['a raw control character', '{"a":"x\ny"}', 'syntax'],
    ['a raw NUL', '{"a":"x\u0000"}', 'syntax'],
    ['an invalid escape', '{"a":"\\x41"}', 'syntax'],
    ['trailing data', '{"a":1}{"top_k":100}', 'syntax'],
    ['two values', '1 2', 'syntax'],
    ['an empty text', '', 'syntax'],
    ['only whitespace', ' \n', 'syntax'],
    ['an unterminated string', '{"a":"abc', 'syntax'],
    ['a non-JSON space (U+00A0)', '{"a":\u00a01}', 'syntax'],
    ['a key that is not a string', '{a:1}', 'syntax'],
    ['a truncated literal', 'tru', 'syntax'],
  ])('%s', (_, text, reason) => {
    expect(problem(text)).toBe(reason);
  });
});

describe('readJson reads valid JSON as JSON.parse does', () => {
  it.each<[string, string, unknown]>([
    ['a leading BOM, dropped', '\ufeff{"a":1}', { a: 1 }],
    ['-0 as 0', '[-0]', [0]],
    ['1e2 as 100', '[1e2]', [100]],
    ['100.0 as 100', '[100.0]', [100]],
    ['an escaped pair', '["\\ud83d\\ude00"]', ['😀']],
    ['escapes', '["\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9"]', ['"\\/\b\f\n\r\té']],
    ['"constructor" as a plain key', '{"constructor":{"prototype":1}}', { constructor: { prototype: 1 } }],
    ['numeric keys', '{"2":1,"10":2}', { 2: 1, 10: 2 }],
    [
      'depth exactly at the limit',
      `${'['.repeat(64)}${']'.repeat(64)}`,
      JSON.parse(`${'['.repeat(64)}${']'.repeat(64)}`),
    ],
    ['15-digit integers', '[999999999999999,-999999999999999]', [999999999999999, -999999999999999]],
  ])('%s', (_, text, expected) => {
    expect(read(text)).toEqual(expected);
  });

  it('keeps integers beyond 2^53 exact, and JSON.stringify writes them back as sent', () => {
    const value = read('{"id":100000000000000000001,"n":-9007199254740993}') as Record<string, unknown>;
    expect(isRawNumber(value['id'])).toBe(true);
    expect(JSON.stringify(value)).toBe('{"id":100000000000000000001,"n":-9007199254740993}');
    expect(read('[9007199254740991]')).toEqual([9007199254740991]);
  });

  it('keeps "__proto__" from ever becoming the prototype', () => {
    expect(() => read('{"a":{"__proto__":{"polluted":true}}}')).toThrow(JsonReadError);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('property: any JSON text without duplicate keys reads as JSON.parse reads it', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const text = JSON.stringify(value);
        if (text.includes('"__proto__"')) return true;
        expect(plain(read(text, 100))).toEqual(JSON.parse(text));
        // Re-serialising what was read gives back the same text (JSON.stringify is canonical).
        expect(JSON.stringify(read(text, 100))).toBe(text);
        return true;
      }),
      { numRuns: 500 },
    );
  });

  it('property: random bytes either read as JSON.parse reads them or fail with a reason, never crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          const value = readJson(bytes, { maxDepth: 8 });
          expect(plain(value)).toEqual(JSON.parse(Buffer.from(bytes).toString('utf8')));
        } catch (error) {
          expect(error).toBeInstanceOf(JsonReadError);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
