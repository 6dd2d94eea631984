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
  it('lets plain parts through, whatever a file part holds', () => {
    const buffer = body(
      part('content-disposition: form-data; name="title"'),
      part('content-disposition: form-data; name="file"; filename="a.json"', '{"top_k":100}'),
    );
    expect(check(buffer)).toBe('ok');
  });

  it.each<[string, string]>([
    ['a part named top_k', 'content-disposition: form-data; name="top_k"'],
    ['a part named TOP-K, unquoted', 'Content-Disposition: form-data; name=TOP-K'],
    ['an RFC 5987 name', "content-disposition: form-data; name*=utf-8''top%5Fk"],
    ['a name in a second header', 'content-disposition: form-data; name="x"\r\nx-other: a; name="query"'],
    ['a file named query', 'content-disposition: form-data; name="f"; filename="query"'],
    ['options[top_k]', 'content-disposition: form-data; name="options[top_k]"'],
  ])('refuses %s', (_, disposition) => {
    expect(check(body(part(disposition)))).toBe('SLUICE_BAD_REQUEST');
  });

  it.each<[string, Buffer]>([
    ['no boundary', Buffer.from('just text')],
    ['no closing boundary', Buffer.from(part('content-disposition: form-data; name="a"'))],
    ['no parts', Buffer.from('--b--\r\n')],
  ])('refuses a body with %s', (_, buffer) => {
    expect(check(buffer)).toBe('SLUICE_BAD_REQUEST');
  });
});
