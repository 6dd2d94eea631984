/** The fake speaks OpenAI's wire format well enough for the official client, failures included. */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeProvider, startOpenAIFake } from './openai-server.ts';

let fake: FakeProvider;
let client: OpenAI;
beforeAll(async () => {
  fake = await startOpenAIFake();
  client = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'sk-fake', maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const messages = [{ role: 'user' as const, content: 'hello' }];

describe('OpenAI fake', () => {
  it('answers with a chat.completion and usage, and records the request', async () => {
    const answer = await client.chat.completions.create({ model: 'gpt-4', messages });
    expect(answer.choices[0]?.message.content).toBe('Hello from gpt-4');
    expect(answer.choices[0]?.finish_reason).toBe('stop');
    expect(answer.usage).toMatchObject({
      completion_tokens: 3,
      total_tokens: answer.usage!.prompt_tokens + 3,
    });
    expect(fake.requests[0]).toMatchObject({
      path: '/v1/chat/completions',
      body: { model: 'gpt-4', messages },
    });
    expect(fake.requests[0]?.headers['authorization']).toBe('Bearer sk-fake');
  });

  it('streams chunks with choices[].delta and a final usage chunk when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello from gpt-4');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 3 } });
  });

  it('follows its script per model: 429 with Retry-After, then a normal answer; max_tokens truncates', async () => {
    fake.script(
      [
        { status: 429, retryAfter: 3 },
        { ok: true, text: 'a b c d' },
      ],
      'gpt-4',
    );
    const error = (await client.chat.completions
      .create({ model: 'gpt-4', messages })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(429);
    expect(error.headers?.get('retry-after')).toBe('3');
    const other = await client.chat.completions.create({ model: 'gpt-3.5-turbo', messages });
    expect(other.choices[0]?.message.content).toBe('Hello from gpt-3.5-turbo');
    const cut = await client.chat.completions.create({ model: 'gpt-4', messages, max_tokens: 2 });
    expect(cut.choices[0]).toMatchObject({ message: { content: 'a b ' }, finish_reason: 'length' });
  });

  it('cuts a stream in the middle', async () => {
    fake.script([{ text: 'one two three', cutAfter: 1 }]);
    const stream = await client.chat.completions.create({ model: 'gpt-4', messages, stream: true });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(text).toBe('one ');
    expect(error).toBeInstanceOf(Error);
  });
});
