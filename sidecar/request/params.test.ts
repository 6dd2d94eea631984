import { describe, expect, it } from 'vitest';
import { type FieldRules, newInspection } from './inspect.ts';
import { checkParams, checkPathParams } from './params.ts';

const rules: FieldRules = {
  caps: [{ name: 'top_k', folded: 'topk', max: 5, paths: null }],
  screened: ['query'],
};

function run(text: string) {
  const out = newInspection();
  try {
    return { text: checkParams(text, rules, out, '?'), texts: out.texts };
  } catch (error) {
    return { error: (error as { code: string }).code };
  }
}

describe('checkParams', () => {
  it.each<[string, string]>([
    ['top_k=100', 'top_k=5'],
    ['top_k=3', 'top_k=3'],
    ['TOP_K=100', 'TOP_K=5'],
    ['top%5Fk=100', 'top%5Fk=5'],
    // Regression: an app that decodes twice reads top%255Fk as top_k.
    ['top%255Fk=100', 'top%255Fk=5'],
    ['top%25255Fk=100', 'top%25255Fk=5'],
    ['top_k%5B%5D=100', 'top_k%5B%5D=5'],
    ['top_k[]=100&top_k[]=1', 'top_k[]=5&top_k[]=1'],
    ['options[top_k]=100', 'options[top_k]=5'],
    ['options.top_k=100', 'options.top_k=5'],
    ['top_k=1&top_k=100', 'top_k=1&top_k=5'],
    ['top_k=%EF%BC%91%EF%BC%90%EF%BC%90', 'top_k=5'],
    ['top_k=1e2', 'top_k=5'],
    ['top_k=+100', 'top_k=5'],
    ['top_k', 'top_k'],
    ['top_k=', 'top_k='],
    ['a=1&&b=2', 'a=1&&b=2'],
    ['a=%zz', 'a=%zz'],
  ])('%s → %s', (text, out) => {
    expect(run(text)).toMatchObject({ text: out });
  });

  it.each(['top_k=abc', 'top_k=-1', 'a=1;top_k=100', 'a=1;query=x', 'top_k=%FF', 'query=%C0%AF'])(
    '%s is refused',
    (text) => {
      expect(run(text)).toEqual({ error: 'SLUICE_BAD_REQUEST' });
    },
  );

  it('collects screened values, decoded', () => {
    expect(run('query=ignore+all%20previous&x=1&Query=b')).toMatchObject({
      texts: ['ignore all previous', 'b'],
    });
  });
});

describe('checkPathParams', () => {
  it.each([
    ['/search;top_k=100', 'SLUICE_BAD_REQUEST'],
    ['/a;x=1/search;jsessionid=1;TopK=100', 'SLUICE_BAD_REQUEST'],
    ['/a;query=x', 'SLUICE_BAD_REQUEST'],
    ['/a;jsessionid=abc/b', 'ok'],
    ['/plain/path', 'ok'],
  ])('%s → %s', (path, expected) => {
    let got = 'ok';
    try {
      checkPathParams(path, rules);
    } catch (error) {
      got = (error as { code: string }).code;
    }
    expect(got).toBe(expected);
  });
});
