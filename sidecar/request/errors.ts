/**
 * Any error that reached a listener's error handler, as a registry error. A SluiceError stays
 * what it is; fastify's own 4xx errors get the code of their status; everything else is
 * Sluice's own fault — 500 SLUICE_INTERNAL, which the handler logs once with its stack — and
 * never SLUICE_UPSTREAM_UNAVAILABLE, which would blame the app or the provider
 * (docs/adr/0012-failure-attribution.md). Pure.
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

export function toSluiceError(error: unknown): SluiceError {
  if (error instanceof SluiceError) return error;
  const status = (error as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new SluiceError(BY_STATUS[status] ?? 'SLUICE_BAD_REQUEST', (error as Error).message);
  }
  return new SluiceError('SLUICE_INTERNAL');
}
