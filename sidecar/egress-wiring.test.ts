/**
 * The sidecar process with its egress: the app beside it calls the LLM on 127.0.0.1, through the
 * official OpenAI SDK, and each example tenant is served by its own model from the file-mode
 * policies — the same PolicyView the ingress uses.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProvider, startOpenAIFake } from '../cli/noisy-neighbor/fakes/openai-server.ts';
import { type RagApp, startRagApp } from '../cli/noisy-neighbor/fakes/rag-app.ts';
import { EXAMPLE_TENANTS, startTestSidecar } from '../test/support/sidecar.ts';
import type { SidecarHandle } from './main.ts';

describe('sidecar egress wiring', () => {
  let app: RagApp;
  let llm: FakeProvider;
  let sidecar: SidecarHandle;

  beforeAll(async () => {
    app = await startRagApp();
    llm = await startOpenAIFake();
    sidecar = (
      await startTestSidecar({
        upstream: app.url,
        policies: { dir: EXAMPLE_TENANTS },
        args: ['--provider', `openai=openai-compatible,${llm.url}`, '--egress-port', '0'],
      })
    ).handle;
  });
  afterAll(async () => {
    await sidecar?.close();
    await llm?.close();
    await app?.close();
  });

  const client = (tenant: string) =>
    new OpenAI({
      apiKey: 'unused-the-sidecar-holds-provider-keys',
      baseURL: `http://127.0.0.1:${sidecar.ports.egress}/v1`,
      defaultHeaders: { 'x-sluice-tenant': tenant },
      maxRetries: 0,
    });

  it.each([
    ['acme-legal', 'gpt-4'],
    ['globex-support', 'gpt-3.5-turbo'],
  ])('serves %s with its primary model %s', async (tenant, model) => {
    const { data, response } = await client(tenant)
      .chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hello' }] })
      .withResponse();
    expect(data.model).toBe(model);
    expect(response.headers.get('sluice-model')).toContain(model);
    expect(llm.requestsFor(model).length).toBeGreaterThan(0);
  });

  it('refuses a request without a known tenant', async () => {
    await expect(
      client('nobody').chat.completions.create({
        model: 'default',
        messages: [{ role: 'user', content: 'hello' }],
      }),
    ).rejects.toMatchObject({ status: 401 });
  });

  it('counts egress metrics in the sidecar registry', async () => {
    const text = await (await fetch(`http://127.0.0.1:${sidecar.ports.metrics}/metrics`)).text();
    expect(text).toMatch(/sluice_egress_requests_total\{[^}]*tenant="acme-legal"/);
    const used =
      /sluice_egress_budget_used_ratio\{[^}]*tenant="acme-legal"[^}]*budget="tokens"[^}]*\} (\S+)/.exec(text);
    expect(Number(used?.[1])).toBeGreaterThan(0);
    expect(Number(used?.[1])).toBeLessThan(1);
  });
});
