/** The parts of the two wire formats the egress reads or writes (the rest is passed through or dropped). */
import { SluiceError } from '../../../policy/errors.ts';

/**
 * A request the other provider's format cannot express: the client's 400, thrown before any
 * provider is called (so it never reaches a breaker). Anything else a translator throws is a
 * Sluice bug (500 SLUICE_INTERNAL).
 */
export function untranslatable(what: string): SluiceError {
  return new SluiceError(
    'SLUICE_BAD_REQUEST',
    `${what} cannot be translated between providers; send text content only, or pin a model of the same format`,
  );
}

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

/** Joins the text of content (a string or text parts); anything else cannot be translated. */
export function textOf(content: unknown): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw untranslatable(`content of type ${typeof content}`);
  let out = '';
  for (const part of content as unknown[]) {
    const p = part as { type?: unknown; text?: unknown } | null;
    if (!p || typeof p !== 'object' || p.type !== 'text' || typeof p.text !== 'string') {
      throw untranslatable(
        `a content part of type ${JSON.stringify(String(p && typeof p === 'object' ? p.type : typeof p))}`,
      );
    }
    out += p.text;
  }
  return out;
}
