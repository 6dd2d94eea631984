/**
 * Regression tests named after each ingress bypass reported in issue 12, asserting on what the
 * app received (test/fuzz/recorder.ts). The egress ones live in
 * sidecar/egress/failure-attribution.test.ts, sidecar/egress/chain.test.ts and
 * test/fuzz/egress-isolation.test.ts; the matrix of every shape × check in bypass-matrix.test.ts.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTACK } from './oracles.ts';
import { buildRequest, rawRequest } from './raw-http.ts';
import { type RecordingSidecar, startRecordingSidecar, tenantYaml } from './recording-sidecar.ts';

describe('issue 12: each reported bypass, and what a client now gets', () => {
  let rig: RecordingSidecar;
  let seq = 0;

  beforeAll(async () => {
    rig = await startRecordingSidecar([
      tenantYaml(
        'free-a',
        'k-free',
        'free',
        '  limits: { requests: { limit: 100000, window: 1h, burst: 100000 } }',
      ),
      tenantYaml('acme-legal', 'k-acme', 'enterprise'),
      tenantYaml(
        'hundred',
        'k-hundred',
        'free',
        '  limits: { requests: { limit: 100, window: 1h, burst: 10 } }',
      ),
      tenantYaml('two', 'k-two', 'free', '  limits: { requests: { limit: 2, window: 1h, burst: 2 } }'),
    ]);
  });
  afterAll(async () => rig?.close());

  /** Sends a raw request as free-a; returns the answer and what the app got. */
  const send = async (options: {
    body?: string | Buffer;
    type?: string | null;
    target?: string;
    method?: string;
    key?: string;
    headers?: [string, string][];
  }) => {
    const id = `r${++seq}`;
    const body = options.body ?? '';
    const headers: [string, string][] = [
      ['host', 'x'],
      ['authorization', `Bearer ${options.key ?? 'k-free'}`],
      ['x-test-id', id],
      ['connection', 'close'],
      ...(options.headers ?? []),
    ];
    if (options.type !== null && body.length > 0)
      headers.push(['content-type', options.type ?? 'application/json']);
    if (body.length > 0) headers.push(['content-length', String(Buffer.byteLength(body))]);
    const answer = await rawRequest(
      rig.port,
      buildRequest({
        method: options.method ?? 'POST',
        target: options.target ?? '/v1/answer',
        headers,
        body,
      }),
    );
    const received = rig.app.received.get(id) ?? [];
    return {
      answer,
      received,
      json: received[0] ? (JSON.parse(received[0].body.toString() || 'null') as unknown) : undefined,
    };
  };
  const code = (a: { body: string }) => (JSON.parse(a.body) as { error: { code: string } }).error.code;

  it('a body with no Content-Type is read as JSON, capped and screened', async () => {
    const capped = await send({ body: '{"query":"q","top_k":100}', type: null });
    expect(capped.json).toEqual({ query: 'q', top_k: 5 });
    expect(capped.answer.headers.get('sluice-capped')).toBe('top_k=100->5');
    const screened = await send({ body: JSON.stringify({ query: ATTACK }), type: null });
    expect(code(screened.answer)).toBe('SLUICE_PROMPT_REJECTED');
    expect(screened.received).toHaveLength(0);
  });

  it.each([
    ['text/plain', 415, 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    ['application/x-www-form-urlencoded', 415, 'SLUICE_UNSUPPORTED_MEDIA_TYPE'],
    ['text/json', 200, null],
    ['application/x-json', 200, null],
  ])(
    'a body declared %s is refused or capped, never passed on unchecked',
    async (type, status, errorCode) => {
      const r = await send({ body: '{"query":"q","top_k":100}', type });
      expect(r.answer.status).toBe(status);
      if (errorCode) {
        expect(code(r.answer)).toBe(errorCode);
        expect(r.received).toHaveLength(0);
      } else {
        expect(r.json).toEqual({ query: 'q', top_k: 5 });
      }
    },
  );

  it('top_k as the string "100" is capped to "5"', async () => {
    expect((await send({ body: '{"top_k":"100"}' })).json).toEqual({ top_k: '5' });
  });

  it('?top_k=100 in the query string is capped', async () => {
    const r = await send({ method: 'GET', target: '/v1/search?q=x&top_k=100' });
    expect(r.received[0]!.url).toBe('/v1/search?q=x&top_k=5');
    expect(r.answer.headers.get('sluice-capped')).toBe('?top_k="100"->5');
  });

  it('a nested {"options":{"top_k":100}} is capped', async () => {
    expect((await send({ body: '{"options":{"top_k":100}}' })).json).toEqual({ options: { top_k: 5 } });
  });

  it('a top-level array body is capped in every element', async () => {
    expect((await send({ body: '[{"top_k":100},{"top_k":3}]' })).json).toEqual([{ top_k: 5 }, { top_k: 3 }]);
  });

  it('{"top_k":100,"top_k":3} is refused: 400 SLUICE_BAD_REQUEST, nothing reaches the app', async () => {
    const r = await send({ body: '{"top_k":100,"top_k":3}' });
    expect(r.answer.status).toBe(400);
    expect(code(r.answer)).toBe('SLUICE_BAD_REQUEST');
    expect(r.received).toHaveLength(0);
  });

  it('a header x_sluice_tenant: acme-legal never reaches the app', async () => {
    const r = await send({
      body: '{}',
      headers: [
        ['x_sluice_tenant', 'acme-legal'],
        ['X-Sluice-Tenant', 'acme-legal'],
      ],
    });
    const names = r.received[0]!.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    expect(names).not.toContain('x_sluice_tenant');
    const tenant = r.received[0]!.rawHeaders.findIndex((n) => n.toLowerCase() === 'x-sluice-tenant');
    expect(r.received[0]!.rawHeaders[tenant + 1]).toBe('free-a');
  });

  it('a body nested 20,000 deep is 400 SLUICE_BAD_REQUEST on the ingress, not 502', async () => {
    const r = await send({ body: `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}` });
    expect(r.answer.status).toBe(400);
    expect(code(r.answer)).toBe('SLUICE_BAD_REQUEST');
  });

  it('invalid UTF-8 is 400 SLUICE_BAD_REQUEST, not replaced with U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('{"query":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const r = await send({ body });
    expect(r.answer.status).toBe(400);
    expect(code(r.answer)).toBe('SLUICE_BAD_REQUEST');
    expect(r.received).toHaveLength(0);
  });

  it('OPTIONS * is answered by the sidecar (204), never proxied, never counted', async () => {
    const r = await send({ method: 'OPTIONS', target: '*' });
    expect(r.answer.status).toBe(204);
    expect(r.received).toHaveLength(0);
    expect(r.answer.headers.get('ratelimit')).toBeUndefined();
  });

  it('regression: requests Sluice answers itself (OPTIONS *, TRACE, GET *, HTTP/2.0 as text) never spend a rate limit', async () => {
    // Tenant "two" may make 2 requests an hour. Each of these carries its key, and none counts.
    for (let i = 0; i < 3; i++) {
      for (const [method, target] of [
        ['OPTIONS', '*'],
        ['TRACE', '/v1/answer'],
        ['GET', '*'],
      ] as const) {
        const r = await send({ method, target, key: 'k-two' });
        expect(r.answer.status).toBeLessThan(429);
        expect(r.received).toHaveLength(0);
      }
      const h2 = await rawRequest(
        rig.port,
        `GET /v1/answer HTTP/2.0\r\nhost: x\r\nauthorization: Bearer k-two\r\n\r\n`,
      );
      expect(h2.status).toBe(505);
    }
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await send({ body: '{}', key: 'k-two' })).answer.status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('the RateLimit header t means the same on a 200 and a 429: seconds until more quota', async () => {
    // 100/h, burst 10: one unit every 36 s. Every answer, admitted or not, says t=36 (or 35 if a
    // second went by), because the next unit is always one interval away here.
    const ts: number[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const r = await send({ body: '{}', key: 'k-hundred' });
      statuses.push(r.answer.status);
      const m = /"requests";r=(\d+);t=(\d+)/.exec(r.answer.headers.get('ratelimit') ?? '');
      ts.push(Number(m?.[2]));
      if (r.answer.status === 429) expect(Number(r.answer.headers.get('retry-after'))).toBe(Number(m?.[2]));
    }
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses[10]).toBe(429);
    for (const t of ts) expect(t === 36 || t === 35).toBe(true);
  });

  it('the 429 body is the one docs/errors.md shows', async () => {
    let last = { status: 0, body: '' };
    for (let i = 0; i < 2; i++) last = (await send({ body: '{}', key: 'k-hundred' })).answer;
    expect(last.status).toBe(429);
    const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const shown = /```json\n(\{ "error": \{ "code": "SLUICE_RATE_LIMITED"[^\n]*\})\n```/.exec(docs)?.[1];
    expect(shown).toBeDefined();
    const shape = (text: string) => JSON.stringify(JSON.parse(text)).replace(/\d+/g, '#');
    expect(shape(last.body)).toBe(shape(shown!));
  });
});
