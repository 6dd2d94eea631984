/** The parts of the two wire formats the egress reads or writes (the rest is passed through or dropped). */

export type OpenAIContentPart = { type: 'text'; text: string } | { type: string; [k: string]: unknown };

export interface OpenAIMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | string;
  content: string | OpenAIContentPart[] | null;
  [k: string]: unknown;
}

export interface OpenAIChatRequest {
  model?: string;
  messages: OpenAIMessage[];
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[] | null;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  user?: string;
  [k: string]: unknown;
}

export type AnthropicBlock = { type: 'text'; text: string } | { type: string; [k: string]: unknown };

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string | AnthropicBlock[];
}

export interface AnthropicRequest {
  model?: string;
  system?: string | AnthropicBlock[];
  messages: AnthropicMessage[];
  max_tokens: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  stop_sequences?: string[];
  stream?: boolean;
  metadata?: { user_id?: string };
  [k: string]: unknown;
}

/** Joins the text of OpenAI content (string or parts); non-text parts cannot be translated. */
export function textOf(content: string | { type: string; text?: unknown }[] | null | undefined): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => {
      if (part.type !== 'text' || typeof part.text !== 'string') {
        throw new TypeError(`content part of type "${part.type}" cannot be translated between providers`);
      }
      return part.text;
    })
    .join('');
}
