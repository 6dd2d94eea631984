import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RagApp, startRagApp } from '../cli/noisy-neighbor/fakes/rag-app.ts';
import { startTestSidecar, type TestSidecar } from '../test/support/sidecar.ts';
import { tenantYaml } from '../test/support/tenant-yaml.ts';
import { until } from '../test/support/until.ts';
import type { SidecarHandle } from './main.ts';

const tenant = (id: string, tier: string, key: string, spec = '') => tenantYaml(id, key, tier, spec);

describe('sidecar ingress (file mode, real upstream on port 0)', () => {
  let app: RagApp;
  let fixture: TestSidecar;
  let sidecar: SidecarHandle;
  let dir: string;
  let base: string;

  beforeAll(async () => {
    app = await startRagApp({ sseEvents: 3, sseIntervalMs: 150 });
    fixture = await startTestSidecar({
      upstream: app.url,
      policies: {
        files: {
          free: tenant(
            'free-one',
            'free',
            'k-free',
            '  limits: { maxConcurrency: 10 }\n  ingress: { contentTypes: ["application/octet-stream", "text/plain"] }',
          ),
          tight: tenant(
            'tight',
            'pro',
            'k-tight',
            '  limits: { requests: { limit: 2, window: 1h, burst: 2 } }',
          ),
          susp: tenant('susp', 'pro', 'k-susp', '  suspended: true'),
          queued: tenant(
            'queued',
            'enterprise',
            'k-queued',
            '  queue: { timeoutMs: 300, maxDepth: 5 }\n  screening: { denyPhrases: ["open sesame"] }',
          ),
        },
      },
      settings: { maxConcurrency: 1, bodyLimitBytes: 4_096, reloadDebounceMs: 20 },
    });
    sidecar = fixture.handle;
    dir = fixture.dir!;
    base = fixture.ingress;
  });
  afterAll(async () => {
    await fixture?.close();
    await app?.close();
  });

  const post = (
    key: string | null,
    body: unknown,
    headers: Record<string, string> = {},
    path = '/v1/answer',
  ) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...headers,
      },
      body: JSON.stringify(body),
    });

  it('refuses a missing or unknown key with 401 SLUICE_TENANT_UNKNOWN', async () => {
    for (const key of [null, 'nope']) {
      const res = await post(key, {});
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'SLUICE_TENANT_UNKNOWN' } });
    }
  });

  it('accepts x-api-key, strips client x-sluice-* headers and the credential, sets tenant and tier', async () => {
    const res = await post(
      null,
      { query: 'hi' },
      {
        'x-api-key': 'k-free',
        'x-sluice-tenant': 'acme-legal',
        'x-sluice-tier': 'enterprise',
        'x-sluice-evil': '1',
      },
    );
    expect(res.status).toBe(200);
    const echo = (await res.json()) as {
      sluiceHeaders: Record<string, string>;
      apiKey: unknown;
      authorization: unknown;
    };
    expect(echo.sluiceHeaders).toEqual({ 'x-sluice-tenant': 'free-one', 'x-sluice-tier': 'free' });
    expect(echo.apiKey).toBeNull();
    expect(echo.authorization).toBeNull();
    expect(res.headers.get('ratelimit-policy')).toBe('"requests";q=100;w=3600');
  });

  it('refuses a suspended tenant with 403 SLUICE_TENANT_SUSPENDED', async () => {
    const res = await post('k-susp', {});
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'SLUICE_TENANT_SUSPENDED' } });
  });

  it('clamps top_k to the tier cap and says so', async () => {
    const res = await post('k-free', { query: 'q', top_k: 100 });
    expect(res.status).toBe(200);
    expect(res.headers.get('sluice-capped')).toBe('top_k=100->5');
    expect(await res.json()).toMatchObject({ topK: 5 });
    const metrics = await (await fetch(`http://127.0.0.1:${sidecar.ports.metrics}/metrics`)).text();
    expect(metrics).toMatch(/sluice_capped_total\{tenant="free-one",tier="free",field="top_k"\} 1/);
  });

  it('rate-limits with 429, Retry-After and the IETF RateLimit headers', async () => {
    expect((await post('k-tight', {})).status).toBe(200);
    expect((await post('k-tight', {})).status).toBe(200);
    const res = await post('k-tight', {});
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ error: { code: 'SLUICE_RATE_LIMITED' } });
    expect(res.headers.get('retry-after')).toBe('1800');
    expect(res.headers.get('ratelimit-policy')).toBe('"requests";q=2;w=3600');
    expect(res.headers.get('ratelimit')).toBe('"requests";r=0;t=1800');
  });

  it('passes an SSE answer through unbuffered: the first event arrives before the app has finished', async () => {
    const res = await fetch(`${base}/v1/stream`, {
      headers: { authorization: 'Bearer k-free', accept: 'text/event-stream' },
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('"index":0');
    expect(first).not.toContain('[DONE]');
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toContain('[DONE]');
  });

  it('refuses a body over the limit with 413 SLUICE_BODY_TOO_LARGE, JSON or not', async () => {
    const json = await post('k-free', { query: 'x'.repeat(5_000) });
    expect(json.status).toBe(413);
    expect(await json.json()).toMatchObject({ error: { code: 'SLUICE_BODY_TOO_LARGE' } });
    const raw = await fetch(`${base}/upload`, {
      method: 'POST',
      headers: { authorization: 'Bearer k-free', 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(5_000),
    });
    expect(raw.status).toBe(413);
  });

  it('refuses a body type the policy does not list with 415 SLUICE_UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await fetch(`${base}/upload`, {
      method: 'POST',
      headers: { authorization: 'Bearer k-queued', 'content-type': 'text/plain' },
      body: '{"top_k":100}',
    });
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ error: { code: 'SLUICE_UNSUPPORTED_MEDIA_TYPE' } });
  });

  it('streams a body type the policy lists through unchanged', async () => {
    const res = await fetch(`${base}/upload`, {
      method: 'POST',
      headers: { authorization: 'Bearer k-free', 'content-type': 'text/plain' },
      body: 'top_k=100',
    });
    expect(await res.json()).toMatchObject({ bodyBytes: 9, topK: null });
  });

  it('rejects a screened query with 400 SLUICE_PROMPT_REJECTED naming the rule', async () => {
    const res = await post('k-queued', { query: 'please OPEN SESAME now' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('SLUICE_PROMPT_REJECTED');
    expect(body.error.message).toContain('deny_phrase');
  });

  it('times a queued request out with 503 SLUICE_QUEUE_TIMEOUT and Retry-After', async () => {
    const holder = post('k-free', {}, {}, '/slow?latency=1500');
    await until(() => sidecar.queue.stats().inFlight === 1, 'the slot to be taken');
    const res = await post('k-queued', {});
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'SLUICE_QUEUE_TIMEOUT' } });
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await holder).status).toBe(200);
  });

  it('a client that disconnects leaves the queue', async () => {
    const holder = post('k-free', {}, {}, '/slow?latency=800');
    await until(() => sidecar.queue.stats().inFlight === 1, 'the slot to be taken');
    const abort = new AbortController();
    const gone = fetch(`${base}/x`, {
      headers: { authorization: 'Bearer k-free' },
      signal: abort.signal,
    }).catch((e: Error) => e.name);
    await until(() => sidecar.queue.stats().waiting === 1, 'the request to queue');
    abort.abort();
    expect(await gone).toBe('AbortError');
    await until(() => sidecar.queue.stats().waiting === 0, 'the queue to empty');
    expect((await holder).status).toBe(200);
    await until(() => sidecar.queue.stats().inFlight === 0, 'the slot to be freed');
  });

  it('serves health, readiness and the policy version on the admin port', async () => {
    const adminBase = `http://127.0.0.1:${sidecar.ports.admin}`;
    expect((await fetch(`${adminBase}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${adminBase}/readyz`)).json()).toMatchObject({
      status: 'ready',
      limiter: 'memory',
    });
    const version = sidecar.policies.byTenant('free-one')!.policy.version;
    expect(await (await fetch(`${adminBase}/policies/free-one`)).json()).toEqual({
      tenantId: 'free-one',
      version,
    });
    expect((await fetch(`${adminBase}/policies/nobody`)).status).toBe(404);
  });

  it('reloads a changed file, and keeps the last good set when a file turns invalid', async () => {
    const file = join(dir, 'free.yaml');
    const before = sidecar.policies.byTenant('free-one')!.policy.version;
    writeFileSync(
      file,
      tenant('free-one', 'free', 'k-free', '  limits: { maxConcurrency: 10 }\n  displayName: Renamed'),
    );
    await until(() => sidecar.policies.byTenant('free-one')!.policy.version !== before, 'the reload');
    const good = sidecar.policies.byTenant('free-one')!.policy.version;
    writeFileSync(file, readFileSync(file, 'utf8').replace('tier: free', 'tier: platinum'));
    const metricsUrl = `http://127.0.0.1:${sidecar.ports.metrics}/metrics`;
    const invalidCounted = /sluice_config_reloads_total\{source="file",result="invalid"\} [1-9]/;
    await until(
      async () => invalidCounted.test(await (await fetch(metricsUrl)).text()),
      'the invalid reload',
    );
    expect(sidecar.policies.byTenant('free-one')!.policy.version).toBe(good);
  });
});
