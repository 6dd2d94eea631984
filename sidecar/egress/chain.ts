/**
 * The fallback layer: tries a request's candidate models in order, each guarded by its
 * (provider, model) circuit breaker. An attempt throws UpstreamFailure for a fallback-worthy
 * failure (connection error, timeout, 429, 5xx) — only before anything reached the client; the
 * handler guarantees that by committing a stream only after its first upstream event.
 * A trigger the policy does not list (fallbackOn) ends the chain at once.
 */
import type { EffectiveModel } from '../../policy/effective.ts';
import { SluiceError } from '../../policy/errors.ts';
import type { FallbackTrigger } from '../../policy/schema/tenant-policy.ts';
import type { BreakerBoard } from './breaker.ts';
import { UpstreamFailure } from './providers/upstream.ts';

/** A SluiceError with response headers (Retry-After). */
export class EgressError extends SluiceError {
  headers: Record<string, string>;

  constructor(
    code: ConstructorParameters<typeof SluiceError>[0],
    detail: string,
    headers: Record<string, string> = {},
  ) {
    super(code, detail);
    this.headers = headers;
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
      breaker.onFailure(now(), error.retryAfterMs);
      options.onFailure?.(model, error);
      lastReason = error.trigger;
      tried.push(`${name(model)} (${error.status ?? error.trigger})`);
      if (error.retryAfterMs !== undefined) {
        retryAfterMs =
          retryAfterMs === undefined ? error.retryAfterMs : Math.min(retryAfterMs, error.retryAfterMs);
      }
      if (!options.fallbackOn.includes(error.trigger)) {
        // Not a trigger for this tenant: the client sees the upstream's failure as it is.
        const code = error.trigger === 'timeout' ? 'SLUICE_UPSTREAM_TIMEOUT' : 'SLUICE_UPSTREAM_UNAVAILABLE';
        throw new EgressError(code, `${name(model)}: ${error.message}`, retryHeader(retryAfterMs));
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

function retryHeader(ms: number | undefined): Record<string, string> {
  return ms === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) };
}
