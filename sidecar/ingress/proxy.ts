/**
 * The proxy to the app: one undici Pool of keep-alive connections, answers streamed back (an SSE
 * answer is written to the client chunk by chunk as it arrives). It sends exactly what the
 * integrity hook approved (`ctx.forward`: target and body) — never the client's URL, and the
 * client's bytes only where the hook decided they are the checked value (docs/adr/0038).
 * Headers: hop-by-hop ones and those the client's Connection header names are dropped, as are
 * the tenant's credential, the body's framing and digests (the sidecar re-frames the body), and
 * every header whose name normalises to a Sluice header (`x_sluice_tenant`, `X.Sluice.Tier` …:
 * policy/wire.ts isSluiceHeaderName); x-sluice-tenant and x-sluice-tier are set for the app. The
 * reply is written on the raw response (hijacked) so the streaming path carries no serializer or
 * onSend work.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import type { Dispatcher, Pool } from 'undici';
import { type ErrorCode, SluiceError } from '../../policy/errors.ts';
import { isSluiceHeaderName, SLUICE_HEADERS } from '../../policy/wire.ts';
import type { SidecarMetrics } from '../metrics.ts';
import { sendError } from './context.ts';

export interface ProxyOptions {
  pool: Pool;
  metrics: SidecarMetrics;
  log: Logger;
  now: () => number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

// Hop-by-hop headers (RFC 9110 §7.6.1), what the sidecar owns or consumes (credential, framing,
// the body's type, which it sets), and digests of the client's bytes, which a re-serialised body
// no longer matches.
const DROP_REQUEST = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'authorization',
  'x-api-key',
  'content-length',
  'content-type',
  'content-encoding',
  'expect',
  'content-md5',
  'content-digest',
  'repr-digest',
  'digest',
]);
const DROP_RESPONSE = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);

/** The header names a Connection header lists (hop-by-hop for the client → sidecar hop). */
function connectionListed(incoming: IncomingHttpHeaders): Set<string> | null {
  const value = incoming.connection;
  if (!value) return null;
  const names = new Set<string>();
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name) names.add(name);
  }
  return names;
}

/**
 * Headers for the app: the client's, minus hop-by-hop and Connection-listed ones, credentials,
 * framing, and every header that is or normalises to a Sluice header; then tenant, tier and
 * the sidecar's own.
 */
export function upstreamHeaders(
  incoming: IncomingHttpHeaders,
  tenantId: string,
  tier: string,
  extra: Record<string, string> | null,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const listed = connectionListed(incoming);
  for (const name in incoming) {
    if (DROP_REQUEST.has(name) || isSluiceHeaderName(name) || listed?.has(name)) continue;
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  out[SLUICE_HEADERS.tenant] = tenantId;
  out[SLUICE_HEADERS.tier] = tier;
  if (extra) for (const k in extra) out[k] = extra[k]!;
  return out;
}

const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const UNREACHABLE = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_REQ_RETRY']);

/**
 * What a failed call to the app means: its timeout, its connection (ECONNREFUSED, a reset
 * socket …), or — anything else, e.g. undici refusing an argument — Sluice's own fault.
 */
function errorCode(error: unknown): ErrorCode {
  if (error instanceof SluiceError) return error.code;
  const code = (error as { code?: string }).code ?? '';
  if (TIMEOUTS.has(code)) return 'SLUICE_UPSTREAM_TIMEOUT';
  if (UNREACHABLE.has(code) || /^E[A-Z]+$/.test(code)) return 'SLUICE_UPSTREAM_UNAVAILABLE';
  return 'SLUICE_INTERNAL';
}

async function proxy(app: FastifyInstance, options: ProxyOptions): Promise<void> {
  const { pool, metrics, log, now, headersTimeoutMs, bodyTimeoutMs } = options;

  app.all('*', async (request, reply) => {
    const ctx = request.sluice!;
    const forward = ctx.forward;
    // The integrity hook runs for every tenant request; without its verdict nothing is sent.
    if (!forward) throw new SluiceError('SLUICE_INTERNAL', 'the request reached the proxy unchecked');
    const policy = ctx.tenant.policy;
    const headers = upstreamHeaders(request.headers, policy.tenantId, policy.tier, ctx.upstreamHeaders);
    const body: Dispatcher.DispatchOptions['body'] = forward.body;
    if (forward.contentType !== null) headers['content-type'] = forward.contentType;
    if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
    else if (body === null && hasBodyMethod(request.method)) headers['content-length'] = '0';
    const abort = new AbortController();
    const res = reply.raw;
    const onClose = () => {
      if (!res.writableFinished) abort.abort();
    };
    res.once('close', onClose);
    const sentAt = now();
    let answer: Dispatcher.ResponseData;
    try {
      answer = await pool.request({
        method: request.method as Dispatcher.HttpMethod,
        path: forward.target,
        headers,
        body,
        signal: abort.signal,
        headersTimeout: headersTimeoutMs,
        bodyTimeout: bodyTimeoutMs,
      });
    } catch (error) {
      res.off('close', onClose);
      const code = errorCode(error);
      if (code === 'SLUICE_INTERNAL') throw error; // the error handler logs it once, with its stack
      if (code === 'SLUICE_BODY_TOO_LARGE') metrics.outcome(policy.tenantId, policy.tier, 'rejected');
      else metrics.series(policy).upstreamError.inc();
      if (res.destroyed) return reply.hijack();
      if (code !== 'SLUICE_BODY_TOO_LARGE')
        log.warn({ tenant: policy.tenantId, err: error }, 'upstream request failed');
      return sendError(
        reply,
        code,
        code === 'SLUICE_BODY_TOO_LARGE' ? undefined : (error as Error).message,
        ctx.responseHeaders,
      );
    }
    const series = metrics.series(policy);
    series.upstreamLatency.observe((now() - sentAt) / 1000);
    series.admitted.inc();
    reply.hijack();
    const out: OutgoingHttpHeaders = {};
    for (const name in answer.headers) {
      if (DROP_RESPONSE.has(name)) continue;
      out[name] = answer.headers[name];
    }
    Object.assign(out, ctx.responseHeaders);
    try {
      res.writeHead(answer.statusCode, out);
    } catch (error) {
      // A header the app sent that Node will not write (the reply is hijacked: no error handler).
      log.error({ err: error, tenant: policy.tenantId }, 'ingress internal error writing the answer');
      answer.body.destroy();
      res.destroy();
      return;
    }
    // A stream (SSE, no content-length): send the headers now, not with the first event. A sized
    // answer lets Node write headers and body in one syscall.
    if (out['content-length'] === undefined) res.flushHeaders();
    const upstream = answer.body;
    upstream.on('data', (chunk: Buffer) => {
      if (!res.write(chunk)) {
        upstream.pause();
        res.once('drain', () => upstream.resume());
      }
    });
    upstream.once('end', () => {
      res.off('close', onClose);
      res.end();
    });
    upstream.once('error', (error: Error) => {
      // Headers are gone already: the only honest signal left is to cut the connection.
      if (!abort.signal.aborted)
        log.warn({ tenant: policy.tenantId, err: error }, 'upstream body failed mid-answer');
      res.destroy(error);
    });
  });
}

function hasBodyMethod(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

export const proxyPlugin = fp(proxy, { name: 'sluice-proxy', dependencies: ['sluice-tenant-auth'] });
