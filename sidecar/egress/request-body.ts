/**
 * The body of an LLM call as the egress will use it, checked before anything is spent: a JSON
 * object with a `messages` array, the tenant's template rendered into its last user message
 * (templates.ts, screened), the conversation and parameters checked by the client's wire format,
 * and the fields Sluice itself reads of the type it reads them as. Throws 400 SLUICE_BAD_REQUEST
 * (or the template's refusal) naming what to fix.
 */
import type { EffectivePolicy } from '../../policy/effective.ts';
import { SluiceError } from '../../policy/errors.ts';
import { isShadowed, type ShadowReason } from '../../policy/shadow.ts';
import type { LlmContext } from './context.ts';
import type { WireFormatAdapter } from './formats/wire-format.ts';
import { renderTemplateUse, templateUse } from './templates.ts';

export function llmBody(
  ctx: LlmContext,
  format: WireFormatAdapter,
  policy: EffectivePolicy,
  raw: unknown,
  shadow: (reason: ShadowReason) => void,
): Record<string, unknown> {
  const { metrics } = ctx;
  const labels = { tenant: policy.tenantId, tier: policy.tier };
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
  // a budget reservation or a breaker's patience (message-shape.ts, parameter-types.ts).
  format.checkConversation(body);
  format.checkParameters(body);
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
  return body;
}
