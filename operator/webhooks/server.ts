/**
 * The admission webhook server: node:https and a two-route router. AdmissionReview v1 in,
 * AdmissionReview v1 out. The certificate can be swapped without a restart (rotation).
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
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
  const server = createServer({ cert: options.cert, key: options.key, minVersion: 'TLSv1.2' }, (req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const handler = options.routes[path];
    if (req.method !== 'POST' || !handler) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', async () => {
      let review: { apiVersion?: string; request?: AdmissionRequest & Record<string, unknown> };
      try {
        review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end('{"error":"body is not an AdmissionReview"}');
        return;
      }
      const request = review.request;
      if (!request?.uid) {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end('{"error":"AdmissionReview has no request.uid"}');
        return;
      }
      let response: AdmissionResponse;
      try {
        response = await handler(request);
      } catch (error) {
        options.log.error({ err: String(error), path }, 'admission handler failed');
        response = {
          uid: request.uid,
          allowed: false,
          status: { code: 500, message: `sluice webhook error: ${String(error)}` },
        };
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
    });
  });
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
