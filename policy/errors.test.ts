import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode, SluiceError } from './errors.ts';

const docs = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map(
  [...docs.matchAll(/^\| `(SLUICE_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]),
);

describe('error registry', () => {
  it.each(Object.keys(ERRORS) as ErrorCode[])('%s is in docs/errors.md with its status', (code) => {
    expect(documented.get(code)).toBe(ERRORS[code].status);
  });

  it('documents no code that the registry lacks', () => {
    expect([...documented.keys()].filter((code) => !(code in ERRORS))).toEqual([]);
  });

  it('puts the detail before the advice and keeps the code', () => {
    const error = new SluiceError('SLUICE_RATE_LIMITED', 'limit 100 per 1h');
    expect(error).toMatchObject({ code: 'SLUICE_RATE_LIMITED', status: 429 });
    expect(error.toJSON().error.message.startsWith('limit 100 per 1h. ')).toBe(true);
  });
});
