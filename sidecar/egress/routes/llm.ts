/**
 * One LLM call through the egress, for either client wire format:
 *   tenant → template → route (chain) → caps → budget reserve → fallback chain → answer → settle.
 * Streams are committed to the client only when the upstream's first event has arrived, so
 * every failure before that can still fall back; after it, a broken stream ends with an error
 * event (SLUICE_STREAM_INTERRUPTED) in the client's format, never a silently truncated 200.
 */
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type pino from 'pino';
import type { EffectiveModel, EffectivePolicy } from '../../../policy/effective.ts';
import { SluiceError } from '../../../policy/errors.ts';
import { isShadowed, SHADOW_HEADER, type ShadowReason, withShadowReason } from '../../../policy/shadow.ts';
import { isSluiceHeaderName, SLUICE_HEADERS } from '../../../policy/wire.ts';
import type { PolicyView } from '../../config/policy-view.ts';
import type { BreakerBoard } from '../breaker.ts';
import {
  type Amount,
  budgetLimits,
  costMicroUsd,
  estimatePromptTokens,
  priceOf,
  reservationFor,
  retryAfterSeconds,
} from '../budget/budget.ts';
import type { BudgetStore } from '../budget/store.ts';
import {
  leftOf,
  newHoldId,
  PENDING_RETRY_AFTER_S,
  reportBudget,
  reportSettled,
  reserveWithin,
} from '../budget.ts';
import { type ChainResult, EgressError, runChain } from '../chain.ts';
import { checkConversation } from '../message-shape.ts';
import type { EgressMetrics } from '../metrics.ts';
import { checkParameterTypes } from '../parameter-types.ts';
import {
  ANTHROPIC_MESSAGES_PATH,
  AnthropicPassthrough,
  anthropicHeaders,
  anthropicUsage,
} from '../providers/anthropic.ts';
import { OPENAI_CHAT_PATH, OpenAIPassthrough, openaiHeaders, openaiUsage } from '../providers/openai.ts';
import {
  errorTrigger,
  isProviderFault,
  isTransportError,
  ProviderProtocolError,
  retryAfterMs,
  statusTrigger,
  type UpstreamClient,
  UpstreamFailure,
  type UpstreamResponse,
} from '../providers/upstream.ts';
import { capParameters, resolveChain } from '../routing.ts';
import type { EgressSettings, ProviderSettings, WireFormat } from '../settings.ts';
import { renderTemplateUse, templateUse } from '../templates.ts';
import {
  ChatStreamToMessages,
  chatResponseToMessages,
  messagesRequestToChat,
} from '../translate/anthropic-to-openai.ts';
import {
  chatRequestToMessages,
  MessagesStreamToChat,
  messagesResponseToChat,
} from '../translate/openai-to-anthropic.ts';
import type { StreamTranslator } from '../translate/stream.ts';
import type { AnthropicRequest, OpenAIChatRequest } from '../translate/types.ts';
import { type Usage, usageIncrement } from '../usage.ts';

export interface LlmContext {
  policies: PolicyView;
  settings: EgressSettings;
  client: UpstreamClient;
  breakers: BreakerBoard;
  store: BudgetStore;
  metrics: EgressMetrics;
  logger: pino.Logger;
  now: () => number;
  /** Tenants whose last reserve was refused, until when (ms): their requests reserve first. */
  exhausted: Map<string, number>;
  /** Settles still running (app close waits for them; tests flush them). */
  track: (work: Promise<unknown>) => void;
  /** The sidecar's --shadow default (policy/shadow.ts, docs/adr/0027-shadow-mode.md). */
  shadow: boolean;
}

export const TENANT_HEADER = SLUICE_HEADERS.tenant;

/** How long after a refused reserve a tenant's requests wait for the budget before going upstream. */
const EXHAUSTED_HOLD_MS = 1_000;

/**
 * The tenant of a request, from the header the ingress set. 401 / 403 otherwise. The header must
 * be there exactly once and alone: a second x-sluice-tenant, or a look-alike such as
 * x_sluice_tenant (which WSGI stacks read as the same variable), means something other than the
 * ingress wrote tenant headers — refused rather than guessed.
 */
