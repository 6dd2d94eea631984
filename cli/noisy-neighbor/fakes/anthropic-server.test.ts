/** The fake speaks Anthropic's Messages wire format well enough for the official client. */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAnthropicFake } from './anthropic-server.ts';
import type { FakeProvider } from './openai-server.ts';

let fake: FakeProvider;
let client: Anthropic;
beforeAll(async () => {
  fake = await startAnthropicFake();
  client = new Anthropic({ baseURL: fake.url, apiKey: 'sk-ant-fake', maxRetries: 0 });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const messages = [{ role: 'user' as const, content: 'hello' }];

describe('Anthropic fake', () => {
  it('answers with a message and usage, and records the request', async () => {
    const message = await client.messages.create({ model: 'claude-sonnet-4', max_tokens: 100, messages });
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Hello from claude-sonnet-4' });
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBe(3);
    // SDK 1.x sends the key as a bearer token; the egress sends the documented x-api-key.
    const { headers } = fake.requests[0]!;
    expect(headers['x-api-key'] ?? headers['authorization']).toMatch(/sk-ant-fake$/);
  });

  it('streams the full event sequence', async () => {
    const stream = await client.messages.create({
      model: 'claude-sonnet-4',
      max_tokens: 100,
      messages,
      stream: true,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('answers 529 overloaded and sends event: error mid-stream when scripted', async () => {
    fake.script([{ status: 529 }, { errorAfter: 1 }]);
    const overloaded = (await client.messages
      .create({ model: 'claude-sonnet-4', max_tokens: 100, messages })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(overloaded.status).toBe(529);
    const error = await client.messages
      .stream({ model: 'claude-sonnet-4', max_tokens: 100, messages })
      .finalMessage()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(JSON.stringify((error as InstanceType<typeof Anthropic.APIError>).error)).toContain(
      'overloaded_error',
    );
  });
});
