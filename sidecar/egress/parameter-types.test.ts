import { describe, expect, it } from 'vitest';
import { checkParameterTypes } from './parameter-types.ts';

const outcome = (format: 'openai' | 'anthropic', body: Record<string, unknown>) => {
  try {
    checkParameterTypes(format, body);
    return 'ok';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('checkParameterTypes', () => {
  it.each<['openai' | 'anthropic', Record<string, unknown>, string]>([
    ['openai', {}, 'ok'],
    ['openai', { temperature: 1.5, top_p: 0.9, n: 1, stop: ['a', 'b'], user: 'u' }, 'ok'],
    ['openai', { temperature: null, stop: null, n: null }, 'ok'],
    ['openai', { stop: 'x' }, 'ok'],
    [
      'anthropic',
      { temperature: 0.5, top_p: 1, top_k: 0, stop_sequences: [], metadata: { user_id: 'u' } },
      'ok',
    ],
    // Regression: through translation a string temperature was silently dropped.
    ['openai', { temperature: '0.2' }, 'SLUICE_BAD_REQUEST'],
    ['openai', { temperature: -1 }, 'SLUICE_BAD_REQUEST'],
    ['openai', { top_p: 2 }, 'SLUICE_BAD_REQUEST'],
    ['openai', { n: 0 }, 'SLUICE_BAD_REQUEST'],
    ['openai', { n: 1.5 }, 'SLUICE_BAD_REQUEST'],
    ['openai', { stop: 5 }, 'SLUICE_BAD_REQUEST'],
    ['openai', { stop: ['a', 1] }, 'SLUICE_BAD_REQUEST'],
    ['openai', { user: {} }, 'SLUICE_BAD_REQUEST'],
    ['anthropic', { top_k: -1 }, 'SLUICE_BAD_REQUEST'],
    ['anthropic', { top_k: '5' }, 'SLUICE_BAD_REQUEST'],
    ['anthropic', { stop_sequences: 'x' }, 'SLUICE_BAD_REQUEST'],
    ['anthropic', { metadata: [] }, 'SLUICE_BAD_REQUEST'],
    ['anthropic', { metadata: { user_id: 1 } }, 'SLUICE_BAD_REQUEST'],
  ])('%s %j → %s', (format, body, expected) => {
    expect(outcome(format, body)).toBe(expected);
  });
});