export function tenantOf(ctx: LlmContext, request: FastifyRequest): EffectivePolicy {
  const raw = request.raw.rawHeaders;
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length < 13 || !isSluiceHeaderName(name) || !isTenantHeaderName(name)) continue;
    if (name.toLowerCase() !== TENANT_HEADER)
      throw new SluiceError(
        'SLUICE_TENANT_UNKNOWN',
        `header ${JSON.stringify(name)}: send the tenant in x-sluice-tenant only`,
      );
    seen++;
  }
  if (seen > 1) throw new SluiceError('SLUICE_TENANT_UNKNOWN', `${TENANT_HEADER} sent more than once`);
  const header = request.headers[TENANT_HEADER];
  const id = Array.isArray(header) ? header[0] : header;
  const record = id ? ctx.policies.byTenant(id) : undefined;
  if (!record)
    throw new SluiceError(
      'SLUICE_TENANT_UNKNOWN',
      id ? `tenant ${JSON.stringify(id)}` : `no ${TENANT_HEADER} header`,
    );
  if (record.policy.suspended) throw new SluiceError('SLUICE_TENANT_SUSPENDED', `tenant ${id}`);
  return record.policy;
}

/** Whether a header name folds (case and punctuation dropped) to x-sluice-tenant. */
function isTenantHeaderName(name: string): boolean {
  return name.replace(/[^A-Za-z0-9]/g, '').toLowerCase() === 'xsluicetenant';
}

/** Characters and message count of the prompt, for the reservation estimate. */
function promptSize(body: Record<string, unknown>): { chars: number; messages: number } {
  let chars = 0;
  const add = (content: unknown) => {
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        // Parts come from the client: anything JSON can hold, null included.
        const text = part && typeof part === 'object' ? (part as { text?: unknown }).text : undefined;
        chars += typeof text === 'string' ? text.length : (JSON.stringify(part) ?? '').length;
      }
    }
  };
  add(body['system']);
  const messages = Array.isArray(body['messages']) ? (body['messages'] as { content?: unknown }[]) : [];
  for (const m of messages) add(m?.content);
  return { chars, messages: messages.length + (body['system'] ? 1 : 0) };
}

type Attempted =
  | { kind: 'json'; status: number; text: string; usage: Usage | null; contentType: string }
  | { kind: 'stream'; first: string; pump: StreamPump };

interface StreamPump {
  translator: StreamTranslator;
  /** Next bytes for the client, or null when the upstream ended; throws when it broke. */
  next(): Promise<string | null>;
  cancel(): void;
}

/** Reads an upstream SSE body event by event through a translator. */
function streamPump(body: UpstreamResponse['body'], translator: StreamTranslator): StreamPump {
  const iterator = body[Symbol.asyncIterator]();
  const decoder = new StringDecoder('utf8');
  let out = '';
  const parser = createParser({
    onEvent: (event) => {
      try {
        out += translator.push(event.event, event.data);
      } catch (error) {
        // Event data that is not JSON is the provider's; a translator that throws on valid data is ours.
        if (error instanceof SyntaxError)
          throw new ProviderProtocolError(`unreadable event: ${error.message}`);
        throw error;
      }
    },
  });
  return {
    translator,
    async next() {
      while (out === '') {
        if (translator.upstreamError !== null) throw new ProviderProtocolError(translator.upstreamError);
        const { value, done } = await iterator.next();
        if (done) {
          parser.feed(decoder.end());
          if (out !== '') break;
          return null;
        }
        parser.feed(decoder.write(value));
      }
      const chunk = out;
      out = '';
      return chunk;
    },
    cancel() {
      body.destroy();
    },
  };
}

interface Plan {
  clientFormat: WireFormat;
  body: Record<string, unknown>;
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number;
  created: number;
}

