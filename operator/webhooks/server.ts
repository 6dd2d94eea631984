/**
 * The admission webhook server: node:https and a two-route router. AdmissionReview v1 in,
 * AdmissionReview v1 out. The certificate can be swapped without a restart (rotation).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { SluiceError } from '../../policy/errors.ts';
import { writeError } from '../../sidecar/request/error-handler.ts';
import type { AdmissionRequest, AdmissionResponse } from './validate-policy.ts';

export type AdmissionHandler = (
  request: AdmissionRequest & Record<string, unknown>,
) => Promise<AdmissionResponse> | AdmissionResponse;

export interface WebhookServer {
  server: Server;
  port: number;
  setCertificate(cert: string, key: string): void;
  close(): Promise<void>;
}

const MAX_BODY = 3 * 1024 * 1024; // the API server caps objects at ~1.5 MiB; a review carries two

export async function startWebhookServer(options: {
  host: string;
  port: number;
  cert: string;
  key: string;
  routes: Record<string, AdmissionHandler>;
  log: Logger;
}): Promise<WebhookServer> {
  // Errors outside the AdmissionReview protocol (no such route, not a review, too large) answer
  // like every Sluice listener (sidecar/request/error-handler.ts, ADR 0036); a handler's failure
  // is a denial inside the review, which is what the API server reads.
  const server = createServer({ cert: options.cert, key: options.key, minVersion: 'TLSv1.2' }, (req, res) => {
    try {
      serve(req, res);
    } catch (error) {
      writeError(res, error, options.log, 'webhook');
    }
  });
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    // Own keys only: "/constructor" must not find Object.prototype.constructor.
    const handler = Object.hasOwn(options.routes, path) ? options.routes[path] : undefined;
    if (req.method !== 'POST' || !handler) {
      writeError(res, new SluiceError('SLUICE_ROUTE_UNKNOWN', `${req.method} ${path}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
      else if (!tooLarge) {
        tooLarge = true;
        chunks.length = 0;
        // Answered now; the rest is read and dropped (kept connection: the client can read it).
        writeError(res, new SluiceError('SLUICE_BODY_TOO_LARGE', `more than ${MAX_BODY} bytes`));
        req.resume();
      }
    });
    req.on('end', () => {
      if (tooLarge) return;
      answer(res, path, handler, Buffer.concat(chunks)).catch((error: unknown) =>
        writeError(res, error, options.log, 'webhook'),
      );
    });
  };
  const answer = async (res: ServerResponse, path: string, handler: AdmissionHandler, body: Buffer) => {
    let review: { apiVersion?: string; request?: AdmissionRequest & Record<string, unknown> };
    try {
      review = JSON.parse(body.toString('utf8'));
    } catch {
      writeError(res, new SluiceError('SLUICE_BAD_REQUEST', 'body is not an AdmissionReview'));
      return;
    }
    const request = review?.request;
    if (!request?.uid) {
      writeError(res, new SluiceError('SLUICE_BAD_REQUEST', 'AdmissionReview has no request.uid'));
      return;
    }
    let response: AdmissionResponse;
    try {
      response = await handler(request);
    } catch (error) {
      options.log.error({ err: error, path }, 'admission handler failed');
      response = {
        uid: request.uid,
        allowed: false,
        status: { code: 500, message: `sluice webhook error: ${String(error)}` },
      };
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    setCertificate: (cert, key) => server.setSecureContext({ cert, key }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
