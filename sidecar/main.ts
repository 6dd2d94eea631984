/**
 * Starts a sidecar: the ingress listener (target → auth → suspension → rate limit → integrity:
 * body, caps, screening → fair queue → proxy), /metrics, and the admin listener (/healthz,
 * /readyz, GET /policies/:tenantId). `startSidecar(settings, deps?)` returns the bound ports
 * (port 0 works, for tests) and close().
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { Pool } from 'undici';
import { SluiceError } from '../policy/errors.ts';
import { redisKeys } from '../policy/wire.ts';
import type { FileSource } from './config/file-source.ts';
import { addEgressLazyLoad, lazyLoadPlugin } from './config/lazy-load.ts';
import { PolicySet } from './config/policy-set.ts';
import { createRedisClient } from './config/redis-client.ts';
import { RedisSource } from './config/redis-source.ts';
import { ServedReport } from './config/served-report.ts';
import type { Settings } from './config/settings.ts';
import { GuardRegistry } from './guard/guard.ts';
import { noBodyParserPlugin } from './ingress/body.ts';
import { integrityPlugin } from './ingress/integrity.ts';
import { openApiDocument, parseSurfaces } from './ingress/openapi.ts';
import { proxyPlugin } from './ingress/proxy.ts';
import { fairQueuePlugin } from './ingress/queue-admission.ts';
import { rateLimitPlugin } from './ingress/rate-limit.ts';
import { requestTargetPlugin } from './ingress/request-target.ts';
import { defaultScreenerFactory, TenantScreeners } from './ingress/screening.ts';
import { tenantAuthPlugin } from './ingress/tenant-auth.ts';
import { lazySchemaCompilers } from './lazy-compilers.ts';
import { Limiter } from './limiter/limiter.ts';
import { RedisRateStore } from './limiter/redis-store.ts';
import { SidecarMetrics } from './metrics.ts';
import { FairQueue } from './queue/fair-queue.ts';
import { answerClientError, answerConnect } from './request/client-error.ts';
import { errorHandlerPlugin, replyError } from './request/error-handler.ts';

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
  // Redis mode holds the tenants this replica serves, not the installation (docs/adr/0025).
  const policies = new PolicySet(settings.redisUrl ? { capacity: settings.policyCacheSize } : {});
  const closers: (() => Promise<void> | void)[] = [];

  // --- policy source and limiter store ---
  let limiter: Limiter;
  let redisClient: Redis | null = null;
  let fileSource: FileSource | undefined;
  let redisSource: RedisSource | undefined;
  if (settings.redisUrl) {
    const keys = redisKeys(settings.redisPrefix);
    // redis://, redis+cluster:// or redis+sentinel:// (sidecar/config/redis-client.ts). The
    // command client fails fast while disconnected: the limiter's failure mode answers instead.
    const client = createRedisClient(settings.redisUrl, {
      failFast: true,
      maxRetriesPerRequest: 0,
      // No per-command timeout: a late answer is still the answer (the limiter refunds what it
      // could not wait for). A connection that owes replies and has said nothing for this long is
      // dead (Redis paused, a half-open link): it is closed, the failure mode starts, and ioredis
      // reconnects. docs/adr/0015-exact-under-pressure.md
      socketTimeoutMs: settings.redisCommandTimeoutMs,
      connectionName: `sluice-sidecar:${settings.replicaId}`,
    }) as Redis; // a Cluster has the same command surface; the stores are typed for Redis
    const subscriber = createRedisClient(settings.redisUrl, {
      subscriber: true,
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
      redis: { client, store, failureMode: settings.failureMode, deadlineMs: settings.redisCommandTimeoutMs },
      replicaWindowMs: settings.heartbeatMs * 10,
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
      lookupsPerSec: settings.policyLookupsPerSec,
      negativeTtlMs: settings.unknownKeyTtlMs,
      registry: metrics.registry,
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
    // Loaded only in file mode: it brings YAML, the schema library and CEL (docs/adr/0028).
    const { FileSource } = await import('./config/file-source.ts');
    fileSource = new FileSource({
      path: settings.policies!,
      set: policies,
      log,
      metrics,
      now,
      debounceMs: settings.reloadDebounceMs,
    });
    await fileSource.start();
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
    schemaController: lazySchemaCompilers,
    loggerInstance: log,
    // No per-request log lines by default: at thousands of req/s they would be the hot path.
    logController: new LogController({ disableRequestLogging: true }),
    // Nothing on the ingress logs through request.log (each log call names its tenant): below
    // debug, a request shares the sidecar's logger instead of building a pino child per request.
    childLoggerFactory: (logger, bindings, options) =>
      log.isLevelEnabled('debug') ? logger.child(bindings, options) : logger,
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
    // Parser-level refusals (400, 408, 414, 431, 505) answer with a registry code too.
    clientErrorHandler: answerClientError,
  });
  ingress.server.on('connect', answerConnect);
  // Every error answer goes through the one handler (docs/adr/0036-structured-errors.md); the
  // ingress adds the headers its plugins set (RateLimit, sluice-capped) and counts the refusal.
  await ingress.register(errorHandlerPlugin, {
    name: 'ingress',
    logFields: (request) => ({ tenant: request.sluice?.tenant.policy.tenantId }),
    // A refusal before the body was read: close the connection rather than read it.
    headers: (request) =>
      request.raw.complete
        ? request.sluice?.responseHeaders
        : { connection: 'close', ...request.sluice?.responseHeaders },
    onError: (error, request) => {
      const policy = request.sluice?.tenant.policy;
      if (policy) metrics.reject(policy.tenantId, policy.tier, error.code);
    },
  });
  // External prompt guards named by policies (screening.guard), created on first use.
  const guards = new GuardRegistry();
  closers.push(() => guards.close());
  await ingress.register(noBodyParserPlugin);
  await ingress.register(requestTargetPlugin);
  // First sight of a key (Redis mode) after the target checks, before identity (docs/adr/0025).
  if (redisSource) await ingress.register(lazyLoadPlugin, { policies, source: redisSource });
  await ingress.register(tenantAuthPlugin, { policies, metrics, now: monotonic });
  await ingress.register(rateLimitPlugin, { limiter, metrics, shadow: settings.shadow });
  await ingress.register(integrityPlugin, {
    bodyLimitBytes: settings.bodyLimitBytes,
    jsonMaxDepth: settings.jsonMaxDepth,
    capFields: settings.capFields,
    queryField: settings.queryField,
    screeners: new TenantScreeners(defaultScreenerFactory, metrics, guards, settings.shadow),
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
  const metricsApp = Fastify({ logger: false, schemaController: lazySchemaCompilers });
  await metricsApp.register(errorHandlerPlugin, { name: 'metrics' });
  metricsApp.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  const admin = await adminApp(policies, limiter, redisSource);

  // --- egress: the app's LLM calls, on loopback only (the tenant comes from x-sluice-tenant,
  // which only this pod's ingress can have set: docs/security.md). Its modules load only when it
  // is on (docs/adr/0028) ---
  const egress =
    settings.egress === 'on'
      ? await (await import('./egress/app.ts')).buildEgressApp({
          policies,
          redis: redisClient,
          registry: metrics.registry,
          logger: log.child({ component: 'egress' }),
          now,
          settings: settings.egressSettings,
          stateDir: settings.stateDir,
          jsonMaxDepth: settings.jsonMaxDepth,
          shadow: settings.shadow,
          liveReplicas: () => limiter.liveReplicas(),
        })
      : null;
  if (egress && redisSource) addEgressLazyLoad(egress, { policies, source: redisSource });

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

/** The admin listener (/healthz, /readyz, /policies/:tenantId, /openapi.json); exported for its tests. */
export async function adminApp(
  policies: PolicySet,
  limiter: Limiter,
  source?: RedisSource,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, schemaController: lazySchemaCompilers });
  await app.register(errorHandlerPlugin, { name: 'admin' });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (!policies.ready()) return replyError(reply, new SluiceError('SLUICE_NOT_READY'));
    return { status: 'ready', tenants: policies.size(), capacity: policies.limit(), limiter: limiter.mode() };
  });
  app.get<{ Params: { tenantId: string } }>('/policies/:tenantId', async (request) => {
    // Redis mode loads a tenant this replica does not hold yet (ADR 0025).
    const record =
      policies.peek(request.params.tenantId) ??
      (source && /^[a-z0-9-]{1,63}$/.test(request.params.tenantId)
        ? await source.loadTenant(request.params.tenantId).catch(() => null)
        : undefined);
    if (!record)
      throw new SluiceError(
        'SLUICE_TENANT_NOT_FOUND',
        `this sidecar holds no tenant ${JSON.stringify(request.params.tenantId)}`,
      );
    return { tenantId: record.policy.tenantId, version: record.policy.version };
  });
  // The OpenAPI description of the ingress, egress and admin routes (sidecar/ingress/openapi.ts).
  app.get<{ Querystring: { surface?: string } }>('/openapi.json', async (request) =>
    openApiDocument(parseSurfaces(request.query.surface)),
  );
  return app;
}