/**
 * The bytes for one provider: the checked body re-serialised (same format) or translated. Runs
 * before the provider is called, outside the transport's try: what it cannot encode is the
 * client's 400 (translate/types.ts untranslatable) or Sluice's 500, never a provider failure.
 * The body came from the strict reader, so its depth is bounded and JSON.stringify cannot overflow.
 */
function upstreamBody(plan: Plan, provider: ProviderSettings, model: string): string {
  const { body } = plan;
  if (plan.clientFormat === provider.format) {
    const out: Record<string, unknown> = { ...body, model };
    if (plan.stream && provider.format === 'openai') {
      const options = body['stream_options'];
      out['stream_options'] = {
        ...(options && typeof options === 'object' && !Array.isArray(options) ? options : {}),
        include_usage: true,
      };
    }
    return JSON.stringify(out);
  }
  if (plan.clientFormat === 'openai') {
    return JSON.stringify(chatRequestToMessages(body as unknown as OpenAIChatRequest, model, plan.maxTokens));
  }
  return JSON.stringify(messagesRequestToChat(body as unknown as AnthropicRequest, model, plan.maxTokens));
}

function translatorFor(plan: Plan, provider: ProviderSettings, model: string): StreamTranslator {
  if (plan.clientFormat === provider.format) {
    return provider.format === 'openai'
      ? new OpenAIPassthrough(plan.includeUsage)
      : new AnthropicPassthrough();
  }
  return plan.clientFormat === 'openai'
    ? new MessagesStreamToChat(model, plan.created, plan.includeUsage)
    : new ChatStreamToMessages(model);
}

/** The answer body for the client and the usage in it. Same format: the upstream's bytes as they are. */
function jsonAnswer(plan: Plan, provider: ProviderSettings, model: string, text: string) {
  if (plan.clientFormat === provider.format) {
    // Pass-through: the client gets the upstream's bytes; only the usage object is parsed.
    const usage = usageObject(text);
    if (usage !== undefined) {
      return { text, usage: provider.format === 'openai' ? openaiUsage(usage) : anthropicUsage(usage) };
    }
  }
  const parsed = JSON.parse(text) as Record<string, unknown>;
  if (provider.format === 'openai') {
    const usage = openaiUsage(parsed['usage'] as Parameters<typeof openaiUsage>[0]);
    const out = plan.clientFormat === 'openai' ? text : JSON.stringify(chatResponseToMessages(parsed, model));
    return { text: out, usage };
  }
  const usage = anthropicUsage(parsed['usage'] as Parameters<typeof anthropicUsage>[0]);
  const out =
    plan.clientFormat === 'anthropic'
      ? text
      : JSON.stringify(messagesResponseToChat(parsed, model, plan.created));
  return { text: out, usage };
}

/**
 * The `usage` object of a JSON answer without parsing the whole answer: both providers put it
 * at the top level, so the text from the last `"usage"` to its matching brace is parsed alone
 * (a `"usage"` inside the answer text comes before it). Undefined when that does not work out
 * (the caller then parses everything).
 */
function usageObject(text: string): Record<string, number> | undefined {
  const at = text.lastIndexOf('"usage"');
  if (at < 0) return undefined;
  const open = text.indexOf('{', at);
  if (open < 0) return undefined;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x7b) depth++;
    else if (ch === 0x7d && --depth === 0) {
      try {
        return JSON.parse(text.slice(open, i + 1)) as Record<string, number>;
      } catch {
        return undefined;
      }
    } else if (ch === 0x22) {
      // Skip a string (a key, or a nested details value), honouring backslash escapes.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    }
  }
  return undefined;
}

