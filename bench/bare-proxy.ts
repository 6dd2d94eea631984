/**
 * The baseline for bench/sidecar-overhead.ts: a bare Node pass-through proxy, no policy at all
 * (node:http server + one undici Pool, bodies streamed). What any Node proxy costs; the
 * sidecar's overhead is measured against it.
 *
 *   npx node bench/bare-proxy.ts --upstream http://127.0.0.1:8000 --port 8090
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { type Dispatcher, Pool } from 'undici';

const HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

export async function startBareProxy(
  upstream: string,
  port = 0,
): Promise<{ port: number; close(): Promise<void> }> {
  const pool = new Pool(upstream, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });
  const server: Server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = {};
    for (const name in req.headers) if (!HOP.has(name)) headers[name] = req.headers[name];
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    pool
      .request({
        method: req.method as Dispatcher.HttpMethod,
        path: req.url ?? '/',
        headers: headers as Record<string, string>,
        body: hasBody ? req : null,
      })
      .then(
        (answer) => {
          const out: Record<string, string | string[] | undefined> = {};
          for (const name in answer.headers) if (!HOP.has(name)) out[name] = answer.headers[name];
          res.writeHead(answer.statusCode, out);
          answer.body.pipe(res);
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
  });
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await pool.close();
    },
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      upstream: { type: 'string', default: 'http://127.0.0.1:8000' },
      port: { type: 'string', default: '0' },
    },
  });
  const proxy = await startBareProxy(values.upstream, Number(values.port));
  process.stdout.write(`${JSON.stringify({ event: 'listening', ports: { ingress: proxy.port } })}\n`);
  process.on('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
}
