/**
 * The outbound path as layers around one upstream client (STYLE: undici interceptors):
 *   poolClient     one undici Pool per provider, keep-alive, body idle timeout
 *   withTimeout    time-to-headers deadline → UpstreamFailure('timeout')
 *   withMetrics    upstream latency to headers, by provider/model/outcome
 * The fallback layer (chain.ts) sits on top and decides what a failure means. Each layer is a
 * plain function `(next) => client`, so a test or a deployment can swap any of them.
 */
import { Pool } from 'undici';
import type { FallbackTrigger } from '../../../policy/schema/tenant-policy.ts';
import type { EgressMetrics } from '../metrics.ts';
import type { ProviderSettings } from '../settings.ts';

export interface UpstreamRequest {
  provider: ProviderSettings;
  model: string;
  /** Path under the provider's base URL, e.g. "/v1/chat/completions". */
  path: string;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The undici body: an async iterable of Buffers; must be consumed or destroyed. */
  body: AsyncIterable<Buffer> & { destroy(error?: Error): unknown; text(): Promise<string> };
}

export type UpstreamClient = (request: UpstreamRequest) => Promise<UpstreamResponse>;

/** A failure the fallback chain may act on: which trigger it is and the provider's Retry-After. */
export class UpstreamFailure extends Error {
  readonly trigger: FallbackTrigger;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(
    trigger: FallbackTrigger,
    message: string,
    options: { retryAfterMs?: number; status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'UpstreamFailure';
    this.trigger = trigger;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}

/** Which fallback trigger an HTTP status is, or null when it is the caller's problem (4xx). */
export function statusTrigger(status: number): FallbackTrigger | null {
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server-error';
  return null;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const SOCKET_CODES = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_REQ_RETRY']);

/**
 * Whether an error is the provider's connection failing: undici's socket and timeout errors, or
 * a system error (ECONNREFUSED, ECONNRESET, ENOTFOUND …). Anything else thrown while calling a
 * provider — undici refusing an argument, a bug — is Sluice's own fault and must not count
 * toward the provider's breaker (docs/adr/0012-failure-attribution.md).
 */
export function isTransportError(error: unknown): boolean {
  if (error instanceof UpstreamFailure) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return TIMEOUT_CODES.has(code) || SOCKET_CODES.has(code) || /^E[A-Z]+$/.test(code);
}

/** A thrown error as a trigger: undici timeouts are `timeout`, everything else a connection error. */
export function errorTrigger(error: unknown): FallbackTrigger {
  if (error instanceof UpstreamFailure) return error.trigger;
  const code = (error as { code?: string }).code;
  return code && TIMEOUT_CODES.has(code) ? 'timeout' : 'connection-error';
}

/**
 * The provider's answer broke its own protocol: a 200 whose JSON does not parse, an error event
 * in a stream, a stream that ends before its first event. A provider failure (server-error),
 * unlike a well-formed answer Sluice fails to translate (SLUICE_INTERNAL).
 */
export class ProviderProtocolError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProviderProtocolError';
  }
}

/** Whether an error while reading an answer is the provider's fault (JSON syntax counts). */
export function isProviderFault(error: unknown): boolean {
  return error instanceof ProviderProtocolError || error instanceof SyntaxError || isTransportError(error);
}

/**
 * Retry-After in ms: OpenAI's `retry-after-ms` first, then `retry-after` as seconds or an HTTP
 * date. Undefined when absent or unreadable.
 */
export function retryAfterMs(headers: UpstreamResponse['headers'], now: number): number | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const ms = Number(first(headers['retry-after-ms']));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = first(headers['retry-after']);
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds > 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isFinite(date) && date > now ? date - now : undefined;
}

export interface PoolClient {
  client: UpstreamClient;
  close(): Promise<void>;
}

/** The base client: one Pool per provider, created lazily, closed with the app. */
export function poolClient(): PoolClient {
  const pools = new Map<string, Pool>();
  const poolFor = (provider: ProviderSettings) => {
    let pool = pools.get(provider.name);
    if (!pool) {
      const url = new URL(provider.baseUrl);
      pool = new Pool(url.origin, {
        connections: provider.connections,
        bodyTimeout: provider.idleTimeoutMs,
        // withTimeout owns the headers deadline; keep undici's own one as a backstop only.
        headersTimeout: provider.timeoutMs * 2,
        keepAliveTimeout: 30_000,
      });
      pools.set(provider.name, pool);
    }
    return pool;
  };
  return {
    async client(request) {
      const pool = poolFor(request.provider);
      const prefix = new URL(request.provider.baseUrl).pathname.replace(/\/+$/, '');
      const response = await pool.request({
        method: 'POST',
        path: prefix + request.path,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
      });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
    },
  };
}

/** Deadline to response headers (`provider.timeoutMs`); the body has undici's idle timeout. */
export function withTimeout(next: UpstreamClient): UpstreamClient {
  return async (request) => {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, request.provider.timeoutMs);
    const onAbort = () => controller.abort();
    request.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await next({ ...request, signal: controller.signal });
    } catch (error) {
      if (timedOut) {
        throw new UpstreamFailure(
          'timeout',
          `${request.provider.name}/${request.model}: no answer in ${request.provider.timeoutMs} ms`,
          {
            cause: error,
          },
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
      // The caller's signal still aborts the body (the client went away) through this controller.
      if (request.signal.aborted) controller.abort();
    }
  };
}

/** Upstream latency to headers, by outcome (HTTP status class or the failure trigger). */
export function withMetrics(next: UpstreamClient, metrics: EgressMetrics, now: () => number): UpstreamClient {
  return async (request) => {
    const start = now();
    const labels = { provider: request.provider.name, model: request.model };
    try {
      const response = await next(request);
      metrics.upstreamDuration.observe(
        { ...labels, outcome: `${Math.floor(response.status / 100)}xx` },
        (now() - start) / 1000,
      );
      return response;
    } catch (error) {
      metrics.upstreamDuration.observe({ ...labels, outcome: errorTrigger(error) }, (now() - start) / 1000);
      throw error;
    }
  };
}
