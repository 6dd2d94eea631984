/**
 * Routing, pure: which models a request may go to (in fallback order), and the request's
 * parameters capped by the policy. No I/O; the handler applies the result.
 */
import type { EffectiveModel, EffectivePolicy } from '../../policy/effective.ts';
import { SluiceError } from '../../policy/errors.ts';

/** Primary, fallbacks, downgrade — each once, in that order (GET /v1/models). */
export function allowedModels(policy: EffectivePolicy): EffectiveModel[] {
  const out: EffectiveModel[] = [];
  const seen = new Set<string>();
  for (const m of [policy.models.primary, ...policy.models.fallbacks, policy.models.downgrade]) {
    if (!m || seen.has(`${m.provider}/${m.model}`)) continue;
    seen.add(`${m.provider}/${m.model}`);
    out.push(m);
  }
  return out;
}

function matches(m: EffectiveModel, name: string): boolean {
  return m.model === name || `${m.provider}/${m.model}` === name;
}

/**
 * The candidates for a request, in the order they are tried:
 *   model absent or "default" → primary, then every fallback;
 *   a fallback by name        → that fallback, then the fallbacks after it;
 *   the downgrade model       → only it.
 * Anything else → 400 SLUICE_MODEL_NOT_ALLOWED. A tenant without models has nothing to serve.
 */
export function resolveChain(policy: EffectivePolicy, requested: unknown): EffectiveModel[] {
  const { primary, fallbacks, downgrade } = policy.models;
  if (!primary)
    throw new SluiceError('SLUICE_MODEL_NOT_ALLOWED', `tenant ${policy.tenantId} has no models configured`);
  if (requested === undefined || requested === null || requested === '' || requested === 'default') {
    return [primary, ...fallbacks];
  }
  if (typeof requested !== 'string') throw new SluiceError('SLUICE_BAD_REQUEST', '"model" must be a string');
  if (matches(primary, requested)) return [primary, ...fallbacks];
  const index = fallbacks.findIndex((m) => matches(m, requested));
  if (index >= 0) return fallbacks.slice(index);
  if (downgrade && matches(downgrade, requested)) return [downgrade];
  throw new SluiceError(
    'SLUICE_MODEL_NOT_ALLOWED',
    `model ${JSON.stringify(requested)} is not allowed for ${policy.tenantId}`,
  );
}

export interface CapResult {
  /** The max_tokens the request goes out with (requested, capped, or the cap when absent). */
  maxTokens: number;
  /** "field=value" for every parameter that was lowered (the sluice-capped header). */
  capped: string[];
}

/**
 * Caps the LLM parameters in place: max_tokens (also OpenAI's max_completion_tokens) to
 * caps.maxTokens — and sets it when absent, so the reservation has a bound the provider honours;
 * temperature to caps.temperature; every caps.fields entry. Requests are capped, not rejected.
 */
export function capParameters(body: Record<string, unknown>, policy: EffectivePolicy): CapResult {
  const capped: string[] = [];
  const clamp = (name: string, max: number) => {
    const value = body[name];
    if (value === undefined || value === null) return;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new SluiceError('SLUICE_BAD_REQUEST', `"${name}" must be a number`);
    }
    if (value > max) {
      body[name] = max;
      capped.push(`${name}=${max}`);
    }
  };
  const cap = policy.caps.maxTokens;
  clamp('max_tokens', cap);
  clamp('max_completion_tokens', cap);
  const requested = (body['max_completion_tokens'] ?? body['max_tokens']) as number | undefined;
  // A token count is a whole number: 1.5 would reach the provider, which refuses it in its own
  // format (no registry code) after Sluice reserved budget for it.
  if (requested !== undefined && (requested < 1 || !Number.isInteger(requested)))
    throw new SluiceError('SLUICE_BAD_REQUEST', '"max_tokens" must be a whole number of at least 1');
  if (body['max_tokens'] === undefined && body['max_completion_tokens'] === undefined)
    body['max_tokens'] = cap;
  if (policy.caps.temperature !== null) clamp('temperature', policy.caps.temperature);
  for (const field of policy.caps.fields) clamp(field.name, field.max);
  return { maxTokens: requested ?? cap, capped };
}
