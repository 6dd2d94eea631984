/**
 * Any error that reached a listener's error handler, as a registry error, and the answer it
 * becomes. A SluiceError stays what it is; fastify's own 4xx errors get the code of their status;
 * everything else — whatever was thrown: a TypeError, a string, null, an object whose getters
 * throw — is Sluice's own fault: 500 SLUICE_INTERNAL, which the handler logs once with its stack,
 * and never SLUICE_UPSTREAM_UNAVAILABLE, which would blame the app or the provider
 * (docs/adr/0012-failure-attribution.md). Pure; the listeners' adapters are in error-handler.ts
 * (docs/adr/0036-structured-errors.md).
 */
import { type ErrorCode, SluiceError } from '../../policy/errors.ts';

const BY_STATUS: Record<number, ErrorCode> = {
  404: 'SLUICE_ROUTE_UNKNOWN',
  405: 'SLUICE_METHOD_NOT_ALLOWED',
  408: 'SLUICE_REQUEST_TIMEOUT',
  413: 'SLUICE_BODY_TOO_LARGE',
  414: 'SLUICE_URI_TOO_LONG',
  415: 'SLUICE_UNSUPPORTED_MEDIA_TYPE',
  431: 'SLUICE_HEADERS_TOO_LARGE',
};

/** The content type of every error answer Sluice writes itself. */
export const ERROR_CONTENT_TYPE = 'application/json; charset=utf-8';

export function toSluiceError(error: unknown): SluiceError {
  try {
    if (error instanceof SluiceError) return error;
    // fastify's own errors (body too large, bad media type, ...) carry a 4xx statusCode.
    if (typeof error === 'object' && error !== null) {
      const { statusCode: status, message } = error as { statusCode?: unknown; message?: unknown };
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return new SluiceError(BY_STATUS[status] ?? 'SLUICE_BAD_REQUEST', firstLine(message));
      }
    }
  } catch {
    // A Proxy or a getter that throws while being looked at: as unknown as anything else.
  }
  return new SluiceError('SLUICE_INTERNAL');
}

/**
 * What a callback-style fastify hook passes to `done` for a caught value. fastify takes a falsy
 * error (`throw undefined`, `Promise.reject()`, `throw 0`) for "no error" and lets the request
 * through — a limiter failing that way would admit it (test/fuzz/thrown-values.test.ts found
 * this). A falsy value becomes an Error, so it is answered 500 SLUICE_INTERNAL instead.
 */
export function hookError(value: unknown): Error {
  return (value || new Error(`a falsy value was thrown: ${String(value)}`)) as Error;
}

/** One line of a message: a stack or a multi-line dump must not reach the client. */
function firstLine(message: unknown): string | undefined {
  if (typeof message !== 'string' || message === '') return undefined;
  const eol = message.search(/[\r\n]/);
  return eol < 0 ? message : message.slice(0, eol);
}

export interface ErrorAnswer {
  error: SluiceError;
  status: number;
  /** The error's own headers over `extra`, and the JSON content type. */
  headers: Record<string, string>;
  /** `{"error":{"code":…,"message":…}}`, or the listener's own shape of it (`shape`). */
  body: string;
}

/**
 * The answer for anything thrown: status, headers and body. `extra` are headers the listener
 * adds (the ingress's RateLimit headers); the error's own headers win over them.
 */
export function errorAnswer(
  thrown: unknown,
  extra?: Readonly<Record<string, string>>,
  shape?: (error: SluiceError) => unknown,
): ErrorAnswer {
  const error = toSluiceError(thrown);
  return {
    error,
    status: error.status,
    headers: { ...extra, ...error.headers, 'content-type': ERROR_CONTENT_TYPE },
    body: JSON.stringify(shape ? shape(error) : error.toJSON()),
  };
}
