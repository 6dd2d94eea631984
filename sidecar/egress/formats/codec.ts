/**
 * The bytes between a client of one wire format and a provider of another (or the same):
 * request, JSON answer and stream, each either passed through (same format) or translated
 * through the pivot (formats/wire-format.ts). The only place that compares two formats.
 */
import type { Usage } from '../usage.ts';
import type { OpenAIChatRequest } from './openai-chat/types.ts';
import { composeTranslators, type StreamTranslator } from './stream-translator.ts';
import { usageObject } from './usage-object.ts';
import type { WireFormatAdapter } from './wire-format.ts';

/** What one call needs to encode and decode, whatever the provider. */
export interface CallPlan {
  client: WireFormatAdapter;
  /** The checked body in the client's format (template applied, parameters capped). */
  body: Record<string, unknown>;
  stream: boolean;
  /** The client asked for the stream's usage chunk (OpenAI stream_options.include_usage). */
  includeUsage: boolean;
  maxTokens: number;
  /** Seconds since the epoch, for translated answers that carry a `created` time. */
  created: number;
}

/**
 * The bytes for one provider: the checked body re-serialised (same format) or translated. Runs
 * before the provider is called, outside the transport's try: what it cannot encode is the
 * client's 400 (formats/untranslatable.ts) or Sluice's 500, never a provider failure.
 * The body came from the strict reader, so its depth is bounded and JSON.stringify cannot overflow.
 */
export function encodeRequest(plan: CallPlan, upstream: WireFormatAdapter, model: string): string {
  const { client, body } = plan;
  if (client === upstream) return JSON.stringify(upstream.passthroughRequest(body, model, plan.stream));
  const pivot = client.asClient
    ? client.asClient.request(body, model, plan.maxTokens)
    : (body as unknown as OpenAIChatRequest);
  return JSON.stringify(
    upstream.asProvider ? upstream.asProvider.request(pivot, model, plan.maxTokens) : pivot,
  );
}

/** The answer body for the client and the usage in it. Same format: the upstream's bytes as they are. */
export function decodeAnswer(
  plan: CallPlan,
  upstream: WireFormatAdapter,
  model: string,
  text: string,
): { text: string; usage: Usage | null } {
  const { client } = plan;
  if (client === upstream) {
    // Pass-through: the client gets the upstream's bytes; only the usage object is parsed.
    const usage = usageObject(text);
    if (usage !== undefined) return { text, usage: upstream.usage(usage) };
  }
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const usage = upstream.usage(parsed['usage']);
  if (client === upstream) return { text, usage };
  const pivot = upstream.asProvider ? upstream.asProvider.response(parsed, model, plan.created) : parsed;
  return { text: JSON.stringify(client.asClient ? client.asClient.response(pivot, model) : pivot), usage };
}

/** What turns the provider's stream events into the client's bytes. */
export function streamTranslator(
  plan: CallPlan,
  upstream: WireFormatAdapter,
  model: string,
): StreamTranslator {
  const { client } = plan;
  if (client === upstream) return upstream.passthroughStream(plan.includeUsage);
  if (!upstream.asProvider) return client.asClient!.stream(model);
  if (!client.asClient) return upstream.asProvider.stream(model, plan.created, plan.includeUsage);
  // Neither is the pivot: provider → pivot (with its usage chunk, for the client's end) → client.
  return composeTranslators(
    upstream.asProvider.stream(model, plan.created, true),
    client.asClient.stream(model),
  );
}
