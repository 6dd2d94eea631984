/**
 * A client speaking OpenAI chat completions, served by an Anthropic Messages provider:
 * the request goes OpenAI → Anthropic, the answer (JSON or stream) Anthropic → OpenAI.
 *
 * Mapping: system/developer messages → `system` (joined by blank lines); user/assistant keep
 * their role, consecutive same-role turns are merged (Anthropic wants alternation); max_tokens
 * (or max_completion_tokens) → max_tokens; stop → stop_sequences; temperature is clamped to
 * Anthropic's 0..1; top_p; user → metadata.user_id. Tools, images and n > 1 are not translated
 * (400 SLUICE_BAD_REQUEST, formats/untranslatable.ts), so a fallback never silently changes what the model was asked.
 */

import type { Usage } from '../../usage.ts';
import { openaiErrorEvent } from '../openai-chat/stream.ts';
import type { OpenAIChatRequest } from '../openai-chat/types.ts';
import type { StreamTranslator } from '../stream-translator.ts';
import { textOf, untranslatable } from '../untranslatable.ts';
import type { AnthropicMessage, AnthropicRequest } from './types.ts';
import { type AnthropicUsage, anthropicUsage } from './usage.ts';

export function chatRequestToMessages(
  body: OpenAIChatRequest,
  model: string,
  maxTokens: number,
): AnthropicRequest {
  if (body.tools || body.functions) throw untranslatable('tools');
  if (typeof body.n === 'number' && body.n > 1) throw untranslatable('n > 1');
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  for (const message of body.messages) {
    const text = textOf(message.content);
    if (message.role === 'system' || message.role === 'developer') {
      system.push(text);
      continue;
    }
    if (message.role !== 'user' && message.role !== 'assistant') {
      throw untranslatable(`the role ${JSON.stringify(message.role)}`);
    }
    const last = messages[messages.length - 1];
    if (last && last.role === message.role) last.content = `${last.content as string}\n\n${text}`;
    else messages.push({ role: message.role, content: text });
  }
  // Anthropic needs at least one user or assistant turn; system text alone has nowhere to go.
  if (messages.length === 0) throw untranslatable('a conversation of system messages only');
  const out: AnthropicRequest = { model, messages, max_tokens: maxTokens };
  if (system.length > 0) out.system = system.join('\n\n');
  if (typeof body.temperature === 'number') out.temperature = Math.min(1, body.temperature);
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  if (body.stop != null) out.stop_sequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  if (body.stream) out.stream = true;
  if (typeof body.user === 'string') out.metadata = { user_id: body.user };
  return out;
}

const FINISH: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
  pause_turn: 'stop',
};

export function finishReason(stopReason: string | null | undefined): string | null {
  return stopReason ? (FINISH[stopReason] ?? 'stop') : null;
}

interface AnthropicResponse {
  id?: string;
  content?: { type: string; text?: string }[];
  stop_reason?: string | null;
  usage?: AnthropicUsage;
}

export function messagesResponseToChat(response: AnthropicResponse, model: string, created: number) {
  const usage = anthropicUsage(response.usage) ?? { promptTokens: 0, completionTokens: 0 };
  return {
    id: `chatcmpl-${response.id ?? 'sluice'}`,
    object: 'chat.completion',
    created,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: (response.content ?? [])
            .filter((b) => b.type === 'text')
            .map((b) => b.text ?? '')
            .join(''),
          refusal: null,
        },
        logprobs: null,
        finish_reason: finishReason(response.stop_reason) ?? 'stop',
      },
    ],
    usage: {
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
    },
  };
}

/** Anthropic stream events → OpenAI chunks (`data: {...}` … `data: [DONE]`). */
export class MessagesStreamToChat implements StreamTranslator {
  private readonly model: string;
  private readonly created: number;
  private readonly includeUsage: boolean;
  private id = 'chatcmpl-sluice';
  private finish_reason: string | null = null;
  usage: Usage | null = null;
  deltas = 0;
  done = false;
  upstreamError: string | null = null;

  constructor(model: string, created: number, includeUsage: boolean) {
    this.model = model;
    this.created = created;
    this.includeUsage = includeUsage;
  }

  private chunk(
    delta: Record<string, unknown>,
    finish: string | null,
    extra: Record<string, unknown> = {},
  ): string {
    const chunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(this.includeUsage ? { usage: null } : {}),
      ...extra,
    };
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }

  push(event: string | undefined, data: string): string {
    switch (event) {
      case 'message_start': {
        const message = (JSON.parse(data) as { message?: { id?: string; usage?: AnthropicUsage } }).message;
        if (message?.id) this.id = `chatcmpl-${message.id}`;
        this.usage = anthropicUsage(message?.usage) ?? { promptTokens: 0, completionTokens: 0 };
        return this.chunk({ role: 'assistant', content: '' }, null);
      }
      case 'content_block_delta': {
        const delta = (JSON.parse(data) as { delta?: { type?: string; text?: string } }).delta;
        if (delta?.type !== 'text_delta') return '';
        this.deltas += 1;
        return this.chunk({ content: delta.text ?? '' }, null);
      }
      case 'message_delta': {
        const body = JSON.parse(data) as { delta?: { stop_reason?: string | null }; usage?: AnthropicUsage };
        this.finish_reason = finishReason(body.delta?.stop_reason) ?? this.finish_reason;
        if (body.usage) {
          this.usage = {
            promptTokens: this.usage?.promptTokens ?? 0,
            completionTokens: Number(body.usage.output_tokens ?? 0),
          };
        }
        return '';
      }
      case 'message_stop': {
        this.done = true;
        let out = this.chunk({}, this.finish_reason ?? 'stop');
        if (this.includeUsage && this.usage) {
          const u = this.usage;
          const usage = {
            prompt_tokens: u.promptTokens,
            completion_tokens: u.completionTokens,
            total_tokens: u.promptTokens + u.completionTokens,
          };
          out += `data: ${JSON.stringify({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage })}\n\n`;
        }
        return `${out}data: [DONE]\n\n`;
      }
      case 'error': {
        const error = (JSON.parse(data) as { error?: { message?: string } }).error;
        this.upstreamError = String(error?.message ?? 'upstream error');
        return '';
      }
      default:
        return ''; // ping, content_block_start/stop: nothing for an OpenAI client
    }
  }

  finish(): string {
    return '';
  }

  errorEvent(code: string, message: string): string {
    return openaiErrorEvent(code, message);
  }
}
