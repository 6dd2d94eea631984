/**
 * One LLM call through the egress, in the client's wire format (formats/):
 *   tenant → body (template, checks) → route (chain) → caps → budget reserve → fallback chain →
 *   answer or stream → settle.
 * Streams are committed to the client only when the upstream's first event has arrived, so
 * every failure before that can still fall back; after it, a broken stream ends with an error
 * event (SLUICE_STREAM_INTERRUPTED) in the client's format, never a silently truncated 200.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SHADOW_HEADER, type ShadowReason, withShadowReason } from '../../../policy/shadow.ts';
import { runWithinBudget } from '../chain-run.ts';
import type { LlmContext } from '../context.ts';
import type { CallPlan } from '../formats/codec.ts';
import type { WireFormatAdapter } from '../formats/wire-format.ts';
import { llmBody } from '../request-body.ts';
import { budgetStep } from '../reserve.ts';
import { capParameters, resolveChain } from '../routing.ts';
import { endStream, relayStream, streamedUsage } from '../stream-pump.ts';
import { tenantOf } from '../tenant.ts';

export type { LlmContext } from '../context.ts';
export { TENANT_HEADER, tenantOf } from '../tenant.ts';

export async function handleLlm(
  ctx: LlmContext,
  format: WireFormatAdapter,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const { metrics, now } = ctx;
  const route = format.route;
  const policy = tenantOf(ctx, request);
  const labels = { tenant: policy.tenantId, tier: policy.tier };
  // What shadowed limits let pass (policy/shadow.ts): the answer's sluice-shadow header.
  let shadowed: string | undefined;
  const shadow = (reason: ShadowReason) => {
    metrics.shadowDecisions.inc({ tenant: policy.tenantId, reason });
    shadowed = withShadowReason(shadowed, reason);
  };
  // 1. The body: template rendered, conversation and parameters checked (request-body.ts).
  const body = llmBody(ctx, format, policy, request.body, shadow);

  // 2. Route and caps.
  const candidates = resolveChain(policy, body['model']);
  const caps = capParameters(body, policy);
  const streamOptions = body['stream_options'] as { include_usage?: boolean } | null | undefined;
  const plan: CallPlan = {
    client: format,
    body,
    stream: body['stream'] === true,
    includeUsage: streamOptions?.include_usage === true,
    maxTokens: caps.maxTokens,
    created: Math.floor(now() / 1000),
  };

  // 3. Budget: reserve the worst case of the chain, atomically (reserve.ts).
  const budget = budgetStep(ctx, { policy, labels, body, candidates, maxTokens: caps.maxTokens, shadow });
  const { promptEstimate, settle } = budget;

  // 4. The fallback chain, side by side with the budget reserve (chain-run.ts).
  const { chain, signal, detach } = await runWithinBudget(ctx, policy, budget, plan, reply);
  const { model: served, fallbackFrom, value } = chain;
  const headers: Record<string, string> = { 'sluice-model': served.model };
  if (fallbackFrom) headers['sluice-fallback'] = `${fallbackFrom.model}->${served.model}`;
  if (caps.capped.length > 0) headers['sluice-capped'] = caps.capped.join(', ');
  if (shadowed) headers[SHADOW_HEADER] = shadowed;
  const outcome = budget.downgraded ? 'downgrade' : fallbackFrom ? 'fallback' : 'ok';

  // 5. The answer, then the settle with its real usage.
  if (value.kind === 'json') {
    detach();
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
  const relayed = await relayStream(res, pump, value.first, signal);
  const { interrupted } = relayed;
  if (relayed.internal !== undefined)
    ctx.logger.error({ err: relayed.internal, tenant: policy.tenantId }, 'egress internal error in a stream');
  detach();
  if (interrupted !== null) {
    // Only the provider's own failure counts toward its breaker.
    if (relayed.providerFault) ctx.breakers.get(served.provider, served.model).onFailure(now());
    metrics.streamInterruptions.inc({ provider: served.provider, model: served.model });
  }
  endStream(res, pump, interrupted, signal.aborted);
  metrics.requests.inc({
    ...labels,
    route,
    outcome: interrupted !== null ? 'stream_interrupted' : signal.aborted ? 'client_closed' : outcome,
  });
  settle(served, streamedUsage(pump.translator, promptEstimate));
}
