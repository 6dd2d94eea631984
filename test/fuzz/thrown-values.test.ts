/**
 * Whatever a bug throws — any value: null, a string, a symbol, a BigInt, an Error with a stack, an
 * object claiming a statusCode, an object whose getters throw, a Proxy that throws on every
 * look — every listener (test/support/listeners.ts) answers a registry error and keeps serving:
 * the status is the code's, the body is `{"error":{"code","message"}}`, anything that is not a
 * SluiceError or a 4xx framework error is 500 SLUICE_INTERNAL, and no stack frame, file path or
 * thrown text beyond a 4xx error's first line reaches the client (docs/adr/0036-structured-errors.md).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode, SluiceError } from '../../policy/errors.ts';
import { LISTENER_NAMES, listenersForSuite } from '../support/listeners.ts';
import { fuzzOptions } from './fuzz-options.ts';

const CODES = Object.keys(ERRORS) as ErrorCode[];

const hostile = fc.constantFrom<() => unknown>(
  // Falsy: fastify reads a falsy error as "no error" (sidecar/request/errors.ts hookError).
  () => undefined,
  () => null,
  () => 0,
  () => '',
  () => false,
  () => Number.NaN,
  () => 0n,
  () =>
    new Proxy(
      {},
      {
        get() {
          throw new Error('trap: get');
        },
        getPrototypeOf() {
          throw new Error('trap: getPrototypeOf');
        },
        has() {
          throw new Error('trap: has');
        },
        ownKeys() {
          throw new Error('trap: ownKeys');
        },
      },
    ),
  () =>
    Object.defineProperty({}, 'statusCode', {
      get() {
        throw new Error('getter');
      },
      enumerable: true,
    }),
  () => ({ toString: 'not a function', valueOf: 'nor this', message: 42 }),
  () => Object.create(null),
  () => Symbol('thrown'),
  () => 10n ** 30n,
  () => () => 'a function',
  () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    return cyclic;
  },
);

/** A thrown value and whether it is a 4xx the framework may name (its first line may be echoed). */
const thrown = fc.oneof(
  fc.anything().map((v) => () => v),
  fc.string().map((m) => () => new Error(m)),
  fc.string().map((m) => () => new TypeError(`${m}\n    at secret (/srv/sluice/x.ts:1:1)`)),
  fc
    .record({ statusCode: fc.oneof(fc.integer({ min: -1, max: 700 }), fc.double()), message: fc.anything() })
    .map((v) => () => Object.assign(new Error('framework'), v)),
  fc.record({ code: fc.constantFrom(...CODES), detail: fc.option(fc.string(), { nil: undefined }) }).map(
    ({ code, detail }) =>
      () =>
        new SluiceError(code, detail),
  ),
  hostile,
  hostile,
);

/** `instanceof` that a Proxy's getPrototypeOf trap cannot make throw. */
function isA<T>(value: unknown, type: abstract new (...args: never[]) => T): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

function is4xx(value: unknown): boolean {
  try {
    const status = (value as { statusCode?: unknown }).statusCode;
    return typeof status === 'number' && status >= 400 && status < 500;
  } catch {
    return false;
  }
}

describe('random thrown values on every listener', () => {
  const listeners = listenersForSuite();

  it.each(LISTENER_NAMES)('%s answers a registry error, leaks nothing and keeps serving', async (name) => {
    const listener = listeners().all.find((l) => l.name === name)!;
    await fc.assert(
      fc.asyncProperty(thrown, async (make) => {
        const value = make();
        listener.inject(() => {
          throw value;
        });
        let answer: Awaited<ReturnType<typeof listener.send>>;
        try {
          answer = await listener.send();
        } finally {
          listener.restore();
        }
        const body = JSON.parse(answer.text) as { error: { code: ErrorCode; message: string } };
        const { code, message } = body.error;
        expect(Object.keys(ERRORS)).toContain(code);
        expect(answer.status).toBe(ERRORS[code].status);
        if (isA(value, SluiceError)) expect(code).toBe(value.code);
        else if (!is4xx(value)) {
          // Nothing of the thrown value is said: the registry's message alone.
          expect(code).toBe('SLUICE_INTERNAL');
          expect(message).toBe(ERRORS.SLUICE_INTERNAL.message);
        }
        expect(answer.text).not.toMatch(/\bat .*:\d+:\d+|\/srv\/|node:internal|\\n {4}at /);
        if (isA(value, Error) && typeof value.stack === 'string') {
          for (const frame of value.stack.split('\n').slice(1)) {
            if (frame.trim() !== '') expect(answer.text).not.toContain(frame.trim());
          }
        }
      }),
      fuzzOptions(40),
    );
    expect((await listener.healthy()).status).toBe(200);
  });
});
