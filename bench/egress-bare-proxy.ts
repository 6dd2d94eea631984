/**
 * The floor the egress is measured against: a bare Node pass-through proxy (node:http in,
 * one keep-alive undici Pool out, bodies piped both ways, no parsing).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';

export interface BareProxy {
  url: string;
  close(): Promise<void>;
}

export async function startBareProxy(upstream: string, connections = 64): Promise<BareProxy> {
  const pool = new Pool(upstream, { connections });
  const server: Server = createServer((req, res) => {
    const headers = { ...req.headers };
    delete headers['host'];
    delete headers['connection'];
    delete headers['transfer-encoding'];
    pool
      .request({ method: req.method as 'POST', path: req.url ?? '/', headers, body: req })
      .then(async (upstreamRes) => {
        const out = { ...upstreamRes.headers };
        delete out['transfer-encoding'];
        delete out['connection'];
        delete out['keep-alive'];
        res.writeHead(upstreamRes.statusCode, out as Record<string, string>);
        await pipeline(upstreamRes.body, res);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.close();
    },
  };
}
