import { describe, expect, it } from 'vitest';
import { numericValue } from './numeric.ts';

describe('numericValue: what a lenient reader takes a string for', () => {
  it.each<[string, number]>([
    ['100', 100],
    [' 100 ', 100],
    ['\t100\n', 100],
    ['+100', 100],
    ['-1', -1],
    ['1e2', 100],
    ['1E+2', 100],
    ['100.0', 100],
    ['5.', 5],
    ['.5', 0.5],
    ['１００', 100],
    ['\u3000100\u3000', 100],
    ['1_000', 1000],
    ['0x64', 100],
    ['0X64', 100],
    ['0o144', 100],
    ['0b1100100', 100],
    ['-0x10', -16],
    ['inf', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['0100', 100],
  ])('%j → %d', (text, value) => {
    expect(numericValue(text)).toBe(value);
  });

  it.each(['nan', 'NaN'])('%j → NaN', (text) => {
    expect(numericValue(text)).toBeNaN();
  });

  it.each([
    '',
    ' ',
    '100abc',
    '1 0',
    '1e',
    'e5',
    '1__0',
    '_1',
    '0x',
    'abc',
    'constructor',
    'toString',
    '١٠٠x',
    '1.2.3',
    '--1',
  ])('%j is not a number', (text) => {
    expect(numericValue(text)).toBeNull();
  });
});
