/**
 * The fallback layer: tries a request's candidate models in order, each guarded by its
 * (provider, model) circuit breaker. An attempt throws UpstreamFailure for a provider failure
 * (connection error, timeout, 429, 5xx) — only before anything reached the client; the handler
 * guarantees that by committing a stream only after its first upstream event. Any other error
 * (the client's 400, Sluice's own fault) leaves the breaker untouched and ends the chain.
 *
 * The policy's fallbackOn decides what a failure does for this tenant
 * (docs/adr/0012-failure-attribution.md):
 *   listed      → the next model (reason: the trigger);
 *   not listed  → the failure passes through as its own class: 429 SLUICE_UPSTREAM_RATE_LIMITED
 *                 with the provider's Retry-After, 504 SLUICE_UPSTREAM_TIMEOUT, 502
 *                 SLUICE_UPSTREAM_UNAVAILABLE.
 * The same holds for an open breaker: it reroutes (reason `breaker-open`) only when the class
 * that opened it is one the tenant falls back on; otherwise the tenant gets that class's answer
 * at once, with Retry-After until the breaker probes again — never a model it excluded.
 */
import type { EffectiveModel } from '../../policy/effective.ts';
import { type ErrorCode, SluiceError } from '../../policy/errors.ts';
import type { FallbackTrigger } from '../../policy/schema/tenant-policy.ts';
import type { BreakerBoard } from './breaker.ts';
import { UpstreamFailure } from './providers/upstream.ts';

/**
 * A SluiceError with response headers (Retry-After) as a third argument: the headers are the
 * error's structured `headers` (policy/errors.ts), which the error handler sends.
 */
export class EgressError extends SluiceError {
  constructor(
    code: ConstructorParameters<typeof SluiceError>[0],
    detail: string,
    headers: Record<string, string> = {},
  ) {
    super(code, detail, { headers });
  }
}

export interface ChainResult<T> {
  value: T;
  model: EffectiveModel;
  /** The model the request was first meant for, when another one served it. */
  fallbackFrom: EffectiveModel | null;
}

export interface ChainOptions<T> {
  candidates: EffectiveModel[];
  fallbackOn: readonly FallbackTrigger[];
  breakers: BreakerBoard;
  now: () => number;
  attempt: (model: EffectiveModel) => Promise<T>;
  /** Called for each hop: from → to, and why (a trigger or "breaker-open"). */
  onFallback?: (from: EffectiveModel, to: EffectiveModel, reason: string) => void;
  /** Called when an attempt failed (for logs). */
  onFailure?: (model: EffectiveModel, failure: UpstreamFailure) => void;
}

const name = (m: EffectiveModel) => `${m.provider}/${m.model}`;

export async function runChain<T>(options: ChainOptions<T>): Promise<ChainResult<T>> {
  const { candidates, breakers, now } = options;
  let retryAfterMs: number | undefined;
  let lastReason = 'breaker-open';
  const tried: string[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const model = candidates[i]!;
    const next = candidates[i + 1];
    const breaker = breakers.get(model.provider, model.model);
    if (!breaker.tryAcquire(now())) {
      const wait = breaker.retryInMs(now());
      const cause = breaker.openedBy() ?? 'server-error';
      if (!options.fallbackOn.includes(cause)) {
        throw new EgressError(
          classCode(cause),
          `${name(model)} is unavailable (${cause}, breaker open) and fallbackOn does not include ${cause}`,
          retryHeader(Math.max(1, wait)),
        );
      }
      retryAfterMs = retryAfterMs === undefined ? wait : Math.min(retryAfterMs, wait);
      tried.push(`${name(model)} (breaker open)`);
      if (next) options.onFallback?.(model, next, 'breaker-open');
      continue;
    }
    try {
      const value = await options.attempt(model);
      breaker.onSuccess();
      return { value, model, fallbackFrom: i > 0 ? candidates[0]! : null };
    } catch (error) {
      if (!(error instanceof UpstreamFailure)) {
        breaker.onAbandon();
        throw error;
      }
      breaker.onFailure(now(), error.retryAfterMs, error.trigger);
      options.onFailure?.(model, error);
      lastReason = error.trigger;
      tried.push(`${name(model)} (${error.status ?? error.trigger})`);
      if (error.retryAfterMs !== undefined) {
        retryAfterMs =
          retryAfterMs === undefined ? error.retryAfterMs : Math.min(retryAfterMs, error.retryAfterMs);
      }
      if (!options.fallbackOn.includes(error.trigger)) {
        // Not a trigger for this tenant: the client sees the failure as its own class, with the
        // provider's Retry-After (a 429 stays a 429).
        throw new EgressError(
          classCode(error.trigger),
          `${name(model)}: ${error.message}`,
          retryHeader(error.retryAfterMs ?? retryAfterMs),
        );
      }
      if (next) options.onFallback?.(model, next, error.trigger);
    }
  }
  throw new EgressError(
    'SLUICE_ALL_MODELS_FAILED',
    `tried ${tried.join(', ')}; last failure ${lastReason}`,
    retryHeader(retryAfterMs),
  );
}

/** The registry code of a failure class that passes through to the client. */
export function classCode(trigger: FallbackTrigger): ErrorCode {
  if (trigger === 'rate-limited') return 'SLUICE_UPSTREAM_RATE_LIMITED';
  if (trigger === 'timeout') return 'SLUICE_UPSTREAM_TIMEOUT';
  return 'SLUICE_UPSTREAM_UNAVAILABLE';
}

function retryHeader(ms: number | undefined): Record<string, string> {
  return ms === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) };
}