export async function handleLlm(
  ctx: LlmContext,
  clientFormat: WireFormat,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const { metrics, now } = ctx;
  const route = clientFormat === 'openai' ? 'chat-completions' : 'messages';
  const policy = tenantOf(ctx, request);
  const labels = { tenant: policy.tenantId, tier: policy.tier };
  // What shadowed limits let pass (policy/shadow.ts): the answer's sluice-shadow header.
  let shadowed: string | undefined;
  const shadow = (reason: ShadowReason) => {
    metrics.shadowDecisions.inc({ tenant: policy.tenantId, reason });
    shadowed = withShadowReason(shadowed, reason);
  };
  const raw = request.body;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SluiceError('SLUICE_BAD_REQUEST', 'the body must be a JSON object');
  }
  const body: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  // Absent messages are fine with a template (its text becomes the only message); anything else
  // that is not an array is refused, never replaced.
  if (body['messages'] === undefined) body['messages'] = [];
  if (!Array.isArray(body['messages'])) {
    throw new SluiceError('SLUICE_BAD_REQUEST', '"messages" must be an array of messages');
  }

  // 1. Template: rendered text becomes the last user message.
  const use = templateUse(body);
  if (use) {
    delete body['sluice'];
    try {
      const rendered = renderTemplateUse(policy, use, isShadowed(policy, 'screening', ctx.shadow));
      if (rendered.shadowed) shadow('prompt-rejected');
      if (rendered.verdict) {
        metrics.promptVerdicts.inc({
          ...labels,
          verdict: rendered.verdict.verdict,
          rule: rendered.verdict.rule,
        });
      }
      body['messages'] = [...(body['messages'] as unknown[]), { role: 'user', content: rendered.text }];
    } catch (error) {
      if (error instanceof SluiceError && error.code === 'SLUICE_PROMPT_REJECTED') {
        metrics.promptVerdicts.inc({ ...labels, verdict: 'reject', rule: error.detail ?? 'unknown' });
      }
      throw error;
    }
  }
  if ((body['messages'] as unknown[]).length === 0) {
    throw new SluiceError(
      'SLUICE_BAD_REQUEST',
      '"messages" must hold at least one message (or use sluice.template)',
    );
  }
  // Refused here rather than by the provider: a malformed body must not spend a provider call,
  // a budget reservation or a breaker's patience (message-shape.ts).
  checkConversation(clientFormat, body);
  checkParameterTypes(clientFormat, body);
  // Fields Sluice itself reads must have the type it reads them as: a lenient provider taking
  // `"stream": "true"` for true would answer a stream the egress did not ask for, and that would
  // look like the provider's broken answer — a client must not be able to make one.
  const streamField = body['stream'];
  if (streamField !== undefined && streamField !== null && typeof streamField !== 'boolean') {
    throw new SluiceError('SLUICE_BAD_REQUEST', '"stream" must be true or false');
  }
  const optionsField = body['stream_options'];
  if (
    optionsField !== undefined &&
    optionsField !== null &&
    (typeof optionsField !== 'object' || Array.isArray(optionsField))
  ) {
    throw new SluiceError('SLUICE_BAD_REQUEST', '"stream_options" must be an object');
  }

  // 2. Route and caps.
  let candidates = resolveChain(policy, body['model']);
  const caps = capParameters(body, policy);
  const stream = body['stream'] === true;
  const streamOptions = body['stream_options'] as { include_usage?: boolean } | null | undefined;
  const plan: Plan = {
    clientFormat,
    body,
    stream,
    includeUsage: streamOptions?.include_usage === true,
    maxTokens: caps.maxTokens,
    created: Math.floor(now() / 1000),
  };

  // 3. Budget: reserve the worst case of the chain, atomically.
  const at = now();
  const limits = budgetLimits(policy, at);
  const size = promptSize(body);
  const promptEstimate = estimatePromptTokens(size.chars, size.messages);
  const prices = (chain: EffectiveModel[]) => chain.map((m) => priceOf(m, ctx.settings.prices));
  let reservation: Amount = reservationFor(promptEstimate, caps.maxTokens, prices(candidates));
  // The hold is named before the reserve is sent: the settle releases it whatever became of the
  // reserve's answer (docs/adr/0016-budget-holds.md).
  const holdId = newHoldId();
  let downgraded = false;
  let waited = false;
  const admit = async (): Promise<void> => {
    try {
      const request = { tenantId: policy.tenantId, limits, holdId, amount: reservation, force: false };
      const result = await reserveWithin(ctx.store, request, { onWait: () => dropSpeculative() });
      reportBudget(metrics, labels, limits, result, reservation);
      if (result.ok) {
        ctx.exhausted.delete(policy.tenantId);
        return;
      }
      ctx.exhausted.set(policy.tenantId, now() + EXHAUSTED_HOLD_MS);
      const { kind, budget } = result.refusal;
      if (isShadowed(policy, budget, ctx.shadow)) {
        // Shadow: the refusal is counted as it would have been and the request holds its worst
        // case anyway (like a downgrade), so usage and holds move exactly as if it were admitted.
        if (kind === 'pending') metrics.budgetPending.inc({ ...labels, budget });
        else metrics.budgetRejections.inc({ ...labels, budget });
        await ctx.store.reserve({ ...request, force: true });
        shadow(kind === 'pending' ? 'budget-pending' : 'budget-exhausted');
        return;
      }
      if (kind === 'pending') {
        // Settled usage leaves room; answers still in flight hold it. Seconds, not a month.
        metrics.budgetPending.inc({ ...labels, budget });
        throw new EgressError(
          'SLUICE_BUDGET_PENDING',
          `${budget} budget of ${policy.tenantId}: ${leftOf(limits, result.settled, budget)}, held by answers in flight`,
          { 'retry-after': String(PENDING_RETRY_AFTER_S) },
        );
      }
      const downgrade = policy.models.downgrade;
      if (policy.limits.budgetAction === 'downgrade' && downgrade) {
        // Over budget, the tenant's chosen cheap model still answers; its usage is still counted.
        candidates = [downgrade];
        downgraded = true;
        reservation = reservationFor(promptEstimate, caps.maxTokens, prices(candidates));
        await ctx.store.reserve({ ...request, amount: reservation, force: true });
        metrics.downgrades.inc(labels);
        return;
      }
      metrics.budgetRejections.inc({ ...labels, budget });
      throw new EgressError(
        'SLUICE_BUDGET_EXHAUSTED',
        `${budget} budget of ${policy.tenantId}: ${leftOf(limits, result.settled, budget)}, this request holds ${budget === 'tokens' ? `${reservation.tokens} tokens (prompt estimate + max_tokens)` : `$${(reservation.costMicroUsd / 1_000_000).toFixed(6)}`}`,
        { 'retry-after': String(retryAfterSeconds(limits, budget, at)) },
      );
    } catch (error) {
      if (error instanceof SluiceError) throw error;
      // Not a refusal: in Redis mode the store (budget/outage-store.ts, ADR 0030) has already
      // served a failed reserve within this replica's share or refused it. Serve and say so; the
      // settle releases the hold if it was placed.
      metrics.budgetStoreErrors.inc({ op: 'reserve' });
      ctx.logger.warn(
        { tenant: policy.tenantId, err: error },
        'budget reserve failed; serving without reservation',
      );
    }
  };

  const settle = (served: EffectiveModel | null, usage: Usage | null) => {
    const price = served ? priceOf(served, ctx.settings.prices) : null;
    const cost = usage && price ? costMicroUsd(price, usage.promptTokens, usage.completionTokens) : 0;
    const actual = usage ? usage.promptTokens + usage.completionTokens : 0;
    if (served && usage) {
      const l = { ...labels, provider: served.provider, model: served.model };
      metrics.tokens.inc({ ...l, kind: 'prompt' }, usage.promptTokens);
      metrics.tokens.inc({ ...l, kind: 'completion' }, usage.completionTokens);
      metrics.cost.inc(l, cost / 1_000_000);
    }
    const work = ctx.store
      .settle({
        tenantId: policy.tenantId,
        limits,
        hold: { id: holdId, amount: reservation },
        actual: { tokens: actual, costMicroUsd: cost },
        usage:
          served && usage
            ? usageIncrement(
                ctx.settings.keyPrefix,
                policy.tenantId,
                served.provider,
                served.model,
                usage,
                cost,
                now(),
              )
            : null,
      })
      .then((settled) => settled && reportSettled(metrics, labels, limits, settled))
      .catch((error: unknown) => {
        metrics.budgetStoreErrors.inc({ op: 'settle' });
        ctx.logger.warn({ tenant: policy.tenantId, err: error }, 'budget settle failed');
      });
    ctx.track(work);
  };

  // 4. The fallback chain, side by side with the budget reserve: the reserve's Redis round trip
  // stays off the time to first token. Nothing reaches the client before the budget said yes
  // (the answer or the stream's first event is held); a no aborts the upstream call. While a
  // tenant is being refused, its requests wait for the budget first, so an exhausted tenant
  // does not cost upstream calls that are thrown away.
  let abort = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) abort.abort();
  };
  reply.raw.on('close', onClose);
  const runFor = (list: EffectiveModel[], signal: AbortSignal) =>
    runChain<Attempted>({
      candidates: list,
      fallbackOn: policy.models.fallbackOn,
      breakers: ctx.breakers,
      now,
      onFallback: (from, to, reason) =>
        metrics.fallbacks.inc({ ...labels, from: from.model, to: to.model, reason }),
      onFailure: (model, failure) =>
        ctx.logger.info(
          { tenant: policy.tenantId, provider: model.provider, model: model.model, trigger: failure.trigger },
          `upstream failed: ${failure.message}`,
        ),
      attempt: async (model) => {
        const provider = ctx.settings.providers[model.provider];
        if (!provider) {
          throw new UpstreamFailure(
            'connection-error',
            `provider ${JSON.stringify(model.provider)} is not configured`,
          );
        }
        const started = now();
        // Encoded before the call: an encoding failure is not the provider's (see upstreamBody).
        const encoded = upstreamBody(plan, provider, model.model);
        let response: UpstreamResponse;
        try {
          response = await ctx.client({
            provider,
            model: model.model,
            path: provider.format === 'openai' ? OPENAI_CHAT_PATH : ANTHROPIC_MESSAGES_PATH,
            headers:
              provider.format === 'openai'
                ? openaiHeaders(provider)
                : anthropicHeaders(provider, ctx.settings.anthropicVersion),
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
              retryAfterMs: retryAfterMs(response.headers, now()),
            });
          }
          // The caller's mistake (400, 401, 404 …): passed through as the upstream said it.
          const contentType = String(response.headers['content-type'] ?? 'application/json');
          return { kind: 'json', status: response.status, text, usage: null, contentType };
        }
        try {
          if (!stream) {
            const text = await response.body.text();
            const answer = jsonAnswer(plan, provider, model.model, text);
            return {
              kind: 'json',
              status: 200,
              text: answer.text,
              usage: answer.usage,
              contentType: 'application/json',
            };
          }
          const pump = streamPump(response.body, translatorFor(plan, provider, model.model));
          const first = await pump.next();
          if (first === null) throw new ProviderProtocolError('stream ended before its first event');
          metrics.ttft.observe({ provider: provider.name, model: model.model }, (now() - started) / 1000);
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
      },
    });

  const discard = (pending: Promise<ChainResult<Attempted>>, controller: AbortController) => {
    controller.abort();
    pending.then(
      (r) => r.value.kind === 'stream' && r.value.pump.cancel(),
      () => undefined,
    );
  };
  // Waiting for holds to settle: the call started beside the reserve would be answered and thrown
  // away at the provider's cost; stop it now and start afresh once the budget says yes.
  const dropSpeculative = () => {
    waited = true;
    if (!pending) return;
    discard(pending, abort);
    pending = null;
    abort = new AbortController();
    if (reply.raw.destroyed) abort.abort();
  };
  const holdUntil = ctx.exhausted.get(policy.tenantId);
  let pending: Promise<ChainResult<Attempted>> | null = null;
  if (holdUntil === undefined || holdUntil <= now()) {
    pending = runFor(candidates, abort.signal);
    pending.catch(() => undefined); // awaited below; this keeps an early failure from being "unhandled"
  }
  try {
    await admit();
  } catch (error) {
    reply.raw.off('close', onClose);
    if (pending) discard(pending, abort);
    throw error;
  }
  // A downgrade, or a wait for holds to settle: the speculative call was for the old plan or is
  // stale; start again now that the budget said yes.
  if ((downgraded || waited) && pending) {
    discard(pending, abort);
    pending = null;
    abort = new AbortController();
    if (reply.raw.destroyed) abort.abort(); // the client left while the budget answered
  }

  let chain: ChainResult<Attempted>;
  try {
    chain = await (pending ?? runFor(candidates, abort.signal));
  } catch (error) {
    reply.raw.off('close', onClose);
    settle(null, null);
    throw error;
  }

  const { model: served, fallbackFrom, value } = chain;
  const headers: Record<string, string> = { 'sluice-model': served.model };
  if (fallbackFrom) headers['sluice-fallback'] = `${fallbackFrom.model}->${served.model}`;
  if (caps.capped.length > 0) headers['sluice-capped'] = caps.capped.join(', ');
  if (shadowed) headers[SHADOW_HEADER] = shadowed;
  const outcome = downgraded ? 'downgrade' : fallbackFrom ? 'fallback' : 'ok';

  if (value.kind === 'json') {
    reply.raw.off('close', onClose);
    if (value.status !== 200) {
      settle(null, null);
      metrics.requests.inc({ ...labels, route, outcome: `upstream_${value.status}` });
      return reply.code(value.status).headers(headers).type(value.contentType).send(value.text);
    }
    const usage = value.usage ?? { promptTokens: promptEstimate, completionTokens: 0 };
    metrics.requests.inc({ ...labels, route, outcome });
    await reply.code(200).headers(headers).type('application/json').send(value.text);
    settle(served, usage);
    return;
  }

  // Streaming: from here on the client has bytes, so no fallback — only a clean error event.
  const { pump } = value;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const write = async (text: string) => {
    if (!res.write(text)) await new Promise((resolve) => res.once('drain', resolve));
  };
  let interrupted: string | null = null;
  let providerFault = true;
  try {
    await write(value.first);
    for (;;) {
      if (abort.signal.aborted) break;
      const chunk = await pump.next();
      if (chunk === null) break;
      await write(chunk);
    }
    if (!abort.signal.aborted && !pump.translator.done)
      interrupted = 'the upstream stream ended before its end marker';
  } catch (error) {
    interrupted = abort.signal.aborted ? null : (error as Error).message || 'the upstream stream broke';
    providerFault = isProviderFault(error);
    if (!providerFault && !abort.signal.aborted)
      ctx.logger.error({ err: error, tenant: policy.tenantId }, 'egress internal error in a stream');
  }
  reply.raw.off('close', onClose);
  if (interrupted !== null) {
    pump.cancel();
    // Only the provider's own failure counts toward its breaker.
    if (providerFault) ctx.breakers.get(served.provider, served.model).onFailure(now());
    metrics.streamInterruptions.inc({ provider: served.provider, model: served.model });
    const error = new SluiceError('SLUICE_STREAM_INTERRUPTED', interrupted);
    if (!res.destroyed) res.write(pump.translator.errorEvent(error.code, error.message));
  } else {
    const tail = pump.translator.finish();
    if (tail && !res.destroyed) res.write(tail);
  }
  if (abort.signal.aborted) pump.cancel();
  res.end();
  metrics.requests.inc({
    ...labels,
    route,
    outcome: interrupted !== null ? 'stream_interrupted' : abort.signal.aborted ? 'client_closed' : outcome,
  });
  // A stream that broke before its usage: charge the prompt estimate and one token per delta seen.
  const seen = pump.translator.usage;
  const usage =
    seen && pump.translator.done
      ? seen
      : {
          promptTokens: seen?.promptTokens || promptEstimate,
          completionTokens: Math.max(seen?.completionTokens ?? 0, pump.translator.deltas),
        };
  settle(served, usage);
}
