/**
 * What the ingress plugins share about one request: the tenant, and the headers the answer
 * will carry. One object per request, hung on `request.sluice`.
 */
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { type ErrorCode, SluiceError } from '../../policy/errors.ts';
import type { TenantRecord } from '../../policy/wire.ts';
import { replyError } from '../request/error-handler.ts';

export interface RequestContext {
  tenant: TenantRecord;
  /** Response headers added by the plugins (RateLimit, sluice-capped, ...). */
  responseHeaders: Record<string, string>;
  /** Request headers added for the app (x-sluice-screening, ...), besides tenant and tier. */
  upstreamHeaders: Record<string, string> | null;
  /** The fair-queue slot is held; released once when the answer ends. */
  release: (() => void) | null;
  /**
   * What goes to the app, set by the integrity hook (integrity.ts) once every check passed: the
   * request target (origin-form, query string checked) and the body — the serialisation of the
   * checked value (or the client's canonical bytes of it, docs/adr/0038), the checked form, or an
   * accepted upload as sent (a stream).
   */
  forward: Forward | null;
  /** Wall-clock start of the request (ms, from the injected clock's monotonic source). */
  startedAt: number;
}

export interface Forward {
  /** Path and query string for the app. */
  target: string;
  body: Buffer | Readable | null;
  /** Content-Type for the app (null: no body). */
  contentType: string | null;
  /** The body is not the client's bytes (re-serialised): digest headers no longer apply. */
  rewritten: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    sluice: RequestContext | null;
  }
}

/**
 * Sends a registry error from a hook, with extra headers (Retry-After, RateLimit): the same
 * answer the error handler gives a thrown SluiceError (sidecar/request/error-handler.ts).
 */
export function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  detail?: string,
  headers?: Record<string, string>,
): FastifyReply {
  return replyError(reply, new SluiceError(code, detail, headers ? { headers } : undefined));
}
