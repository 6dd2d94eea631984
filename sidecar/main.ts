/**
 * Starts a sidecar: the ingress listener (auth → suspension → rate limit → body → caps →
 * screening → fair queue → proxy), /metrics, and the admin listener (/healthz, /readyz,
 * GET /policies/:tenantId). `startSidecar(settings, deps?)` returns the bound ports (port 0
 * works, for tests) and close().
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import Fastify, { type FastifyError, type FastifyInstance, LogController } from 'fastify';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { Pool } from 'undici';
import { isSluiceError } from '../policy/errors.ts';
import { redisKeys } from '../policy/wire.ts';
import { FileSource } from './config/file-source.ts';
import { PolicySet } from './config/policy-set.ts';
import { RedisSource } from './config/redis-source.ts';
import { ServedReport } from './config/served-report.ts';
import type { Settings } from './config/settings.ts';
import { buildEgressApp } from './egress/app.ts';
import { bodyPlugin } from './ingress/body.ts';
import { sendError } from './ingress/context.ts';
import { fairQueuePlugin } from './ingress/fair-queue.ts';
import { openApiDocument, parseSurfaces } from './ingress/openapi.ts';
import { paramCapsPlugin } from './ingress/param-caps.ts';
import { proxyPlugin } from './ingress/proxy.ts';
import { rateLimitPlugin } from './ingress/rate-limit.ts';
import { defaultScreenerFactory, screeningPlugin } from './ingress/screening.ts';
import { tenantAuthPlugin } from './ingress/tenant-auth.ts';
import { Limiter } from './limiter/limiter.ts';
import { RedisRateStore } from './limiter/redis-store.ts';
import { SidecarMetrics } from './metrics.ts';
import { FairQueue } from './queue/fair-queue.ts';

export interface SidecarDeps {
  /** Wall clock, ms (effective-policy recompute, snapshot times). Default Date.now. */
  now?: () => number;
  /** Monotonic clock, ms (limiter, queue waits, latencies). Default performance.now. */
  monotonic?: () => number;
  log?: Logger;
}

export interface SidecarHandle {
  /** Bound ports; egress is 0 when the egress is off. */
  ports: { ingress: number; metrics: number; admin: number; egress: number };
  policies: PolicySet;
  limiter: Limiter;
  metrics: SidecarMetrics;
  queue: FairQueue;
  log: Logger;
  close(): Promise<void>;
}

