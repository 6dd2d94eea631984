/** Anthropic messages samples for the conformance test (formats/samples.ts). */
import type { FormatSamples } from '../samples.ts';

const sse = (event: string, data: Record<string, unknown>) =>
  `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;

export const anthropicMessagesSamples: FormatSamples = {
  request: () => ({
    model: 'claude-sample',
    system: 'Be brief.',
    messages: [{ role: 'user', content: 'Hello' }],
    max_tokens: 50,
    temperature: 0.5,
  }),
  badConversation: () => ({
    model: 'claude-sample',
    messages: [{ role: 'system', content: 'Hi' }],
    max_tokens: 50,
  }),
  badParameter: () => ({
    model: 'claude-sample',
    messages: [{ role: 'user', content: 'Hi' }],
    max_tokens: 50,
    top_k: -1,
  }),
  answer: (text, usage) => ({
    id: 'msg_sample',
    type: 'message',
    role: 'assistant',
    model: 'claude-sample',
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: usage.promptTokens, output_tokens: usage.completionTokens },
  }),
  stream: (parts, usage) =>
    sse('message_start', {
      message: {
        id: 'msg_sample',
        type: 'message',
        role: 'assistant',
        model: 'claude-sample',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.promptTokens, output_tokens: 1 },
      },
    }) +
    sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
    sse('ping', {}) +
    parts
      .map((text) => sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }))
      .join('') +
    sse('content_block_stop', { index: 0 }) +
    sse('message_delta', {
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: usage.completionTokens },
    }) +
    sse('message_stop', {}),
  answerText: (answer) =>
    (answer as { content: { type: string; text?: string }[] }).content
      .filter((b) => b.type === 'text')
      .map((b) => b.text ?? '')
      .join(''),
  streamText: (events) =>
    events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => (JSON.parse(e.data) as { delta?: { text?: string } }).delta?.text ?? '')
      .join(''),
};
