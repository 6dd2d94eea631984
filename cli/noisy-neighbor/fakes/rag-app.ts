/**
 * A small fake RAG app, used by tests, the demo and benchmarks. It saturates like a real one:
 * at most `concurrency` requests are worked on at once (each takes `latencyMs`), the rest wait
 * in its own FIFO. It answers JSON, or SSE when asked (`Accept: text/event-stream` or
 * `"stream": true`), and echoes what it received: the x-sluice-* headers, top_k and the query
 * length (not the text).
 *
 *   npx node cli/noisy-neighbor/fakes/rag-app.ts --port 8000 --latency-ms 20 --concurrency 8
 *
 * Per request: `?latency=MS` overrides the latency (timeouts in tests); `?events=N` the number
 * of SSE events.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SLUICE_HEADER_PREFIX, SLUICE_HEADERS } from '../../../policy/wire.ts';
import { processIo } from '../../io.ts';
import { commandSettings } from '../../lib/settings/command.ts';
import { parseSettings } from '../../lib/settings/parse.ts';
import { setting } from '../../lib/settings/table.ts';

export interface RagAppOptions {
  host?: string;
  port?: number;
  /** Work time per request, ms. */
  latencyMs?: number;
  /** Requests worked on at once; more wait in line. */
  concurrency?: number;
  /** SSE: events per answer and the pause between them. */
  sseEvents?: number;
  sseIntervalMs?: number;
  /** Called while a request is worked on, before the answer (e.g. the app's own LLM call). */
  onServe?: (tenant: string) => Promise<void>;
}

export interface RagAppStats {
  requests: number;
  byTenant: Map<string, number>;
  maxActive: number;
  active: number;
  waiting: number;
}

export interface RagApp {
  url: string;
  port: number;
  stats: RagAppStats;
  close(): Promise<void>;
}

export async function startRagApp(options: RagAppOptions = {}): Promise<RagApp> {
  const latencyMs = options.latencyMs ?? 0;
  const concurrency = options.concurrency ?? Number.POSITIVE_INFINITY;
  const sseEvents = options.sseEvents ?? 3;
  const sseIntervalMs = options.sseIntervalMs ?? 10;
  const stats: RagAppStats = { requests: 0, byTenant: new Map(), maxActive: 0, active: 0, waiting: 0 };
  const line: (() => void)[] = [];

  const acquire = (run: () => void) => {
    if (stats.active < concurrency) {
      stats.active++;
      stats.maxActive = Math.max(stats.maxActive, stats.active);
      run();
    } else {
      stats.waiting++;
      line.push(run);
    }
  };
  const release = () => {
    const next = line.shift();
    if (next) {
      stats.waiting--;
      next();
    } else {
      stats.active--;
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    stats.requests++;
    const tenant = String(req.headers[SLUICE_HEADERS.tenant] ?? '');
    stats.byTenant.set(tenant, (stats.byTenant.get(tenant) ?? 0) + 1);
    const url = new URL(req.url ?? '/', 'http://fake');
    let json: Record<string, unknown> | null = null;
    if (String(req.headers['content-type'] ?? '').includes('json') && body.length > 0) {
      try {
        json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        json = null;
      }
    }
    const sluiceHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (k.startsWith(SLUICE_HEADER_PREFIX)) sluiceHeaders[k] = String(v);
    const echo = {
      path: url.pathname,
      method: req.method,
      tenant,
      sluiceHeaders,
      topK: json?.['top_k'] ?? null,
      queryLength: typeof json?.['query'] === 'string' ? (json['query'] as string).length : null,
      bodyBytes: body.length,
      authorization: req.headers.authorization ?? null,
      apiKey: req.headers['x-api-key'] ?? null,
    };
    const latency = url.searchParams.has('latency') ? Number(url.searchParams.get('latency')) : latencyMs;
    const wantsSse =
      String(req.headers.accept ?? '').includes('text/event-stream') || json?.['stream'] === true;
    acquire(() => {
      const work = async () => {
        if (res.destroyed) return release();
        if (options.onServe) await options.onServe(tenant).catch(() => undefined);
        if (res.destroyed) return release();
        if (!wantsSse) {
          const payload = JSON.stringify({ answer: 'fake answer', ...echo });
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          });
          res.end(payload);
          release();
          return;
        }
        const events = url.searchParams.has('events') ? Number(url.searchParams.get('events')) : sseEvents;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        let sent = 0;
        const tick = () => {
          if (res.destroyed) return release();
          if (sent < events) {
            res.write(`data: ${JSON.stringify({ index: sent, ...(sent === 0 ? echo : {}) })}\n\n`);
            sent++;
            setTimeout(tick, sseIntervalMs);
            return;
          }
          res.end('data: [DONE]\n\n');
          release();
        };
        tick();
      };
      if (latency > 0) setTimeout(work, latency);
      else void work();
    });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The fake app's command line (the e2e image's entrypoint runs this file). */
export const RAG_APP_SETTINGS = {
  port: setting.int({
    flag: 'port',
    env: 'SLUICE_RAG_APP_PORT',
    default: 8000,
    min: 0,
    max: 65_535,
    placeholder: 'PORT',
    help: 'Port on 127.0.0.1; 0 = any free port.',
  }),
  latencyMs: setting.int({
    flag: 'latency-ms',
    env: 'SLUICE_RAG_APP_LATENCY_MS',
    default: 0,
    min: 0,
    max: 3_600_000,
    placeholder: 'MS',
    help: 'Work time per request, ms (?latency=MS overrides it per request).',
  }),
  concurrency: setting.int({
    flag: 'concurrency',
    env: 'SLUICE_RAG_APP_CONCURRENCY',
    default: 0,
    min: 0,
    max: 1_000_000,
    help: 'Requests worked on at once, the rest wait in line; 0 = no limit.',
  }),
} as const;

if (import.meta.main) {
  const args = process.argv.slice(2);
  const read = commandSettings(
    'node cli/noisy-neighbor/fakes/rag-app.ts',
    '[--port PORT] [--latency-ms MS] [--concurrency N]',
    RAG_APP_SETTINGS,
    args,
    processIo,
    () => parseSettings(RAG_APP_SETTINGS, args).values,
  );
  if ('exit' in read) process.exit(read.exit);
  const { port, latencyMs, concurrency } = read.settings;
  const app = await startRagApp({
    port,
    latencyMs,
    concurrency: concurrency > 0 ? concurrency : Number.POSITIVE_INFINITY,
  });
  process.stdout.write(`${JSON.stringify({ listening: app.url })}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}