export async function startSidecar(settings: Settings, deps: SidecarDeps = {}): Promise<SidecarHandle> {
  const now = deps.now ?? Date.now;
  const monotonic = deps.monotonic ?? (() => performance.now());
  const log =
    deps.log ??
    pino({ level: settings.logLevel, base: { component: 'sidecar', replica: settings.replicaId } });
  const metrics = new SidecarMetrics(now);
  const policies = new PolicySet();
  const closers: (() => Promise<void> | void)[] = [];

  // --- policy source and limiter store ---
  let limiter: Limiter;
  let redisClient: Redis | null = null;
  let fileSource: FileSource | undefined;
  let redisSource: RedisSource | undefined;
  if (settings.redis) {
    const keys = redisKeys(settings.redisPrefix);
    const retryStrategy = (attempt: number) => Math.min(50 * attempt, 1_000);
    const client = new Redis(settings.redis, {
      // Fail fast while disconnected: the limiter's failure mode answers instead of a queue.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: settings.redisCommandTimeoutMs,
      retryStrategy,
      connectionName: `sluice-sidecar:${settings.replicaId}`,
    });
    const subscriber = new Redis(settings.redis, {
      retryStrategy,
      connectionName: `sluice-sub:${settings.replicaId}`,
    });
    redisClient = client;
    client.on('error', () => {}); // state changes are logged by the limiter and the source
    subscriber.on('error', () => {});
    const store = new RedisRateStore(client, keys.rate);
    limiter = new Limiter({
      now: monotonic,
      log,
      metrics,
      redis: { client, store, failureMode: settings.failureMode },
    });
    redisSource = new RedisSource({
      client,
      subscriber,
      keys,
      set: policies,
      log,
      metrics,
      now,
      stateDir: settings.stateDir,
      resyncMs: settings.resyncMs,
    });
    // What this replica serves, its limiter mode and its activity, for the operator's status
    // and `kubectl sluice` (docs/adr/0022); registered before the first load.
    const served = new ServedReport({
      client,
      keys,
      policies,
      replicaId: settings.replicaId,
      registry: metrics.registry,
      limiterMode: () => limiter.mode(),
      ttlMs: settings.heartbeatMs * 3,
      now,
      log,
    });
    // Replica heartbeat: the live count divides the limit in local-share mode.
    const beat = () => {
      if (client.status !== 'ready') return;
      store.heartbeat(keys.replicas, settings.replicaId, settings.heartbeatMs * 3).then(
        (n) => limiter.setLiveReplicas(n),
        () => {},
      );
      void served.beat();
    };
    client.on('ready', beat);
    const heartbeat = setInterval(beat, settings.heartbeatMs);
    heartbeat.unref();
    await redisSource.start();
    beat();
    closers.push(async () => {
      clearInterval(heartbeat);
      redisSource!.close();
      await served.close();
      if (client.status === 'ready') await store.leave(keys.replicas, settings.replicaId).catch(() => {});
      client.disconnect();
      subscriber.disconnect();
    });
  } else {
    limiter = new Limiter({ now: monotonic, log, metrics });
    fileSource = new FileSource({
      path: settings.policies!,
      set: policies,
      log,
      metrics,
      now,
      debounceMs: settings.reloadDebounceMs,
    });
    fileSource.start();
    closers.push(() => fileSource!.close());
  }
  // A new policy version may lift a denial (an override): drop the tenant's cached denial.
  policies.onChange((tenantId) => limiter.forget(tenantId));

  // --- ingress ---
  const pool = new Pool(settings.upstream, {
    connections: settings.upstreamConnections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: settings.upstreamHeadersTimeoutMs,
    bodyTimeout: settings.upstreamBodyTimeoutMs,
  });
  const queue = new FairQueue(settings.maxConcurrency, {
    reservedSeats: Math.floor((settings.maxConcurrency * settings.reservedSharePercent) / 100),
  });
  const ingress = Fastify({
    loggerInstance: log,
    // No per-request log lines by default: at thousands of req/s they would be the hot path.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: settings.bodyLimitBytes,
    keepAliveTimeout: 72_000,
    // The whole request must arrive within the client timeout (408 after it). Node checks the
    // deadline on an interval; check every second so the bound is the timeout, not 30 s more.
    serverFactory: (handler) =>
      createServer(
        {
          requestTimeout: settings.clientTimeoutMs,
          headersTimeout: Math.min(settings.clientTimeoutMs, 60_000),
          connectionsCheckingInterval: Math.min(1_000, settings.clientTimeoutMs),
        },
        handler,
      ),
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  ingress.setErrorHandler((error: FastifyError, request, reply) => {
    const ctx = request.sluice;
    const policy = ctx?.tenant.policy;
    if (isSluiceError(error)) {
      if (policy) metrics.reject(policy.tenantId, policy.tier, error.code);
      return sendError(reply, error.code, error.detail, ctx?.responseHeaders);
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      if (policy) metrics.reject(policy.tenantId, policy.tier, 'SLUICE_BODY_TOO_LARGE');
      return sendError(reply, 'SLUICE_BODY_TOO_LARGE', `more than ${settings.bodyLimitBytes} bytes`);
    }
    if ((error.statusCode ?? 500) < 500) return sendError(reply, 'SLUICE_BAD_REQUEST', error.message);
    log.error({ err: error, tenant: policy?.tenantId }, 'ingress error');
    return sendError(reply, 'SLUICE_UPSTREAM_UNAVAILABLE', 'internal error in the sidecar');
  });
  await ingress.register(tenantAuthPlugin, { policies, metrics, now: monotonic });
  await ingress.register(rateLimitPlugin, { limiter, metrics });
  await ingress.register(bodyPlugin, { bodyLimitBytes: settings.bodyLimitBytes });
  await ingress.register(paramCapsPlugin, { topKFields: settings.capFields, metrics });
  await ingress.register(screeningPlugin, {
    queryField: settings.queryField,
    factory: defaultScreenerFactory,
    metrics,
  });
  await ingress.register(fairQueuePlugin, { queue, metrics, now: monotonic });
  await ingress.register(proxyPlugin, {
    pool,
    metrics,
    log,
    now: monotonic,
    headersTimeoutMs: settings.upstreamHeadersTimeoutMs,
    bodyTimeoutMs: settings.upstreamBodyTimeoutMs,
  });

  // --- metrics and admin ---
  const metricsApp = Fastify({ logger: false });
  metricsApp.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  const admin = adminApp(policies, limiter);

  // --- egress: the app's LLM calls, on loopback only (the tenant comes from x-sluice-tenant,
  // which only this pod's ingress can have set: DESIGN decision 8) ---
  const egress =
    settings.egress === 'on'
      ? await buildEgressApp({
          policies,
          redis: redisClient,
          registry: metrics.registry,
          logger: log.child({ component: 'egress' }),
          now,
          settings: settings.egressSettings,
          stateDir: settings.stateDir,
        })
      : null;

  const listen = async (app: Listenable, port: number, host = settings.host) => {
    await app.listen({ host, port });
    const address = app.server.address();
    return typeof address === 'object' && address ? address.port : port;
  };
  const ports = {
    ingress: await listen(ingress, settings.port),
    metrics: await listen(metricsApp, settings.metricsPort),
    admin: await listen(admin, settings.adminPort),
    egress: egress ? await listen(egress, settings.egressPort, '127.0.0.1') : 0,
  };
  log.info({ ports, upstream: settings.upstream, mode: limiter.mode() }, 'sidecar listening');

  let closing: Promise<void> | undefined;
  return {
    ports,
    policies,
    limiter,
    metrics,
    queue,
    log,
    close() {
      closing ??= (async () => {
        await Promise.allSettled([ingress.close(), metricsApp.close(), admin.close(), egress?.close()]);
        for (const close of closers) await close();
        await pool.close().catch(() => {});
      })();
      return closing;
    },
  };
}

interface Listenable {
  listen(options: { host: string; port: number }): Promise<string>;
  server: { address(): ReturnType<import('node:net').Server['address']> };
}

function adminApp(policies: PolicySet, limiter: Limiter): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (!policies.ready()) return sendError(reply, 'SLUICE_NOT_READY');
    return { status: 'ready', tenants: policies.size(), limiter: limiter.mode() };
  });
  app.get<{ Params: { tenantId: string } }>('/policies/:tenantId', async (request, reply) => {
    const record = policies.byTenant(request.params.tenantId);
    if (!record) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no such tenant' } });
    return { tenantId: record.policy.tenantId, version: record.policy.version };
  });
  // The OpenAPI description of the ingress, egress and admin routes (sidecar/ingress/openapi.ts).
  app.get<{ Querystring: { surface?: string } }>('/openapi.json', async (request) =>
    openApiDocument(parseSurfaces(request.query.surface)),
  );
  return app;
}
