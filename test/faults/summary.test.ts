import { describe, expect, it } from 'vitest';
import { summarise } from './summary.ts';

describe('fault summary', () => {
  it('sums every line and fails on anything lost or crashed', () => {
    const a = { test: 'a', faults: 2, requests: 10, lost: 0, crashes: 0 };
    const b = { test: 'b', faults: 1, requests: 5, lost: 0, crashes: 0 };
    expect(summarise(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`)).toEqual({
      line: 'faults=3 requests=15 lost=0 crashes=0 tests=2',
      ok: true,
      tests: 2,
    });
    expect(summarise(JSON.stringify({ ...a, lost: 1 })).ok).toBe(false);
    expect(summarise(JSON.stringify({ ...a, crashes: 1 })).ok).toBe(false);
    expect(summarise('').ok).toBe(false);
  });
});
