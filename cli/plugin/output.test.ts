import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csv, table, usd, usdDecimal } from './output.ts';

describe('csv', () => {
  // Text made mostly of the characters CSV must escape, plus anything else.
  const hostile = fc.oneof(
    fc.string(),
    fc.string({ unit: fc.constantFrom(',', '"', '\n', '\r', ' ', '=', '-', '@', 'a', '\t', 'é') }),
  );
  it('any text survives a round trip through a real CSV parser (formulas get a leading apostrophe)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(hostile, hostile, fc.integer()), { maxLength: 20 }), (rows) => {
        const text = csv(['a', 'b', 'n'], rows);
        // Read as a spreadsheet does: CRLF ends a record, nothing else.
        const back = parse(text, { columns: true, record_delimiter: '\r\n' }) as Record<string, string>[];
        expect(back).toHaveLength(rows.length);
        back.forEach((r, i) => {
          const [a, b, n] = rows[i]!;
          const guarded = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
          expect(r).toEqual({ a: guarded(a), b: guarded(b), n: String(n) });
        });
      }),
    );
  });

  it('quotes commas, quotes and line breaks (RFC 4180), ends lines with CRLF', () => {
    expect(csv(['x'], [['a,b'], ['say "hi"'], ['two\nlines'], ['plain']])).toBe(
      'x\r\n"a,b"\r\n"say ""hi"""\r\n"two\nlines"\r\nplain\r\n',
    );
  });
});

describe('money and tables', () => {
  it.each([
    [0, '$0.00', '0.000000'],
    [870, '$0.00087', '0.000870'],
    [12_300_000, '$12.30', '12.300000'],
    [1_234_567_891, '$1,234.567891', '1234.567891'],
  ])('%d µ$ → %s / %s', (micro, text, decimal) => {
    expect(usd(micro)).toBe(text);
    expect(usdDecimal(micro)).toBe(decimal);
  });

  it('aligns columns three spaces apart under upper-case headers', () => {
    expect(
      table(
        ['name', 'tier'],
        [
          ['acme-legal', 'enterprise'],
          ['x', 'free'],
        ],
      ),
    ).toBe('NAME         TIER\nacme-legal   enterprise\nx            free\n');
  });
});
