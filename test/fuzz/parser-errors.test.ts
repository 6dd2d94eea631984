/**
 * Every answer the sidecar writes carries a registry code — also the ones below the routes:
 * Node's HTTP parser refusing a request (fastify's clientError), versions it lets through,
 * CONNECT / TRACE / `OPTIONS *`, unknown egress routes. Raw sockets, because fetch would not send
 * these. Regression for issue 12: they answered fastify's `{"error":"Bad Request","message":
 * "Client Error"}` without a code, and `OPTIONS *` answered 502 and counted against a limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../policy/errors.ts';
import { buildRequest, rawRequest } from './raw-http.ts';
import { exampleKeys, type SidecarRig, startSidecarRig } from './rig.ts';

describe('answers below the routes carry registry codes', () => {
  let rig: SidecarRig;
  const key = exampleKeys().get('initech-research')!;

  beforeAll(async () => {
    rig = await startSidecarRig();
  });
  afterAll(async () => rig?.close());

  const cases: [string, string, number, keyof typeof ERRORS | null][] = [
    [
      'HTTP/1.0 POST without a length (data after the end)',
      `POST /v1/answer HTTP/1.0\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\n\r\n{"top_k":100}`,
      400,
      'SLUICE_BAD_REQUEST',
    ],
    [
      'Content-Length with Transfer-Encoding',
      `POST /v1/answer HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
      'SLUICE_BAD_REQUEST',
    ],
    [
      'two Content-Lengths',
      `POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab`,
      400,
      'SLUICE_BAD_REQUEST',
    ],
    ['NUL in a header', `GET / HTTP/1.1\r\nhost: x\r\nx-a: a\u0000b\r\n\r\n`, 400, 'SLUICE_BAD_REQUEST'],
    [
      'a space before the colon',
      `GET / HTTP/1.1\r\nhost: x\r\nx-sluice-tenant : acme-legal\r\n\r\n`,
      400,
      'SLUICE_BAD_REQUEST',
    ],
    [
      'an obsolete folded header',
      `GET / HTTP/1.1\r\nhost: x\r\nx-a: a\r\n b\r\n\r\n`,
      400,
      'SLUICE_BAD_REQUEST',
    ],
    ['an unknown method', `FOO / HTTP/1.1\r\nhost: x\r\n\r\n`, 400, 'SLUICE_BAD_REQUEST'],
    ['bare LF line ends', `GET / HTTP/1.1\nhost: x\n\n`, 400, 'SLUICE_BAD_REQUEST'],
    [
      'headers of 20 KB',
      `GET / HTTP/1.1\r\nhost: x\r\nx-a: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'SLUICE_HEADERS_TOO_LARGE',
    ],
    [
      'a 20 KB request target',
      `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nhost: x\r\n\r\n`,
      414,
      'SLUICE_URI_TOO_LONG',
    ],
    ['HTTP/1.2', `GET / HTTP/1.2\r\nhost: x\r\n\r\n`, 505, 'SLUICE_HTTP_VERSION_UNSUPPORTED'],
    [
      'HTTP/2.0 as text',
      `GET / HTTP/2.0\r\nhost: x\r\nauthorization: Bearer ${key}\r\n\r\n`,
      505,
      'SLUICE_HTTP_VERSION_UNSUPPORTED',
    ],
    ['HTTP/0.9 as text', `GET / HTTP/0.9\r\nhost: x\r\n\r\n`, 505, 'SLUICE_HTTP_VERSION_UNSUPPORTED'],
    [
      'CONNECT',
      `CONNECT evil.example:443 HTTP/1.1\r\nhost: evil.example:443\r\n\r\n`,
      405,
      'SLUICE_METHOD_NOT_ALLOWED',
    ],
    [
      'TRACE',
      `TRACE / HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\n\r\n`,
      405,
      'SLUICE_METHOD_NOT_ALLOWED',
    ],
    ['GET *', `GET * HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\n\r\n`, 400, 'SLUICE_BAD_REQUEST'],
    ['OPTIONS *', `OPTIONS * HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\n\r\n`, 204, null],
    [
      'an invalid Content-Type',
      `POST /v1/answer HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\ncontent-type: ;;\r\ncontent-length: 2\r\n\r\n{}`,
      415,
      'SLUICE_UNSUPPORTED_MEDIA_TYPE',
    ],
  ];

  it.each(cases)('ingress: %s', async (name, request, status, code) => {
    const before = rig.app.stats.requests;
    const answer = await rawRequest(rig.sidecar.ports.ingress, `${request}`);
    expect(answer.status, answer.text.slice(0, 200)).toBe(status);
    if (code) expect(JSON.parse(answer.body)).toMatchObject({ error: { code } });
    // HTTP/1.0 without a length is a POST without a body (RFC 1945), which Node dispatches before
    // it meets the trailing bytes: at most that empty request reaches the app, never the bytes.
    expect(rig.app.stats.requests - before).toBeLessThanOrEqual(name.startsWith('HTTP/1.0') ? 1 : 0);
  });

  it.each(
    cases.filter(
      ([name]) => !name.startsWith('OPTIONS') && !name.startsWith('GET *') && !name.startsWith('TRACE'),
    ),
  )('egress: %s', async (_, request, status, code) => {
    const answer = await rawRequest(
      rig.sidecar.ports.egress,
      request.replace('/v1/answer', '/v1/chat/completions'),
    );
    // The egress has no tenant-facing route for "/": version and method checks answer first
    // where Node refuses; otherwise the unknown route is what the client hears about.
    if (code === 'SLUICE_HTTP_VERSION_UNSUPPORTED' && answer.status === 404) return;
    expect(answer.status, answer.text.slice(0, 200)).toBe(status);
    expect(ERRORS[JSON.parse(answer.body).error.code as keyof typeof ERRORS]).toBeDefined();
  });

  it.each([
    ['an unknown path', 'GET', '/v2/whatever'],
    ['a known path with the wrong method', 'GET', '/v1/chat/completions'],
    ['the ingress path on the egress', 'POST', '/v1/answer'],
  ])('egress: %s → 404 SLUICE_ROUTE_UNKNOWN', async (_, method, path) => {
    const answer = await rawRequest(
      rig.sidecar.ports.egress,
      buildRequest({
        method,
        target: path,
        headers: [
          ['host', 'x'],
          ['x-sluice-tenant', 'acme-legal'],
          ['connection', 'close'],
        ],
      }),
    );
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'SLUICE_ROUTE_UNKNOWN' } });
  });
});
