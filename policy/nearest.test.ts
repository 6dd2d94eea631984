import { describe, expect, it } from 'vitest';
import { nearest } from './nearest.ts';

describe('nearest', () => {
  it.each([
    ['--mulitplier', ['--multiplier', '--help'], undefined, '--multiplier'],
    ['QEURY', ['query', 'context'], undefined, 'query'],
    ['tenant_nmae', ['query', 'tenant_name'], 2, 'tenant_name'],
    // A third of "tenantnamexyz" (13 letters) is 4 edits; the template checker allows 2.
    ['tenantnamexyz', ['tenant_name'], undefined, 'tenant_name'],
    ['tenantnamexyz', ['tenant_name'], 2, null],
    ['ab', ['xy', 'ac', 'ad'], 2, 'ac'],
    ['zzz', ['status', 'top'], undefined, null],
    ['query', [], 2, null],
  ])('nearest(%s, %j, %s) = %s', (word, candidates, maxDistance, expected) => {
    expect(nearest(word, new Set(candidates), maxDistance)).toBe(expected);
  });
});
