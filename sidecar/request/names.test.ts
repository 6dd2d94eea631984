import { describe, expect, it } from 'vitest';
import { isSluiceHeaderName } from '../../policy/wire.ts';
import { foldName, foldsTo, matchName } from './names.ts';

describe('field-name folding', () => {
  it.each([
    ['top_k', 'topk'],
    ['TOP_K', 'topk'],
    ['topK', 'topk'],
    ['top-k', 'topk'],
    ['top.k', 'topk'],
    ['Top K', 'topk'],
    ['ｔｏｐ＿ｋ', 'topk'],
    ['\u212a', 'k'], // Kelvin sign
    ['query', 'query'],
    ['Ｑuery', 'query'],
    ['täg', 'täg'],
  ])('%s folds to %s', (name, folded) => {
    expect(foldName(name)).toBe(folded);
    expect(foldsTo(name, folded)).toBe(true);
  });

  it.each([
    ['top_k2', 'topk'],
    ['topk_', 'top'],
    ['stop_k', 'topk'],
    ['', 'topk'],
  ])('%s does not fold to %s', (name, folded) => {
    expect(foldsTo(name, folded)).toBe(false);
  });

  it('matchName finds the first folded name', () => {
    expect(matchName('Query', ['topk', 'query'])).toBe(1);
    expect(matchName('other', ['topk', 'query'])).toBe(-1);
  });
});

describe('Sluice header names, as a WSGI stack would read them too', () => {
  it.each([
    ['x-sluice-tenant', true],
    ['X-Sluice-Tenant', true],
    ['x_sluice_tenant', true],
    ['X_SLUICE_TIER', true],
    ['x.sluice.tenant', true],
    ['xsluicetenant', true],
    ['x-sluice_tenant', true],
    ['sluice-capped', true],
    ['x-sluicer', true],
    ['x-slice-tenant', false],
    ['x-request-id', false],
    ['authorization', false],
  ])('%s → %s', (name, expected) => {
    expect(isSluiceHeaderName(name)).toBe(expected);
  });
});
