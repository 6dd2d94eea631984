import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDurationMs } from './duration.ts';

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['7d', 604_800_000],
    ['1d2h3m4s', 93_784_000],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', '2', 'h', '2 h', '30m1h', '1.5h', '-1h', '2hh', '2w'])('%j is not a duration', (text) => {
    expect(parseDurationMs(text)).toBeNull();
  });

  it('format then parse gives the whole seconds back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 366 * 86_400 }), (seconds) => {
        expect(parseDurationMs(formatDuration(seconds * 1000))).toBe(seconds * 1000);
      }),
    );
  });
});
