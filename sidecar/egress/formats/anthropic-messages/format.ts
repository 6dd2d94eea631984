/**
 * The Anthropic messages wire format (POST /v1/messages): x-api-key and anthropic-version
 * headers, usage as input (cached included) and output tokens, and the translation to and from
 * the pivot (as-client.ts: an Anthropic client on an OpenAI provider; as-provider.ts: an
 * Anthropic provider serving an OpenAI client).
 */
import type { ProviderSettings } from '../../settings.ts';
import type { OpenAIChatRequest } from '../openai-chat/types.ts';
import type { WireFormatAdapter } from '../wire-format.ts';
import { ChatStreamToMessages, chatResponseToMessages, messagesRequestToChat } from './as-client.ts';
import { chatRequestToMessages, MessagesStreamToChat, messagesResponseToChat } from './as-provider.ts';
import { checkAnthropicConversation } from './conversation.ts';
import { checkAnthropicParameters } from './parameters.ts';
import { AnthropicPassthrough } from './stream.ts';
import type { AnthropicRequest } from './types.ts';
import { anthropicUsage } from './usage.ts';

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

export const anthropicMessages: WireFormatAdapter = {
  name: 'anthropic',
  aliases: [],
  path: ANTHROPIC_MESSAGES_PATH,
  route: 'messages',
  headers: (provider, settings) => anthropicHeaders(provider, settings.anthropicVersion),
  checkConversation: checkAnthropicConversation,
  checkParameters: checkAnthropicParameters,
  passthroughRequest: (body, model) => ({ ...body, model }),
  usage: (raw) => anthropicUsage(raw as Parameters<typeof anthropicUsage>[0]),
  passthroughStream: () => new AnthropicPassthrough(),
  // The Anthropic SDK sends anthropic-version on every request.
  claims: (headers) => Boolean(headers['anthropic-version']),
  modelList: (models) => {
    const data = models.map((m) => ({
      type: 'model',
      id: m.model,
      display_name: m.model,
      created_at: '1970-01-01T00:00:00Z',
    }));
    return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  },
  asClient: {
    request: (body, model, maxTokens) =>
      messagesRequestToChat(body as unknown as AnthropicRequest, model, maxTokens),
    response: (answer, model) => chatResponseToMessages(answer, model),
    stream: (model) => new ChatStreamToMessages(model),
  },
  asProvider: {
    request: (body: OpenAIChatRequest, model, maxTokens) => chatRequestToMessages(body, model, maxTokens),
    response: (answer, model, created) => messagesResponseToChat(answer, model, created),
    stream: (model, created, includeUsage) => new MessagesStreamToChat(model, created, includeUsage),
  },
};
