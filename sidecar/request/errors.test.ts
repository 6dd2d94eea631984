import { describe, expect, it } from 'vitest';
import { ERRORS, SluiceError } from '../../policy/errors.ts';
import { errorAnswer, hookError, toSluiceError } from './errors.ts';

describe('errorAnswer', () => {
  it('sends the registry body byte for byte, the error headers over the listener ones', () => {
    const error = new SluiceError('SLUICE_QUEUE_FULL', 'tenant queue holds 5', {
      headers: { 'retry-after': '3' },
      rule: 'queue.maxDepth',
      details: { depth: 5 },
    });
    const answer = errorAnswer(error, { 'retry-after': '1', ratelimit: '"requests";r=0;t=3' });
    expect(answer).toMatchObject({
      status: 503,
      headers: {
        'retry-after': '3',
        ratelimit: '"requests";r=0;t=3',
        'content-type': 'application/json; charset=utf-8',
      },
    });
    expect(answer.body).toBe(
      `{"error":{"code":"SLUICE_QUEUE_FULL","message":"tenant queue holds 5. ${ERRORS.SLUICE_QUEUE_FULL.message}"}}`,
    );
  });

  it('keeps the old constructor calls: no headers, no rule, no details', () => {
    const error = new SluiceError('SLUICE_BAD_REQUEST', 'x', { cause: new Error('inner') });
    expect(error).toMatchObject({
      code: 'SLUICE_BAD_REQUEST',
      headers: {},
      rule: undefined,
      details: undefined,
    });
    expect(error.cause).toBeInstanceOf(Error);
  });
});

describe('toSluiceError', () => {
  it.each([
    [
      'a 4xx with a stack in its message',
      Object.assign(new Error('bad\n    at x (/srv/a.ts:1:1)'), { statusCode: 400 }),
    ],
  ])('%s: only the first line is said', (_name, value) => {
    expect(toSluiceError(value).toJSON().error.message.startsWith('bad. ')).toBe(true);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    [
      'a Proxy whose every trap throws',
      new Proxy(
        {},
        {
          get: () => {
            throw new Error('t');
          },
          getPrototypeOf: () => {
            throw new Error('t');
          },
        },
      ),
    ],
    [
      'a throwing statusCode getter',
      Object.defineProperty({}, 'statusCode', {
        get: () => {
          throw new Error('t');
        },
      }),
    ],
    ['a 5xx framework error', Object.assign(new Error('boom'), { statusCode: 503 })],
  ])('%s is SLUICE_INTERNAL with the registry message only', (_name, value) => {
    expect(toSluiceError(value).toJSON()).toEqual({
      error: { code: 'SLUICE_INTERNAL', message: ERRORS.SLUICE_INTERNAL.message },
    });
  });
});

describe('hookError', () => {
  it.each([undefined, null, 0, '', false, Number.NaN, 0n])(
    'regression: a falsy %s thrown in a hook admitted the request; it is an Error now',
    (value) => {
      expect(hookError(value)).toBeInstanceOf(Error);
    },
  );

  it('passes a real error through', () => {
    const error = new SluiceError('SLUICE_INTERNAL');
    expect(hookError(error)).toBe(error);
  });
});
