/** Token counts of an Anthropic messages answer (the `usage` object, JSON or message_start / message_delta events). */
import type { Usage } from '../../usage.ts';

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
