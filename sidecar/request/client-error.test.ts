import { describe, expect, it } from 'vitest';
import { clientErrorCode, rawErrorResponse } from './client-error.ts';
import { toSluiceError } from './errors.ts';

describe('clientErrorCode', () => {
  it.each([
    [{ code: 'ERR_HTTP_REQUEST_TIMEOUT', message: '' }, 'SLUICE_REQUEST_TIMEOUT'],
    [
      { code: 'HPE_HEADER_OVERFLOW', message: '', rawPacket: Buffer.from(`GET /${'a'.repeat(9_000)}`) },
      'SLUICE_URI_TOO_LONG',
    ],
    [
      {
        code: 'HPE_HEADER_OVERFLOW',
        message: '',
        rawPacket: Buffer.from(`GET / HTTP/1.1\r\nx: ${'a'.repeat(9_000)}`),
      },
      'SLUICE_HEADERS_TOO_LARGE',
    ],
    [
      { code: 'HPE_INVALID_VERSION', message: '', rawPacket: Buffer.from('GET / HTTP/1.2\r\n') },
      'SLUICE_HTTP_VERSION_UNSUPPORTED',
    ],
    [
      { code: 'HPE_INVALID_VERSION', message: '', rawPacket: Buffer.from('GET / HTTP/1.1\nhost: x') },
      'SLUICE_BAD_REQUEST',
    ],
    [{ code: 'HPE_INVALID_HEADER_TOKEN', message: '' }, 'SLUICE_BAD_REQUEST'],
    [{ message: 'no code' }, 'SLUICE_BAD_REQUEST'],
  ])('%j → %s', (error, code) => {
    expect(clientErrorCode(error)).toBe(code);
  });

  it('writes a complete HTTP answer with the registry body', () => {
    const raw = rawErrorResponse('SLUICE_HEADERS_TOO_LARGE');
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head).toContain(`content-length: ${Buffer.byteLength(body!)}`);
    expect(JSON.parse(body!)).toMatchObject({ error: { code: 'SLUICE_HEADERS_TOO_LARGE' } });
  });
});

describe('toSluiceError', () => {
  it.each([
    [{ statusCode: 404, message: 'x' }, 'SLUICE_ROUTE_UNKNOWN'],
    [{ statusCode: 413, message: 'x' }, 'SLUICE_BODY_TOO_LARGE'],
    [{ statusCode: 415, message: 'x' }, 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    [{ statusCode: 400, message: 'x' }, 'SLUICE_BAD_REQUEST'],
    [{ statusCode: 500, message: 'x' }, 'SLUICE_INTERNAL'],
    [new RangeError('Maximum call stack size exceeded'), 'SLUICE_INTERNAL'],
    [new TypeError('x is not a function'), 'SLUICE_INTERNAL'],
  ])('%j → %s', (error, code) => {
    expect(toSluiceError(error).code).toBe(code);
  });
});
