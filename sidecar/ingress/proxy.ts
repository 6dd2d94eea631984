/**
 * The proxy to the app: one undici Pool of keep-alive connections, bodies streamed both ways
 * (an SSE answer is written to the client chunk by chunk as it arrives). Client-sent
 * x-sluice-* headers and the tenant's credential are not forwarded; x-sluice-tenant and
 * x-sluice-tier are set for the app. The reply is written on the raw response (hijacked) so
 * the streaming path carries no serializer or onSend work.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import type { Dispatcher, Pool } from 'undici';
import { type ErrorCode, SluiceError } from '../../policy/errors.ts';
import type { SidecarMetrics } from '../metrics.ts';
import type { JsonBody } from './body.ts';
import { sendError } from './context.ts';

export interface ProxyOptions {
  pool: Pool;
  metrics: SidecarMetrics;
  log: Logger;
  now: () => number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

// Hop-by-hop headers (RFC 9110 7.6.1) plus what the sidecar owns or consumes.
const DROP_REQUEST = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'authorization',
  'x-api-key',
  'content-length',
  'expect',
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

/** Headers for the app: the client's, minus hop-by-hop, credentials and every x-sluice-*. */
export function upstreamHeaders(
  incoming: IncomingHttpHeaders,
  tenantId: string,
  tier: string,
  extra: Record<string, string> | null,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in incoming) {
    if (DROP_REQUEST.has(name) || name.startsWith('x-sluice-')) continue;
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  out['x-sluice-tenant'] = tenantId;
  out['x-sluice-tier'] = tier;
  if (extra) for (const k in extra) out[k] = extra[k]!;
  return out;
}

function errorCode(error: unknown): ErrorCode {
  const code = (error as { code?: string }).code ?? '';
  if (error instanceof SluiceError) return error.code;
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  )
    return 'SLUICE_UPSTREAM_TIMEOUT';
  return 'SLUICE_UPSTREAM_UNAVAILABLE';
}

async function proxy(app: FastifyInstance, options: ProxyOptions): Promise<void> {
  const { pool, metrics, log, now, headersTimeoutMs, bodyTimeoutMs } = options;

  app.all('*', async (request, reply) => {
    const ctx = request.sluice!;
    const policy = ctx.tenant.policy;
    const headers = upstreamHeaders(request.headers, policy.tenantId, policy.tier, ctx.upstreamHeaders);
    let body: Dispatcher.DispatchOptions['body'] = null;
    const parsed = request.body as JsonBody | Readable | undefined;
    if (parsed instanceof Readable) {
      body = parsed;
    } else if (parsed && 'raw' in parsed) {
      body = ctx.jsonChanged ? Buffer.from(JSON.stringify(ctx.json)) : parsed.raw;
      headers['content-length'] = String(body.length);
    }
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
        path: request.url,
        headers,
        body,
        signal: abort.signal,
        headersTimeout: headersTimeoutMs,
        bodyTimeout: bodyTimeoutMs,
      });
    } catch (error) {
      res.off('close', onClose);
      const code = errorCode(error);
      metrics.outcome(
        policy.tenantId,
        policy.tier,
        code === 'SLUICE_BODY_TOO_LARGE' ? 'rejected' : 'upstream_error',
      );
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
    metrics.upstreamLatency.labels(policy.tenantId, policy.tier).observe((now() - sentAt) / 1000);
    metrics.outcome(policy.tenantId, policy.tier, 'admitted');
    reply.hijack();
    const out: OutgoingHttpHeaders = {};
    for (const name in answer.headers) {
      if (DROP_RESPONSE.has(name)) continue;
      out[name] = answer.headers[name];
    }
    Object.assign(out, ctx.responseHeaders);
    res.writeHead(answer.statusCode, out);
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

export const proxyPlugin = fp(proxy, { name: 'sluice-proxy', dependencies: ['sluice-tenant-auth'] });
