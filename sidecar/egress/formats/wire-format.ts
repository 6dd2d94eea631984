/**
 * One wire format an LLM API speaks (OpenAI chat completions, Anthropic messages): everything the
 * egress must know about it, behind one interface, one folder per format (`formats/<name>/`),
 * listed once in registry.ts. The route (routes/llm.ts) never asks which format it holds.
 *
 * A format is spoken on both sides: a client calls the egress in it (the route is `path`), and a
 * provider configured with it (SLUICE_EGRESS_<P>_FORMAT) is called in it, on the same `path`.
 * When both sides speak the same format the request and the answer pass through (only the model
 * and the usage are touched). When they differ, the answer is translated through the pivot,
 * OpenAI chat completions (docs/adr/0034-wire-formats-as-adapters.md): every other format
 * translates its client's request to the pivot and the pivot's answer back (`asClient`), and the
 * pivot's request to its provider and its provider's answer to the pivot (`asProvider`). A new
 * format therefore writes two translations, not one per format already there.
 */
import type { EffectiveModel } from '../../../policy/effective.ts';
import type { EgressSettings, ProviderSettings, WireFormat } from '../settings.ts';
import type { Usage } from '../usage.ts';
import type { OpenAIChatRequest } from './openai-chat/types.ts';
import type { StreamTranslator } from './stream-translator.ts';

export interface WireFormatAdapter {
  /** The format's name in the provider settings (`--provider p=<name>,…`, SLUICE_PROVIDER_<P>_FORMAT). */
  readonly name: WireFormat;
  /** Other names the provider settings accept for it (e.g. "openai-compatible"). */
  readonly aliases: readonly string[];
  /** The client's route on the egress and the provider's path under its base URL. */
  readonly path: string;
  /** The `route` label of the egress request metrics. */
  readonly route: string;
  /** Request headers for a provider of this format (content type, auth, version). */
  headers(provider: ProviderSettings, settings: EgressSettings): Record<string, string>;
  /**
   * Throws 400 SLUICE_BAD_REQUEST naming the first malformed field of the conversation (an
   * egress request in this format, the template's message already appended).
   */
  checkConversation(body: Record<string, unknown>): void;
  /** Throws 400 SLUICE_BAD_REQUEST naming the first parameter with the wrong JSON type. */
  checkParameters(body: Record<string, unknown>): void;
  /** The request for a provider of this format when the client speaks it too. */
  passthroughRequest(body: Record<string, unknown>, model: string, stream: boolean): Record<string, unknown>;
  /** The `usage` object of an answer in this format, as token counts (null when absent). */
  usage(raw: unknown): Usage | null;
  /** The upstream stream re-framed for a client of the same format, its usage picked out. */
  passthroughStream(includeUsage: boolean): StreamTranslator;
  /**
   * Whether a request's headers show its client speaks this format, for the routes every format
   * shares (GET /v1/models). The pivot is the answer when no format claims the request.
   */
  claims(headers: Record<string, string | string[] | undefined>): boolean;
  /** GET /v1/models in this format: the models a tenant may name. */
  modelList(models: readonly EffectiveModel[]): unknown;
  /** Translation from and to the pivot; null for the pivot itself (identity). */
  readonly asClient: ClientCodec | null;
  readonly asProvider: ProviderCodec | null;
}

/** A client of this format served by a provider of another: through the pivot. */
export interface ClientCodec {
  /**
   * The client's request as a pivot request, complete for an OpenAI provider (model, max_tokens,
   * stream_options.include_usage when streaming). Throws types.ts `untranslatable` (400) for
   * what the pivot cannot express.
   */
  request(body: Record<string, unknown>, model: string, maxTokens: number): OpenAIChatRequest;
  /** A pivot JSON answer as the client's answer. */
  response(answer: Record<string, unknown>, model: string): unknown;
  /** Pivot stream events (OpenAI chunks) → the client's stream bytes. */
  stream(model: string): StreamTranslator;
}

/** A provider of this format serving a client of another: through the pivot. */
export interface ProviderCodec {
  /** A pivot request as this provider's request (throws `untranslatable` for what it cannot express). */
  request(body: OpenAIChatRequest, model: string, maxTokens: number): unknown;
  /** The provider's JSON answer as a pivot answer. */
  response(answer: Record<string, unknown>, model: string, created: number): Record<string, unknown>;
  /** The provider's stream events → pivot stream bytes (OpenAI chunks, usage chunk when asked). */
  stream(model: string, created: number, includeUsage: boolean): StreamTranslator;
}
