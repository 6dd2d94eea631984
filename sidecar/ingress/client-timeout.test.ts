/**
 * Regression: a client that trickles its body (slowloris) used to hold its connection for ever —
 * fastify's default requestTimeout of 0 switched Node's off. Now the whole request must arrive
 * within --client-timeout-ms, or the client gets 408 and the connection is closed.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RagApp, startRagApp } from '../../cli/noisy-neighbor/fakes/rag-app.ts';
import { EXAMPLE_TENANTS, startTestSidecar, type TestSidecar } from '../../test/support/sidecar.ts';

describe('client timeout', () => {
  let app: RagApp;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    app = await startRagApp();
    sidecar = await startTestSidecar({
      upstream: app.url,
      policies: { dir: EXAMPLE_TENANTS },
      args: ['--client-timeout-ms', '500'],
    });
  });
  afterAll(async () => {
    await sidecar?.close();
    await app?.close();
  });

  it('answers 408 and closes a connection whose body never finishes', async () => {
    const socket = connect(sidecar.handle.ports.ingress, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => {
      received += d.toString();
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(
      'POST /v1/answer HTTP/1.1\r\nhost: x\r\nauthorization: Bearer sk-demo-acme-legal-7f3a9c\r\n' +
        'content-type: application/json\r\ncontent-length: 1000\r\n\r\n{"query":',
    );
    // Trickle a byte now and then, as a slowloris does, until the server hangs up.
    const drip = setInterval(() => socket.writable && socket.write(' '), 100);
    await closed;
    clearInterval(drip);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    // With a registry code, like every other answer (issue 12: it was fastify's own body).
    expect(JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4))).toMatchObject({
      error: { code: 'SLUICE_REQUEST_TIMEOUT' },
    });
    expect(app.stats.requests).toBe(0); // nothing half-read reached the app
    // The sidecar still serves others.
    const ok = await sidecar.ask('sk-demo-acme-legal-7f3a9c', {
      headers: { 'content-type': 'application/json' },
      body: '{"query":"hello"}',
    });
    expect(ok.status).toBe(200);
  }, 20_000);
});
