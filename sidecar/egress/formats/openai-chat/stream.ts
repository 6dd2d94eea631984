/** The OpenAI chat-completions stream as a client of the same format gets it, and its error event. */

import type { Usage } from '../../usage.ts';
import type { StreamTranslator } from '../stream-translator.ts';
import { type OpenAIUsage, openaiUsage } from './usage.ts';

/**
 * OpenAI → OpenAI stream. The egress always asks the upstream for the usage chunk (it needs it
 * for reconcile); when the client did not ask for it, that chunk is dropped so the client sees
 * exactly what it asked for. Only chunks that carry a usage object are JSON-parsed.
 */
export class OpenAIPassthrough implements StreamTranslator {
  private readonly forwardUsage: boolean;
  usage: Usage | null = null;
  deltas = 0;
  done = false;
  upstreamError: string | null = null;

  constructor(forwardUsage: boolean) {
    this.forwardUsage = forwardUsage;
  }

  push(_event: string | undefined, data: string): string {
    if (data === '[DONE]') {
      this.done = true;
      return 'data: [DONE]\n\n';
    }
    this.deltas += 1;
    // Real OpenAI sends `"usage":null` on every chunk when include_usage is on; only the last has an object.
    if (data.includes('"usage":{') || data.includes('"usage": {') || data.includes('"error"')) {
      const chunk = JSON.parse(data) as {
        usage?: OpenAIUsage | null;
        choices?: unknown[];
        error?: { message?: string };
      };
      if (chunk.error) {
        // The handler answers with its own SLUICE_STREAM_INTERRUPTED event instead.
        this.upstreamError = String(chunk.error.message ?? 'upstream error');
        return '';
      }
      const usage = openaiUsage(chunk.usage);
      if (usage) {
        this.usage = usage;
        this.deltas -= 1;
        if (!this.forwardUsage && (chunk.choices?.length ?? 0) === 0) return '';
      }
    }
    return `data: ${data}\n\n`;
  }

  finish(): string {
    return '';
  }

  errorEvent(code: string, message: string): string {
    return openaiErrorEvent(code, message);
  }
}

/** The error event of an OpenAI stream (SLUICE_STREAM_INTERRUPTED after the first byte). */
export function openaiErrorEvent(code: string, message: string): string {
  return `data: ${JSON.stringify({ error: { message, type: 'server_error', code } })}\n\n`;
}
