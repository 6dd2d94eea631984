import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RagApp, startRagApp } from './rag-app.ts';

describe('fake RAG app', () => {
  let app: RagApp;
  beforeAll(async () => {
    app = await startRagApp({ latencyMs: 30, concurrency: 2, sseEvents: 3, sseIntervalMs: 5 });
  });
  afterAll(() => app.close());

  it('echoes x-sluice-* headers and top_k, not the query text', async () => {
    const res = await fetch(`${app.url}/v1/answer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sluice-tenant': 't1' },
      body: JSON.stringify({ query: 'secret question', top_k: 7 }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      tenant: 't1',
      topK: 7,
      queryLength: 15,
      sluiceHeaders: { 'x-sluice-tenant': 't1' },
    });
    expect(JSON.stringify(body)).not.toContain('secret question');
  });

  it('answers SSE when asked', async () => {
    const res = await fetch(`${app.url}/v1/answer`, { headers: { accept: 'text/event-stream' } });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    expect(text.match(/^data: /gm)).toHaveLength(4);
    expect(text).toContain('[DONE]');
  });

  it('works on at most `concurrency` requests at once', async () => {
    await Promise.all(Array.from({ length: 6 }, () => fetch(`${app.url}/x`).then((r) => r.text())));
    expect(app.stats.maxActive).toBe(2);
  });
});
