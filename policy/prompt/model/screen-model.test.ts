/**
 * Regressions of the committed weights on benign shapes that public training data once tipped
 * over: one long word repeats one character gram per letter (features.ts emits every occurrence),
 * so a gram with a positive weight made "aaaa…" an attack; base64-wrapped attacks in the public
 * collections made random key material look like one. Training now carries benign examples of
 * both (test/fixtures/prompts/train/generate.ts, encodedBenign).
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { screenText } from '../screen.ts';

const LETTERS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];

describe('learned layer on benign machine-like text', () => {
  it.each(LETTERS.flatMap((c) => [40, 10_000].map((n) => [c, n] as const)))(
    'a run of one character is not an attack (%s × %i, once rejected as "aaaa…")',
    (c, n) => {
      expect(screenText(c.repeat(n)).verdict).toBe('allow');
    },
  );

  it('random key material in a config line is not an attack (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 8, maxLength: 64 }),
        fc.constantFrom('config: ', 'api_key=', 'Authorization: Bearer ', 'checksum ', 'token '),
        fc.boolean(),
        (bytes, context, hex) => {
          const value = Buffer.from(bytes).toString(hex ? 'hex' : 'base64');
          expect(screenText(`${context}${value}`).verdict).toBe('allow');
        },
      ),
      { numRuns: 300, seed: 14 },
    );
  });
});
