/**
 * The operator's Prometheus metrics and its /metrics, /healthz, /readyz listener (the chart's
 * ServiceMonitor scrapes it). `sluice_operator_` prefix.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SluiceError } from '../policy/errors.ts';
import { writeError } from '../sidecar/request/error-handler.ts';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: 'sluice_operator_reconciles_total',
    help: 'TenantPolicy reconcile passes by result (ok, error).',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'sluice_operator_reconcile_duration_seconds',
    help: 'Time of one reconcile pass (Redis write, status, events).',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'sluice_operator_leader',
    help: '1 while this replica holds the Lease and writes.',
    registers: [this.registry],
  });
  readonly queueDepth: Gauge;
  readonly outboxPending = new Gauge({
    name: 'sluice_operator_outbox_pending',
    help: 'Audit/revision records waiting in the Redis outbox for Postgres.',
    registers: [this.registry],
  });
  readonly postgresHealthy = new Gauge({
    name: 'sluice_operator_postgres_up',
    help: '1 when the last Postgres write succeeded.',
    registers: [this.registry],
  });

  constructor(queueLength: () => number) {
    this.queueDepth = new Gauge({
      name: 'sluice_operator_workqueue_depth',
      help: 'Keys waiting in the reconcile work queue.',
      registers: [this.registry],
      collect() {
        this.set(queueLength());
      },
    });
    this.postgresHealthy.set(1);
  }
}

/** Serves /metrics, /healthz (process alive) and /readyz (caches synced) on 0.0.0.0:port. */
export async function serveMetrics(
  metrics: OperatorMetrics,
  port: number,
  ready: () => boolean,
  log?: Pick<Logger, 'error'>,
): Promise<{ port: number; close(): Promise<void> }> {
  // Errors answer like every Sluice listener (sidecar/request/error-handler.ts, ADR 0036): a
  // registry code and status; a `ready` or a collector that throws is a 500, not a crash.
  const server: Server = createServer((req, res) => {
    try {
      if (req.url === '/metrics') {
        metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
          (error: unknown) => writeError(res, error, log, 'operator metrics'),
        );
      } else if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (req.url === '/readyz') {
        const ok = ready();
        res
          .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ready: ok }));
      } else {
        writeError(
          res,
          new SluiceError('SLUICE_ROUTE_UNKNOWN', `${req.method} ${(req.url ?? '').split('?')[0]}`),
        );
      }
    } catch (error) {
      writeError(res, error, log, 'operator metrics');
    }
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
