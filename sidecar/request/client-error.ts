/**
 * Answers for requests that never reach a route: Node's HTTP parser refused them (fastify's
 * clientErrorHandler) or they asked for a tunnel (CONNECT). Both listeners, ingress and egress,
 * answer with a registry code in the same JSON body as every other Sluice error, written on the
 * socket by hand because there is no request object yet (docs/adr/0012-failure-attribution.md):
 *
 *   ERR_HTTP_REQUEST_TIMEOUT             408 SLUICE_REQUEST_TIMEOUT (--client-timeout-ms)
 *   HPE_HEADER_OVERFLOW, long first line 414 SLUICE_URI_TOO_LONG
 *   HPE_HEADER_OVERFLOW, otherwise       431 SLUICE_HEADERS_TOO_LARGE
 *   HPE_INVALID_VERSION, "HTTP/x.y"      505 SLUICE_HTTP_VERSION_UNSUPPORTED
 *   anything else (CL+TE, NUL in a header, bad chunking, HTTP/1.0 body without a length, …)
 *                                        400 SLUICE_BAD_REQUEST, naming the parser's reason
 *   CONNECT                              405 SLUICE_METHOD_NOT_ALLOWED
 * None of these reached authentication, so none counts against any tenant's limit.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorCode, SluiceError } from '../../policy/errors.ts';
import { errorAnswer } from './errors.ts';

/** The first request line longer than this (bytes) makes a header overflow a 414. */
const LONG_TARGET = 4_096;

/** The raw HTTP/1.1 answer for a registry error; the connection is closed after it. */
export function rawErrorResponse(code: ErrorCode, detail?: string): string {
  // The same status, headers and body as every other error answer (errors.ts errorAnswer).
  const { status, headers, body } = errorAnswer(new SluiceError(code, detail));
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    lines.join('') +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    'connection: close\r\n\r\n' +
    body
  );
}

/** What a Node parser error carries (fastify types `rawPacket` loosely). */
export interface ParserError {
  code?: string;
  message: string;
  rawPacket?: unknown;
}

const packet = (error: ParserError): Buffer | null =>
  Buffer.isBuffer(error.rawPacket) ? error.rawPacket : null;

/** Which registry error a Node parser error is. */
export function clientErrorCode(error: ParserError): ErrorCode {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'SLUICE_REQUEST_TIMEOUT';
    case 'HPE_HEADER_OVERFLOW': {
      const raw = packet(error);
      const eol = raw ? raw.indexOf('\r\n') : -1;
      return raw && (eol < 0 ? raw.length : eol) > LONG_TARGET
        ? 'SLUICE_URI_TOO_LONG'
        : 'SLUICE_HEADERS_TOO_LARGE';
    }
    case 'HPE_INVALID_VERSION': {
      const raw = packet(error);
      const eol = raw ? raw.indexOf('\r\n') : -1;
      const line = raw ? raw.toString('latin1', 0, eol < 0 ? Math.min(raw.length, LONG_TARGET) : eol) : '';
      return / HTTP\/\d\.\d$/.test(line) ? 'SLUICE_HTTP_VERSION_UNSUPPORTED' : 'SLUICE_BAD_REQUEST';
    }
    default:
      return 'SLUICE_BAD_REQUEST';
  }
}

function finish(socket: Duplex, response: string): void {
  if (socket.writable) socket.end(response);
  // A client that keeps sending must not hold the socket: close it shortly after the answer.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/** fastify's `clientErrorHandler`: a registry answer instead of fastify's `{"error":"Bad Request"}`. */
export function answerClientError(error: ParserError, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code = clientErrorCode(error);
  const detail =
    code === 'SLUICE_BAD_REQUEST'
      ? `${error.code ?? 'parse error'}: ${error.message.replace(/^Parse Error: /, '')}`
      : undefined;
  finish(socket, rawErrorResponse(code, detail));
}

/** The server's 'connect' listener: the sidecar is not a tunnel. */
export function answerConnect(_request: unknown, socket: Duplex): void {
  finish(socket, rawErrorResponse('SLUICE_METHOD_NOT_ALLOWED', 'CONNECT'));
}
