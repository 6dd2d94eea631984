/**
 * The OpenAI chat-completions wire format: path, auth headers, usage in a JSON answer, and the
 * pass-through stream (client and upstream both speak OpenAI).
 */

import type { ProviderSettings } from '../settings.ts';
import { openaiErrorEvent, type StreamTranslator } from '../translate/stream.ts';
import type { Usage } from '../usage.ts';

export const OPENAI_CHAT_PATH = '/v1/chat/completions';

export function openaiHeaders(provider: ProviderSettings): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (provider.apiKey) headers['authorization'] = `Bearer ${provider.apiKey}`;
  return headers;
}

interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

export function openaiUsage(usage: OpenAIUsage | null | undefined): Usage | null {
  if (!usage || typeof usage !== 'object') return null;
  return {
    promptTokens: Number(usage.prompt_tokens ?? 0),
    completionTokens: Number(usage.completion_tokens ?? 0),
  };
}

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
