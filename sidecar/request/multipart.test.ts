import { describe, expect, it } from 'vitest';
import type { FieldRules } from './inspect.ts';
import { checkMultipartNames } from './multipart.ts';

const rules: FieldRules = {
  caps: [{ name: 'top_k', folded: 'topk', max: 5, paths: null }],
  screened: ['query'],
};
const part = (disposition: string, value = 'v') => `--b\r\n${disposition}\r\n\r\n${value}\r\n`;
const body = (...parts: string[]) => Buffer.from(`${parts.join('')}--b--\r\n`);

function check(buffer: Buffer): string {
  try {
    checkMultipartNames(buffer, 'b', rules);
    return 'ok';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe('checkMultipartNames', () => {
  it.each<[string, Buffer, string]>([
    [
      'plain parts',
      body(
        part('content-disposition: form-data; name="title"'),
        part('content-disposition: form-data; name="file"; filename="a.json"', '{"top_k":100}'),
      ),
      'ok',
    ],
    ['a part named top_k', body(part('content-disposition: form-data; name="top_k"')), 'SLUICE_BAD_REQUEST'],
    [
      'a part named TOP-K, unquoted',
      body(part('Content-Disposition: form-data; name=TOP-K')),
      'SLUICE_BAD_REQUEST',
    ],
    [
      'an RFC 5987 name',
      body(part("content-disposition: form-data; name*=utf-8''top%5Fk")),
      'SLUICE_BAD_REQUEST',
    ],
    [
      'a name in a second header',
      body(part('content-disposition: form-data; name="x"\r\nx-other: a; name="query"')),
      'SLUICE_BAD_REQUEST',
    ],
    [
      'a file named query',
      body(part('content-disposition: form-data; name="f"; filename="query"')),
      'SLUICE_BAD_REQUEST',
    ],
    [
      'options[top_k]',
      body(part('content-disposition: form-data; name="options[top_k]"')),
      'SLUICE_BAD_REQUEST',
    ],
    ['no boundary', Buffer.from('just text'), 'SLUICE_BAD_REQUEST'],
    [
      'no closing boundary',
      Buffer.from(part('content-disposition: form-data; name="a"')),
      'SLUICE_BAD_REQUEST',
    ],
    ['no parts', Buffer.from('--b--\r\n'), 'SLUICE_BAD_REQUEST'],
  ])('%s → %s', (_, buffer, expected) => {
    expect(check(buffer)).toBe(expected);
  });
});
