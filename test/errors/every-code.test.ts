/**
 * Every registry code, thrown as a SluiceError with headers, rule and details, through a real
 * socket to every listener (test/support/listeners.ts): the answer has the code's status, the
 * error's headers, the JSON content type and the body `{"error":{"code","message"}}` byte for
 * byte (Anthropic clients of the egress: `{"type":"error","error":{…,"type":code}}`), and rule
 * and details stay out of the body (docs/adr/0036-structured-errors.md).
 */
import { describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode, SluiceError } from '../../policy/errors.ts';
import { LISTENER_NAMES, listenersForSuite } from '../support/listeners.ts';

const CODES = Object.keys(ERRORS) as ErrorCode[];

describe('every registry code on every listener', () => {
  const listeners = listenersForSuite();

  it('covers every listener', () => {
    expect(listeners().all.map((l) => l.name)).toEqual(LISTENER_NAMES);
  });

  describe.each(LISTENER_NAMES)('%s', (name) => {
    it.each(CODES)('%s: status, headers and body', async (code) => {
      const listener = listeners().all.find((l) => l.name === name)!;
      const error = new SluiceError(code, 'what exactly went wrong', {
        headers: { 'retry-after': '7', 'ratelimit-policy': '"requests";q=100;w=3600' },
        rule: 'rule-that-fired',
        details: { limit: 100, window: '1h' },
      });
      listener.inject(() => {
        throw error;
      });
      try {
        const answer = await listener.send();
        expect(answer.status).toBe(ERRORS[code].status);
        expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(answer.headers['retry-after']).toBe('7');
        expect(answer.headers['ratelimit-policy']).toBe('"requests";q=100;w=3600');
        const message = `what exactly went wrong. ${ERRORS[code].message}`;
        const expected =
          listener.shape === 'anthropic'
            ? { type: 'error', error: { code, message, type: code } }
            : { error: { code, message } };
        expect(answer.text).toBe(JSON.stringify(expected));
      } finally {
        listener.restore();
      }
    });

    it('still serves afterwards', async () => {
      const listener = listeners().all.find((l) => l.name === name)!;
      expect((await listener.healthy()).status).toBe(200);
    });
  });
});
