/**
 * The Anthropic Messages wire format: path, auth headers, usage in a JSON answer, and the
 * pass-through stream (client and upstream both speak Anthropic).
 */

import type { ProviderSettings } from '../settings.ts';
import { anthropicErrorEvent, type StreamTranslator } from '../translate/stream.ts';
import type { Usage } from '../usage.ts';

export const ANTHROPIC_MESSAGES_PATH = '/v1/messages';

export function anthropicHeaders(provider: ProviderSettings, version: string): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'anthropic-version': version,
  };
  if (provider.apiKey) headers['x-api-key'] = provider.apiKey;
  return headers;
}

export interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/** Input tokens include the cached ones: the budget counts every token the model read. */
export function anthropicUsage(usage: AnthropicUsage | null | undefined): Usage | null {
  if (!usage || typeof usage !== 'object') return null;
  return {
    promptTokens:
      Number(usage.input_tokens ?? 0) +
      Number(usage.cache_creation_input_tokens ?? 0) +
      Number(usage.cache_read_input_tokens ?? 0),
    completionTokens: Number(usage.output_tokens ?? 0),
  };
}

/**
 * Anthropic → Anthropic stream. Usage arrives in two places: input tokens in message_start,
 * output tokens (cumulative) in message_delta; only those two events are JSON-parsed.
 */
export class AnthropicPassthrough implements StreamTranslator {
  usage: Usage | null = null;
  deltas = 0;
  done = false;
  upstreamError: string | null = null;

  push(event: string | undefined, data: string): string {
    switch (event) {
      case 'content_block_delta':
        this.deltas += 1;
        break;
      case 'message_start': {
        const message = (JSON.parse(data) as { message?: { usage?: AnthropicUsage } }).message;
        this.usage = anthropicUsage(message?.usage) ?? { promptTokens: 0, completionTokens: 0 };
        break;
      }
      case 'message_delta': {
        const usage = (JSON.parse(data) as { usage?: AnthropicUsage }).usage;
        if (usage) {
          const prompt = this.usage?.promptTokens ?? 0;
          const extra = usage.input_tokens !== undefined ? anthropicUsage(usage)!.promptTokens : prompt;
          this.usage = {
            promptTokens: Math.max(prompt, extra),
            completionTokens: Number(usage.output_tokens ?? 0),
          };
        }
        break;
      }
      case 'message_stop':
        this.done = true;
        break;
      case 'error': {
        const error = (JSON.parse(data) as { error?: { message?: string } }).error;
        // The handler answers with its own SLUICE_STREAM_INTERRUPTED event instead.
        this.upstreamError = String(error?.message ?? 'upstream error');
        return '';
      }
    }
    return `event: ${event ?? 'message'}\ndata: ${data}\n\n`;
  }

  finish(): string {
    return '';
  }

  errorEvent(code: string, message: string): string {
    return anthropicErrorEvent(code, message);
  }
}
