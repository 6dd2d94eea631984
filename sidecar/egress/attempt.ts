/**
 * One attempt of the fallback chain (chain.ts): one provider and model called in its wire format
 * (formats/), its answer read and judged. What a failure means is decided here once: the
 * connection failing, a 429 or 5xx, or an answer that breaks its own protocol is the provider's
 * (UpstreamFailure: the chain may fall back, the breaker counts it); a 4xx is the caller's and
 * passes through; anything else is Sluice's own (500, no breaker) —
 * docs/adr/0012-failure-attribution.md.
 */
import type { EffectiveModel } from '../../policy/effective.ts';
import type { LlmContext } from './context.ts';
import { type CallPlan, decodeAnswer, encodeRequest, streamTranslator } from './formats/codec.ts';
import { wireFormat } from './formats/registry.ts';
import {
  errorTrigger,
  isProviderFault,
  isTransportError,
  ProviderProtocolError,
  retryAfterMs,
  statusTrigger,
  UpstreamFailure,
  type UpstreamResponse,
} from './providers/upstream.ts';
import { type StreamPump, streamPump } from './stream-pump.ts';
import type { Usage } from './usage.ts';

/** An answer held back until the budget said yes: a whole JSON answer, or a stream's first bytes. */
export type Attempted =
  | { kind: 'json'; status: number; text: string; usage: Usage | null; contentType: string }
  | { kind: 'stream'; first: string; pump: StreamPump };

export async function attemptModel(
  ctx: LlmContext,
  plan: CallPlan,
  model: EffectiveModel,
  signal: AbortSignal,
): Promise<Attempted> {
  const provider = ctx.settings.providers[model.provider];
  if (!provider) {
    throw new UpstreamFailure(
      'connection-error',
      `provider ${JSON.stringify(model.provider)} is not configured`,
    );
  }
  const started = ctx.now();
  const format = wireFormat(provider.format);
  // Encoded before the call: an encoding failure is not the provider's (formats/codec.ts).
  const encoded = encodeRequest(plan, format, model.model);
  let response: UpstreamResponse;
  try {
    response = await ctx.client({
      provider,
      model: model.model,
      path: format.path,
      headers: format.headers(provider, ctx.settings),
      body: encoded,
      signal: signal,
    });
  } catch (error) {
    if (error instanceof UpstreamFailure || signal.aborted) throw error;
    // Only the connection failing is the provider's failure; anything else is ours.
    if (!isTransportError(error)) throw error;
    throw new UpstreamFailure(errorTrigger(error), (error as Error).message, { cause: error });
  }
  if (response.status >= 400) {
    const text = await response.body.text().catch(() => '');
    const trigger = statusTrigger(response.status);
    if (trigger) {
      throw new UpstreamFailure(trigger, `HTTP ${response.status}`, {
        status: response.status,
        retryAfterMs: retryAfterMs(response.headers, ctx.now()),
      });
    }
    // The caller's mistake (400, 401, 404 …): passed through as the upstream said it.
    const contentType = String(response.headers['content-type'] ?? 'application/json');
    return { kind: 'json', status: response.status, text, usage: null, contentType };
  }
  try {
    if (!plan.stream) {
      const text = await response.body.text();
      const answer = decodeAnswer(plan, format, model.model, text);
      return {
        kind: 'json',
        status: 200,
        text: answer.text,
        usage: answer.usage,
        contentType: 'application/json',
      };
    }
    const pump = streamPump(response.body, streamTranslator(plan, format, model.model));
    const first = await pump.next();
    if (first === null) throw new ProviderProtocolError('stream ended before its first event');
    ctx.metrics.ttft.observe({ provider: provider.name, model: model.model }, (ctx.now() - started) / 1000);
    return { kind: 'stream', first, pump };
  } catch (error) {
    response.body.destroy();
    if (error instanceof UpstreamFailure || signal.aborted) throw error;
    // Nothing reached the client yet: a broken or unreadable answer still falls back.
    // Unparsable JSON or an upstream error event is the provider's fault (server-error);
    // undici's socket and timeout errors carry a code. A well-formed answer that Sluice
    // fails to translate is Sluice's fault: no fallback, no breaker count, a 500.
    if (!isProviderFault(error)) throw error;
    const trigger = isTransportError(error) ? errorTrigger(error) : 'server-error';
    throw new UpstreamFailure(trigger, (error as Error).message, { cause: error });
  }
}
