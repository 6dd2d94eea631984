/**
 * A client speaking Anthropic Messages, served by an OpenAI-compatible provider: the request
 * goes Anthropic → OpenAI, the answer (JSON or stream) OpenAI → Anthropic.
 *
 * Mapping: `system` (string or text blocks) → a leading system message; text blocks → string
 * content; max_tokens; stop_sequences → stop; temperature, top_p; metadata.user_id → user;
 * streams ask for the usage chunk. finish_reason: stop → end_turn (stop_sequence when a stop
 * sequence was given and hit is not knowable from OpenAI, so end_turn), length → max_tokens,
 * tool_calls → tool_use, content_filter → refusal.
 */

import type { Usage } from '../../usage.ts';
import type { OpenAIChatRequest, OpenAIMessage } from '../openai-chat/types.ts';
import { openaiUsage } from '../openai-chat/usage.ts';
import type { StreamTranslator } from '../stream-translator.ts';
import { textOf, untranslatable } from '../untranslatable.ts';
import { anthropicErrorEvent } from './stream.ts';
import type { AnthropicRequest } from './types.ts';

export function messagesRequestToChat(
  body: AnthropicRequest,
  model: string,
  maxTokens: number,
): OpenAIChatRequest {
  if (body.tools) throw untranslatable('tools');
  const messages: OpenAIMessage[] = [];
  if (body.system !== undefined) {
    messages.push({ role: 'system', content: textOf(body.system) });
  }
  for (const message of body.messages) {
    messages.push({ role: message.role, content: textOf(message.content) });
  }
  const out: OpenAIChatRequest = { model, messages, max_tokens: maxTokens };
  if (typeof body.temperature === 'number') out.temperature = body.temperature;
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  if (body.stop_sequences && body.stop_sequences.length > 0) out.stop = body.stop_sequences;
  if (body.metadata?.user_id) out.user = body.metadata.user_id;
  if (body.stream) {
    out.stream = true;
    out.stream_options = { include_usage: true };
  }
  return out;
}

const STOP: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

export function stopReason(finish: string | null | undefined): string | null {
  return finish ? (STOP[finish] ?? 'end_turn') : null;
}

interface ChatResponse {
  id?: string;
  choices?: { message?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

export function chatResponseToMessages(response: ChatResponse, model: string) {
  const choice = response.choices?.[0];
  const usage = openaiUsage(response.usage) ?? { promptTokens: 0, completionTokens: 0 };
  return {
    id: `msg_${response.id ?? 'sluice'}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: choice?.message?.content ?? '' }],
    stop_reason: stopReason(choice?.finish_reason) ?? 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: usage.promptTokens, output_tokens: usage.completionTokens },
  };
}

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** OpenAI chunks → Anthropic events (message_start … message_stop). */
export class ChatStreamToMessages implements StreamTranslator {
  private readonly model: string;
  private started = false;
  private stop: string | null = null;
  usage: Usage | null = null;
  deltas = 0;
  done = false;
  upstreamError: string | null = null;

  constructor(model: string) {
    this.model = model;
  }

  private start(id: string): string {
    this.started = true;
    return (
      sse('message_start', {
        type: 'message_start',
        message: {
          id: `msg_${id}`,
          type: 'message',
          role: 'assistant',
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      }) +
      sse('content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '' },
      })
    );
  }

  push(_event: string | undefined, data: string): string {
    if (data === '[DONE]') {
      this.done = true;
      return this.end();
    }
    const chunk = JSON.parse(data) as {
      id?: string;
      choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
      usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
      error?: { message?: string };
    };
    if (chunk.error) {
      this.upstreamError = String(chunk.error.message ?? 'upstream error');
      return '';
    }
    let out = this.started ? '' : this.start(chunk.id ?? 'sluice');
    const usage = openaiUsage(chunk.usage);
    if (usage) this.usage = usage;
    const choice = chunk.choices?.[0];
    if (choice?.delta?.content) {
      this.deltas += 1;
      out += sse('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: choice.delta.content },
      });
    }
    if (choice?.finish_reason) this.stop = stopReason(choice.finish_reason);
    return out;
  }

  private end(): string {
    const usage = this.usage ?? { promptTokens: 0, completionTokens: this.deltas };
    return (
      (this.started ? '' : this.start('sluice')) +
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }) +
      sse('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: this.stop ?? 'end_turn', stop_sequence: null },
        usage: { input_tokens: usage.promptTokens, output_tokens: usage.completionTokens },
      }) +
      sse('message_stop', { type: 'message_stop' })
    );
  }

  finish(): string {
    return '';
  }

  errorEvent(code: string, message: string): string {
    return anthropicErrorEvent(code, message);
  }
}
