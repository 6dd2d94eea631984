/** The parts of the Anthropic messages request the egress reads or writes (the rest is passed through or dropped). */

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
