import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import type { StreamTranslator } from '../stream-translator.ts';
import {
  ChatStreamToMessages,
  chatResponseToMessages,
  messagesRequestToChat,
  stopReason,
} from './as-client.ts';
import {
  chatRequestToMessages,
  finishReason,
  MessagesStreamToChat,
  messagesResponseToChat,
} from './as-provider.ts';

/** Feeds SSE text through a translator and returns the translated SSE events. */
function run(translator: StreamTranslator, sse: string): { event?: string | undefined; data: string }[] {
  let out = '';
  createParser({ onEvent: (e) => (out += translator.push(e.event, e.data)) }).feed(sse);
  const events: { event?: string | undefined; data: string }[] = [];
  createParser({ onEvent: (e) => events.push({ event: e.event, data: e.data }) }).feed(out);
  return events;
}

describe('OpenAI → Anthropic', () => {
  it('moves system prompts, merges same-role turns, maps stop, temperature and user', () => {
    const out = chatRequestToMessages(
      {
        messages: [
          { role: 'system', content: 'A' },
          { role: 'developer', content: [{ type: 'text', text: 'B' }] },
          { role: 'user', content: 'q1' },
          { role: 'user', content: 'q2' },
          { role: 'assistant', content: 'a' },
        ],
        stop: 'END',
        temperature: 1.7,
        user: 'u-1',
        stream: true,
      },
      'claude-sonnet-4',
      256,
    );
    expect(out).toEqual({
      model: 'claude-sonnet-4',
      system: 'A\n\nB',
      messages: [
        { role: 'user', content: 'q1\n\nq2' },
        { role: 'assistant', content: 'a' },
      ],
      max_tokens: 256,
      stop_sequences: ['END'],
      temperature: 1,
      stream: true,
      metadata: { user_id: 'u-1' },
    });
  });

  it.each([
    [{ messages: [], tools: [{}] }],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }],
    [{ messages: [{ role: 'tool', content: 'x' }] }],
    [{ messages: [{ role: 'user', content: { text: 'x' } }] }],
    [{ messages: [{ role: 'user', content: [null] }] }],
    [{ messages: [{ role: 'user', content: 42 }] }],
    // Found by test/fuzz/egress-shapes.test.ts: Anthropic was sent an empty conversation.
    [{ messages: [{ role: 'system', content: [] }] }],
    [
      {
        messages: [
          { role: 'developer', content: 'x' },
          { role: 'system', content: 'y' },
        ],
      },
    ],
  ])("refuses what it cannot translate, as the client's 400: %j", (body) => {
    expect(() => chatRequestToMessages(body as never, 'm', 1)).toThrow(
      expect.objectContaining({ code: 'SLUICE_BAD_REQUEST' }),
    );
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
  ])('stop_reason %s → finish_reason %s', (from, to) => {
    expect(finishReason(from)).toBe(to);
  });

  it('turns a message into a chat.completion with usage', () => {
    const out = messagesResponseToChat(
      {
        id: 'msg_1',
        content: [{ type: 'text', text: 'hi' }],
        stop_reason: 'max_tokens',
        usage: { input_tokens: 5, output_tokens: 2, cache_read_input_tokens: 3 },
      },
      'claude',
      1,
    );
    expect(out.choices[0]).toMatchObject({
      message: { role: 'assistant', content: 'hi' },
      finish_reason: 'length',
    });
    expect(out.usage).toEqual({ prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 });
  });

  it('turns an Anthropic event stream into OpenAI chunks with a usage chunk and [DONE]', () => {
    const t = new MessagesStreamToChat('claude', 1, true);
    const events = run(
      t,
      [
        'event: message_start\ndata: {"type":"message_start","message":{"id":"m1","usage":{"input_tokens":9,"output_tokens":1}}}\n\n',
        'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n',
        'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":4}}\n\n',
        'event: message_stop\ndata: {"type":"message_stop"}\n\n',
      ].join(''),
    );
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks[1].choices[0].delta).toEqual({ content: 'Hi' });
    expect(chunks[2].choices[0].finish_reason).toBe('stop');
    expect(chunks[3]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
    });
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(t.done && t.usage).toEqual({ promptTokens: 9, completionTokens: 4 });
  });
});

describe('Anthropic → OpenAI', () => {
  it('puts the system prompt first, maps stop_sequences, asks for stream usage', () => {
    const out = messagesRequestToChat(
      {
        system: [{ type: 'text', text: 'S' }],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }],
        max_tokens: 10,
        stop_sequences: ['X'],
        metadata: { user_id: 'u' },
        stream: true,
      },
      'gpt-4o',
      10,
    );
    expect(out).toEqual({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'q' },
      ],
      max_tokens: 10,
      stop: ['X'],
      user: 'u',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['content_filter', 'refusal'],
  ])('finish_reason %s → stop_reason %s', (from, to) => {
    expect(stopReason(from)).toBe(to);
  });

  it('turns a chat.completion into a message', () => {
    const out = chatResponseToMessages(
      {
        id: 'c1',
        choices: [{ message: { content: 'hi' }, finish_reason: 'length' }],
        usage: { prompt_tokens: 3, completion_tokens: 1 },
      },
      'gpt-4o',
    );
    expect(out).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [{ type: 'text', text: 'hi' }],
      stop_reason: 'max_tokens',
      usage: { input_tokens: 3, output_tokens: 1 },
    });
  });

  it('turns OpenAI chunks into the Anthropic event sequence', () => {
    const t = new ChatStreamToMessages('gpt-4o');
    const events = run(
      t,
      [
        'data: {"id":"c1","choices":[{"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n',
        'data: {"id":"c1","choices":[{"delta":{"content":"Hi"},"finish_reason":null}]}\n\n',
        'data: {"id":"c1","choices":[{"delta":{},"finish_reason":"stop"}]}\n\n',
        'data: {"id":"c1","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2}}\n\n',
        'data: [DONE]\n\n',
      ].join(''),
    );
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(JSON.parse(events[4]!.data)).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: { input_tokens: 7, output_tokens: 2 },
    });
  });
});
