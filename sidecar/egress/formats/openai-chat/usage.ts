/** Token counts of an OpenAI chat-completions answer (the `usage` object, JSON or the stream's usage chunk). */
import type { Usage } from '../../usage.ts';

export interface OpenAIUsage {
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
