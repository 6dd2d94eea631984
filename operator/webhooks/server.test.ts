import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/support/listeners.ts';
import { generateCerts } from './certs.ts';
import { startWebhookServer, type WebhookServer } from './server.ts';

describe('webhook server errors (registry answers, ADR 0036)', () => {
  let server: WebhookServer;
  let ca: string;
  const url = (path: string) => `https://127.0.0.1:${server.port}${path}`;
  beforeAll(async () => {
    const certs = await generateCerts({
      dnsNames: ['localhost'],
      ips: ['127.0.0.1'],
      days: 1,
      commonName: 't',
    });
    ca = certs.caCert;
    server = await startWebhookServer({
      host: '127.0.0.1',
      port: 0,
      cert: certs.cert,
      key: certs.key,
      routes: { '/validate': (r) => ({ uid: r.uid, allowed: true }) },
      log: pino({ level: 'silent' }),
    });
  }, 30_000);
  afterAll(async () => server?.close());

  const post = (path: string, body: string) =>
    call(url(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body, ca });

  it.each([
    ['an unknown route', '/nope', '{}', 404, 'SLUICE_ROUTE_UNKNOWN'],
    [
      'regression: a route named after an Object.prototype key',
      '/constructor',
      '{"request":{"uid":"u"}}',
      404,
      'SLUICE_ROUTE_UNKNOWN',
    ],
    ['a body that is not JSON', '/validate', '{', 400, 'SLUICE_BAD_REQUEST'],
    ['a review without request.uid', '/validate', '{"request":{}}', 400, 'SLUICE_BAD_REQUEST'],
    ['a JSON null', '/validate', 'null', 400, 'SLUICE_BAD_REQUEST'],
  ])('%s', async (_name, path, body, status, code) => {
    const answer = await post(path, body);
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code } });
  });

  it('a body over 3 MiB is 413 SLUICE_BODY_TOO_LARGE, not a reset connection', async () => {
    const answer = await post('/validate', `{"pad":"${'x'.repeat(3 * 1024 * 1024 + 10)}"}`);
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'SLUICE_BODY_TOO_LARGE' } });
  });

  it('answers a valid review', async () => {
    const answer = await post('/validate', '{"request":{"uid":"u1"}}');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ response: { uid: 'u1', allowed: true } });
  });
});
