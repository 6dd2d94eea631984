/** The parts of the OpenAI chat-completions request the egress reads or writes (the rest is passed through or dropped). */

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
