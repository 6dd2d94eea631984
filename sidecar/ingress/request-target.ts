/**
 * Requests that are not a tenant's call to the app, answered by the sidecar before
 * authentication — so they never reach the app and never count against a rate limit
 * (docs/adr/0012-failure-attribution.md):
 *
 *   HTTP/0.9, HTTP/2.0 request lines (Node's parser lets them through)  505 SLUICE_HTTP_VERSION_UNSUPPORTED
 *   OPTIONS *  (asterisk-form, "what does the server support")          204 with Allow
 *   TRACE (would echo the client's headers back), any other `*` target   405 / 400
 *   absolute-form `GET http://host/path`                                 rewritten to origin-form `/path`
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sendError } from './context.ts';

export const ALLOW = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

async function requestTarget(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw;
    if (raw.httpVersionMajor !== 1) {
      sendError(reply, 'SLUICE_HTTP_VERSION_UNSUPPORTED', `HTTP/${raw.httpVersion}`);
      return;
    }
    const url = raw.url ?? '';
    if (raw.method === 'TRACE') {
      reply.header('allow', ALLOW);
      sendError(reply, 'SLUICE_METHOD_NOT_ALLOWED', 'TRACE');
      return;
    }
    if (url === '*') {
      if (raw.method === 'OPTIONS') {
        reply.code(204).header('allow', ALLOW).send();
        return;
      }
      sendError(reply, 'SLUICE_BAD_REQUEST', `"*" is a target for OPTIONS only, not ${raw.method}`);
      return;
    }
    if (url.charCodeAt(0) !== 0x2f) {
      // Absolute-form (RFC 9112 §3.2.2): the sidecar routes every request to its one app, so the
      // authority is dropped and only the path and query go on — through the same checks.
      let parsed: URL | null = null;
      try {
        parsed = new URL(url);
      } catch {
        parsed = null;
      }
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
        sendError(reply, 'SLUICE_BAD_REQUEST', 'the request target must be a path ("/…")');
        return;
      }
      raw.url = `${parsed.pathname}${parsed.search}`;
    }
    done();
  });
}

export const requestTargetPlugin = fp(requestTarget, { name: 'sluice-request-target' });
