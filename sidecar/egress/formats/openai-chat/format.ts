/**
 * The OpenAI chat-completions wire format (POST /v1/chat/completions), also the pivot every other
 * format translates through (formats/wire-format.ts): bearer auth, the usage chunk always asked
 * for when streaming, usage as prompt_tokens / completion_tokens.
 */
import type { ProviderSettings } from '../../settings.ts';
import type { WireFormatAdapter } from '../wire-format.ts';
import { checkOpenAIConversation } from './conversation.ts';
import { checkOpenAIParameters } from './parameters.ts';
import { OpenAIPassthrough } from './stream.ts';
import { openaiUsage } from './usage.ts';

export const OPENAI_CHAT_PATH = '/v1/chat/completions';

export function openaiHeaders(provider: ProviderSettings): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (provider.apiKey) headers['authorization'] = `Bearer ${provider.apiKey}`;
  return headers;
}

export const openaiChat: WireFormatAdapter = {
  name: 'openai',
  // Any server speaking OpenAI's API (vLLM, Ollama, LiteLLM): the name the docs and charts use.
  aliases: ['openai-compatible'],
  path: OPENAI_CHAT_PATH,
  route: 'chat-completions',
  headers: (provider) => openaiHeaders(provider),
  checkConversation: checkOpenAIConversation,
  checkParameters: checkOpenAIParameters,
  passthroughRequest(body, model, stream) {
    const out: Record<string, unknown> = { ...body, model };
    // The egress needs the usage chunk for reconcile; OpenAIPassthrough drops it again when the
    // client did not ask for it.
    if (stream) {
      const options = body['stream_options'];
      out['stream_options'] = {
        ...(options && typeof options === 'object' && !Array.isArray(options) ? options : {}),
        include_usage: true,
      };
    }
    return out;
  },
  usage: (raw) => openaiUsage(raw as Parameters<typeof openaiUsage>[0]),
  passthroughStream: (includeUsage) => new OpenAIPassthrough(includeUsage),
  // The pivot: what a request no other format claims is answered in.
  claims: () => false,
  modelList: (models) => ({
    object: 'list',
    data: models.map((m) => ({ id: m.model, object: 'model', created: 0, owned_by: m.provider })),
  }),
  asClient: null,
  asProvider: null,
};
