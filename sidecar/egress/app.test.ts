/**
 * The egress through the official clients (openai, @anthropic-ai/sdk) against the fake
 * providers: routing, fallback with translation both ways, streams, breakers, caps, errors.
 * In-memory budget store (file mode); the Redis store has its own integration test.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EgressRig, examplePolicies, startEgressRig } from '../../test/support/egress.ts';
import { anthropicClient, openaiClient, openaiError } from '../../test/support/sdk-clients.ts';
import { egressInternals } from './app.ts';

let rig: EgressRig;

const openaiFor = (tenant: string) => openaiClient(rig.url, tenant);
const anthropicFor = (tenant: string) => anthropicClient(rig.url, tenant);

beforeAll(async () => {
  rig = await startEgressRig();
});
afterAll(async () => {
  await rig.close();
});
beforeEach(() => {
  rig.openai.reset();
  rig.anthropic.reset();
  egressInternals(rig.app).breakers.clear(); // every test starts with closed breakers
});

const ask = [{ role: 'user' as const, content: 'What is clause 7?' }];

/** `ask` for `tenant`, which must end in an error answer. */
const refusedAsk = (tenant: string) =>
  openaiError(openaiFor(tenant).chat.completions.create({ model: 'default', messages: ask }));

/** `ask` streamed for `tenant` with the usage chunk asked for: the text, the last finish_reason and the usage. */
async function streamChat(tenant: string) {
  const stream = await openaiFor(tenant).chat.completions.create({
    model: 'default',
    messages: ask,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let finish: string | null | undefined = null;
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
  }
  return { text, finish, usage };
}

describe('routing', () => {
  it.each([
    ['acme-legal', 'gpt-4'],
    ['globex-support', 'gpt-3.5-turbo'],
    ['initech-research', 'claude-sonnet-4'],
  ])('serves %s on its own primary model %s', async (tenant, model) => {
    const { data, response } = await openaiFor(tenant)
      .chat.completions.create({ model: 'default', messages: ask })
      .withResponse();
    expect(response.headers.get('sluice-model')).toBe(model);
    expect(response.headers.get('sluice-fallback')).toBeNull();
    expect(data.choices[0]?.message.content).toBe(`Hello from ${model}`);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('serves the primary when the body has no model at all', async () => {
    const response = await fetch(`${rig.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sluice-tenant': 'initech-research' },
      body: JSON.stringify({ messages: ask }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('sluice-model')).toBe('claude-sonnet-4');
  });

  it('treats model "default" as the primary and allows a named fallback', async () => {
    const client = openaiFor('acme-legal');
    const a = await client.chat.completions.create({ model: 'default', messages: ask }).withResponse();
    expect(a.response.headers.get('sluice-model')).toBe('gpt-4');
    const b = await client.chat.completions.create({ model: 'gpt-3.5-turbo', messages: ask }).withResponse();
    expect(b.response.headers.get('sluice-model')).toBe('gpt-3.5-turbo');
    expect(rig.openai.requestsFor('gpt-3.5-turbo')[0]?.headers['authorization']).toBe(
      'Bearer sk-test-openai',
    );
  });

  it('rejects a model the policy does not allow', async () => {
    const error = await openaiFor('globex-support')
      .chat.completions.create({ model: 'gpt-4', messages: ask })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('SLUICE_MODEL_NOT_ALLOWED');
    expect(rig.openai.requests).toHaveLength(0);
  });

  it.each([['nobody'], ['']])('answers an unknown or missing tenant (%j) with 401', async (tenant) => {
    const response = await fetch(`${rig.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(tenant ? { 'x-sluice-tenant': tenant } : {}) },
      body: JSON.stringify({ messages: ask }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('SLUICE_TENANT_UNKNOWN');
  });

  it('caps max_tokens and sets it when absent', async () => {
    const client = openaiFor('acme-legal');
    const capped = await client.chat.completions
      .create({ model: 'default', messages: ask, max_tokens: 100_000 })
      .withResponse();
    expect(capped.response.headers.get('sluice-capped')).toBe('max_tokens=4096');
    await client.chat.completions.create({ model: 'default', messages: ask });
    expect(rig.openai.requests.map((r) => r.body['max_tokens'])).toEqual([4096, 4096]);
  });

  it('lists the allowed models in OpenAI and Anthropic list formats', async () => {
    const openaiList = await openaiFor('acme-legal').models.list();
    expect(openaiList.data.map((m) => m.id)).toEqual(['gpt-4', 'gpt-3.5-turbo']);
    const anthropicList = await anthropicFor('initech-research').models.list();
    expect(anthropicList.data.map((m) => m.id)).toEqual(['claude-sonnet-4', 'gpt-4o']);
  });
});

describe('streams', () => {
  it('passes an OpenAI stream through with the usage chunk when asked', async () => {
    const { text, usage } = await streamChat('acme-legal');
    expect(text).toBe('Hello from gpt-4');
    expect(usage).toMatchObject({ completion_tokens: 3 });
  });

  it('asks the upstream for usage but hides the usage chunk from a client that did not ask', async () => {
    const stream = await openaiFor('acme-legal').chat.completions.create({
      model: 'default',
      messages: ask,
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.choices.length === 1)).toBe(true);
    expect(rig.openai.requests[0]?.body['stream_options']).toEqual({ include_usage: true });
  });

  it('streams an Anthropic answer through to an Anthropic client', async () => {
    const stream = anthropicFor('initech-research').messages.stream({
      model: 'default',
      max_tokens: 50,
      messages: ask,
    });
    const message = await stream.finalMessage();
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Hello from claude-sonnet-4' });
    expect(message.usage.output_tokens).toBe(3);
    expect(rig.anthropic.requests[0]?.headers).toMatchObject({
      'x-api-key': 'sk-ant-test',
      'anthropic-version': '2023-06-01',
    });
  });

  it('ends a stream cut after the first byte with SLUICE_STREAM_INTERRUPTED, not a truncated 200 (OpenAI)', async () => {
    rig.openai.script([{ text: 'one two three four', cutAfter: 2 }], 'gpt-4');
    const stream = await openaiFor('acme-legal').chat.completions.create({
      model: 'default',
      messages: ask,
      stream: true,
    });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(text).toBe('one two ');
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(JSON.stringify((error as InstanceType<typeof OpenAI.APIError>).error)).toContain(
      'SLUICE_STREAM_INTERRUPTED',
    );
    expect(rig.openai.requestsFor('gpt-3.5-turbo')).toHaveLength(0); // no fallback after the first byte
  });

  it('ends a broken stream with event: error for an Anthropic client', async () => {
    rig.anthropic.script([{ text: 'alpha beta gamma', errorAfter: 1 }], 'claude-sonnet-4');
    const stream = anthropicFor('initech-research').messages.stream({
      model: 'default',
      max_tokens: 50,
      messages: ask,
    });
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(JSON.stringify((error as InstanceType<typeof Anthropic.APIError>).error)).toContain(
      'SLUICE_STREAM_INTERRUPTED',
    );
  });
});

describe('fallback', () => {
  it('falls back from GPT-4 to GPT-3.5 on 503', async () => {
    rig.openai.script([{ status: 503 }], 'gpt-4');
    const { data, response } = await openaiFor('acme-legal')
      .chat.completions.create({ model: 'default', messages: ask })
      .withResponse();
    expect(response.headers.get('sluice-model')).toBe('gpt-3.5-turbo');
    expect(response.headers.get('sluice-fallback')).toBe('gpt-4->gpt-3.5-turbo');
    expect(data.choices[0]?.message.content).toBe('Hello from gpt-3.5-turbo');
  });

  it('falls back on a timeout and on a stream that breaks before its first event', async () => {
    rig.openai.script([{ hang: true }, { cutAtStart: true }], 'gpt-4');
    const client = openaiFor('acme-legal');
    const slow = await client.chat.completions.create({ model: 'default', messages: ask }).withResponse();
    expect(slow.response.headers.get('sluice-fallback')).toBe('gpt-4->gpt-3.5-turbo');
    const stream = await client.chat.completions
      .create({ model: 'default', messages: ask, stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of stream.data) text += chunk.choices[0]?.delta.content ?? '';
    expect(stream.response.headers.get('sluice-fallback')).toBe('gpt-4->gpt-3.5-turbo');
    expect(text).toBe('Hello from gpt-3.5-turbo');
  }, 20_000);

  it('falls back from Claude to GPT-4o for an OpenAI client, translating both ways', async () => {
    rig.anthropic.script([{ status: 529 }], 'claude-sonnet-4');
    const { data, response } = await openaiFor('initech-research')
      .chat.completions.create({
        model: 'default',
        messages: [{ role: 'system', content: 'Be brief.' }, ...ask],
        stop: 'END',
      })
      .withResponse();
    expect(response.headers.get('sluice-fallback')).toBe('claude-sonnet-4->gpt-4o');
    expect(data.choices[0]?.message.content).toBe('Hello from gpt-4o');
    const sent = rig.anthropic.requests[0]?.body;
    expect(sent).toMatchObject({
      model: 'claude-sonnet-4',
      system: 'Be brief.',
      stop_sequences: ['END'],
      max_tokens: 2048,
    });
    expect(sent?.['messages']).toEqual(ask);
  });

  it('serves an OpenAI client from Anthropic with a translated stream and usage', async () => {
    const { text, finish, usage } = await streamChat('initech-research');
    expect(text).toBe('Hello from claude-sonnet-4');
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBe(3);
  });

  it('falls back from Anthropic to OpenAI for an Anthropic client (JSON and stream)', async () => {
    rig.anthropic.script([{ status: 500 }, { status: 500 }], 'claude-sonnet-4');
    const client = anthropicFor('initech-research');
    const { data, response } = await client.messages
      .create({ model: 'default', max_tokens: 64, system: 'Be brief.', messages: ask })
      .withResponse();
    expect(response.headers.get('sluice-fallback')).toBe('claude-sonnet-4->gpt-4o');
    expect(data.content[0]).toMatchObject({ type: 'text', text: 'Hello from gpt-4o' });
    expect(data.stop_reason).toBe('end_turn');
    expect(rig.openai.requests[0]?.body['messages']).toEqual([
      { role: 'system', content: 'Be brief.' },
      ...ask,
    ]);

    const message = await client.messages
      .stream({ model: 'default', max_tokens: 64, messages: ask })
      .finalMessage();
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Hello from gpt-4o' });
    expect(message.usage.output_tokens).toBe(3);
  });

  it('does not fall back on a trigger the policy leaves out: a provider 429 stays a 429 (initech: no rate-limited)', async () => {
    rig.anthropic.script([{ status: 429, retryAfter: 2 }], 'claude-sonnet-4');
    const error = await refusedAsk('initech-research');
    expect(error.status).toBe(429);
    expect(error.code).toBe('SLUICE_UPSTREAM_RATE_LIMITED');
    expect(error.headers?.get('retry-after')).toBe('2');
    expect(rig.openai.requests).toHaveLength(0);
  });

  it('answers 502 SLUICE_ALL_MODELS_FAILED when every model fails', async () => {
    rig.openai.script([{ status: 500 }], 'gpt-4');
    rig.openai.script([{ status: 503, retryAfter: 7 }], 'gpt-3.5-turbo');
    const error = await refusedAsk('acme-legal');
    expect(error.status).toBe(502);
    expect(error.code).toBe('SLUICE_ALL_MODELS_FAILED');
    expect(error.headers?.get('retry-after')).toBe('7');
  });

  it('passes a caller error (400) from the provider through without falling back', async () => {
    rig.openai.script([{ status: 400 }], 'gpt-4');
    const error = await refusedAsk('acme-legal');
    expect(error.status).toBe(400);
    expect(rig.openai.requestsFor('gpt-3.5-turbo')).toHaveLength(0);
  });
});

describe('circuit breaker (injected clock)', () => {
  it('opens after repeated failures, skips the model, then probes half-open and closes', async () => {
    const client = openaiFor('globex-support'); // gpt-3.5-turbo, no fallbacks
    rig.openai.script([{ status: 500 }, { status: 500 }, { status: 500 }], 'gpt-3.5-turbo');
    for (let i = 0; i < 3; i++) {
      const e = (await client.chat.completions
        .create({ model: 'default', messages: ask })
        .catch((x: unknown) => x)) as { code: string };
      expect(e.code).toBe('SLUICE_ALL_MODELS_FAILED');
    }
    const breaker = egressInternals(rig.app).breakers.get('openai', 'gpt-3.5-turbo');
    expect(breaker.state(rig.clock.now)).toBe('open');
    const skipped = (await client.chat.completions
      .create({ model: 'default', messages: ask })
      .catch((x: unknown) => x)) as {
      code: string;
      headers: Headers;
    };
    expect(skipped.code).toBe('SLUICE_ALL_MODELS_FAILED');
    expect(skipped.headers.get('retry-after')).toBe('10');
    expect(rig.openai.requests).toHaveLength(3); // the open breaker kept the 4th away from the provider

    rig.clock.now += 10_000;
    expect(breaker.state(rig.clock.now)).toBe('half-open');
    const probe = await client.chat.completions.create({ model: 'default', messages: ask });
    expect(probe.choices[0]?.message.content).toBe('Hello from gpt-3.5-turbo');
    expect(breaker.state(rig.clock.now)).toBe('closed');
    const metrics = await rig.registry.getSingleMetricAsString('sluice_egress_breaker_state');
    expect(metrics).toContain('sluice_egress_breaker_state{provider="openai",model="gpt-3.5-turbo"} 0');
  });

  it('honours Retry-After as the cool-down: the next request skips straight to the fallback', async () => {
    rig.openai.script([{ status: 429, retryAfter: 30 }], 'gpt-4');
    const client = openaiFor('acme-legal');
    const first = await client.chat.completions.create({ model: 'default', messages: ask }).withResponse();
    expect(first.response.headers.get('sluice-fallback')).toBe('gpt-4->gpt-3.5-turbo');
    const second = await client.chat.completions.create({ model: 'default', messages: ask }).withResponse();
    expect(second.response.headers.get('sluice-fallback')).toBe('gpt-4->gpt-3.5-turbo');
    expect(rig.openai.requestsFor('gpt-4')).toHaveLength(1);
    rig.clock.now += 30_000;
    const third = await client.chat.completions.create({ model: 'default', messages: ask }).withResponse();
    expect(third.response.headers.get('sluice-model')).toBe('gpt-4');
  });
});

// Regression (found by the fuzz suite): a content array holding null crashed the prompt-size
// estimate, and the client got 502 "internal error in the egress".
describe('odd but valid JSON content', () => {
  let rig: EgressRig;
  beforeAll(async () => {
    rig = await startEgressRig({ policies: (now) => examplePolicies(now) });
  });
  afterAll(() => rig.close());

  it('estimates a content array with null and scalar parts instead of failing', async () => {
    const response = await fetch(`${rig.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sluice-tenant': 'acme-legal' },
      body: JSON.stringify({
        messages: [{ role: 'user', content: [null, 1, true, 'x', { type: 'text', text: 'hi' }] }],
      }),
    });
    expect(response.status).toBeLessThan(500);
  });
});
