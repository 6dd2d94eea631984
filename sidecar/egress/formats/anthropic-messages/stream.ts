/** The Anthropic messages stream as a client of the same format gets it, and its error event. */
import type { Usage } from '../../usage.ts';
import type { StreamTranslator } from '../stream-translator.ts';
import { type AnthropicUsage, anthropicUsage } from './usage.ts';

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

/** The error event of an Anthropic stream (SLUICE_STREAM_INTERRUPTED after the first byte). */
export function anthropicErrorEvent(code: string, message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message, code } })}\n\n`;
}
