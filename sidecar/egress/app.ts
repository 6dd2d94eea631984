/**
 * The sidecar's egress: a self-contained fastify app the sidecar process mounts and listens on
 * 127.0.0.1:8081 (loopback only; the tenant comes from x-sluice-tenant, set by the ingress).
 * Everything it needs comes in through EgressDeps; `listen` is the caller's job.
 */
import { join } from 'node:path';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Redis } from 'ioredis';
import type pino from 'pino';
import type prom from 'prom-client';
import { SluiceError } from '../../policy/errors.ts';
import { SLUICE_HEADERS } from '../../policy/wire.ts';
import type { PolicyView } from '../config/policy-view.ts';
import { lazySchemaCompilers } from '../lazy-compilers.ts';
import { answerClientError, answerConnect } from '../request/client-error.ts';
import { errorHandlerPlugin } from '../request/error-handler.ts';
import { classifyBody } from '../request/media-type.ts';
import { DEFAULT_JSON_MAX_DEPTH, JsonReadError, readJson } from '../request/strict-json.ts';
import { BreakerBoard } from './breaker.ts';
import { MemoryBudgetStore } from './budget/memory-store.ts';
import { OutageBudgetStore } from './budget/outage-store.ts';
import { RedisBudgetStore } from './budget/redis-store.ts';
import type { BudgetStore } from './budget/store.ts';
import type { LlmContext } from './context.ts';
import { WIRE_FORMATS } from './formats/registry.ts';
import { createEgressMetrics } from './metrics.ts';
import { poolClient, type UpstreamClient, withMetrics, withTimeout } from './providers/upstream.ts';
import { llmRoute } from './routes/llm-route.ts';
import { modelsRoute } from './routes/models.ts';
import type { EgressSettings } from './settings.ts';

export type { EgressSettings } from './settings.ts';
export { parseEgressSettings } from './settings.ts';

export interface EgressDeps {
  policies: PolicyView;
  /** ioredis; null = standalone/file mode → in-memory budget and usage store. */
  redis: Redis | null;
  registry: prom.Registry;
  logger: pino.Logger;
  now: () => number;
  settings: EgressSettings;
  /** --state-dir: usage counters that could not reach Redis are kept there across restarts. */
  stateDir?: string | null;
  /** Replaces the outbound stack (tests; a custom transport). Default: pool → timeout → metrics. */
  upstream?: (base: UpstreamClient) => UpstreamClient;
  /** Deepest JSON nesting accepted (--json-max-depth); default 64. */
  jsonMaxDepth?: number;
  /** The sidecar's --shadow default (policy/shadow.ts); default off. */
  shadow?: boolean;
  /**
   * Live replicas (the limiter's heartbeat count): a replica's share of the budget while Redis
   * does not answer (docs/adr/0030-budget-outage-share.md). Default 1.
   */
  liveReplicas?: () => number;
}

/** What tests and the sidecar process may reach inside a built egress app. */
export interface EgressInternals {
  breakers: BreakerBoard;
  store: BudgetStore;
  /** Resolves when every settle (reconcile + usage write) started so far has finished. */
  flush(): Promise<void>;
}

const internals = new WeakMap<FastifyInstance, EgressInternals>();

export function egressInternals(app: FastifyInstance): EgressInternals {
  const found = internals.get(app);
  if (!found) throw new Error('not an egress app');
  return found;
}

export async function buildEgressApp(deps: EgressDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // The sidecar's access log is the ingress's; per-request lines here would double it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.settings.bodyLimit,
    clientErrorHandler: answerClientError,
    schemaController: lazySchemaCompilers,
  }) as unknown as FastifyInstance;
  app.server.on('connect', answerConnect);
  // Bodies are read by the strict reader (sidecar/request/strict-json.ts): a duplicate key, a
  // lone surrogate or 10,000 levels of nesting are the client's 400 here, before anything can
  // trip over them later (JSON.stringify, translation) and be mistaken for a provider failure.
  const maxDepth = deps.jsonMaxDepth ?? DEFAULT_JSON_MAX_DEPTH;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      const te = request.headers['transfer-encoding'];
      if (te !== undefined && te.trim().toLowerCase() !== 'chunked')
        throw new SluiceError('SLUICE_UNSUPPORTED_MEDIA_TYPE', `Transfer-Encoding ${JSON.stringify(te)}`);
      classifyBody(request.headers['content-type'], request.headers['content-encoding'], []);
      const bytes = body as Buffer;
      done(null, bytes.length === 0 ? undefined : readJson(bytes, { maxDepth }));
    } catch (error) {
      done(
        error instanceof JsonReadError
          ? new SluiceError('SLUICE_BAD_REQUEST', error.message)
          : (error as Error),
      );
    }
  });
  const breakers = new BreakerBoard(deps.settings.breaker);
  const metrics = createEgressMetrics(deps.registry, breakers, deps.now);
  const store: BudgetStore = deps.redis
    ? new RedisBudgetStore(deps.redis, deps.settings.keyPrefix, {
        pendingFile: deps.stateDir ? join(deps.stateDir, 'egress-pending-counters.json') : null,
      })
    : new MemoryBudgetStore();
  // Redis mode: while Redis does not answer, the replica serves its share of the budget it last
  // heard of, not every call (docs/adr/0030-budget-outage-share.md).
  const guarded = deps.redis
    ? new OutageBudgetStore(store, {
        now: deps.now,
        replicas: deps.liveReplicas ?? (() => 1),
        stateFile: deps.stateDir ? join(deps.stateDir, 'egress-budget-outage.json') : null,
        onError: (error, tenant, served) => {
          metrics.budgetStoreErrors.inc({ op: 'reserve' });
          // A refusal is the client's SLUICE_BUDGET_PENDING (onRefused counts it), not a log line each.
          if (served)
            deps.logger.warn(
              { tenant, err: error },
              'budget reserve failed; serving within the outage share',
            );
        },
        onRefused: (tenant, budget) => {
          const tier = deps.policies.byTenant(tenant)?.policy.tier ?? 'unknown';
          metrics.budgetPending.inc({ tenant, tier, budget });
        },
      })
    : null;
  const onReady = () => void guarded?.reconnected();
  deps.redis?.on('ready', onReady);
  const pools = poolClient();
  const layered = withMetrics(withTimeout(pools.client), metrics, deps.now);
  const client = deps.upstream ? deps.upstream(layered) : layered;

  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  const flush = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  internals.set(app, { breakers, store, flush });

  const ctx: LlmContext = {
    policies: deps.policies,
    settings: deps.settings,
    client,
    breakers,
    store: guarded ?? store,
    metrics,
    logger: deps.logger,
    now: deps.now,
    exhausted: new Map(),
    track,
    shadow: deps.shadow === true,
  };

  // The one error handler (docs/adr/0036-structured-errors.md): the error's own headers
  // (Retry-After of an EgressError), each refusal counted, Anthropic clients answered in their shape.
  await app.register(errorHandlerPlugin, {
    name: 'egress',
    onError: (error, request) => {
      const tenant = request.headers[SLUICE_HEADERS.tenant];
      const record = typeof tenant === 'string' ? deps.policies.byTenant(tenant) : undefined;
      metrics.requests.inc({
        tenant: record ? record.policy.tenantId : 'unknown',
        tier: record ? record.policy.tier : 'unknown',
        // The route pattern, not the path: a client must not be able to mint metric series.
        route: request.routeOptions.url ?? 'unknown',
        outcome: error.code.toLowerCase(),
      });
    },
    body: (error, request) => {
      const body = error.toJSON();
      const anthropic =
        request.url.startsWith('/v1/messages') || request.headers['anthropic-version'] !== undefined;
      return anthropic ? { type: 'error', ...body, error: { ...body.error, type: error.code } } : body;
    },
  });

  // POST /v1/chat/completions, POST /v1/messages …: one route per wire format (formats/registry.ts).
  for (const format of WIRE_FORMATS) llmRoute(app, ctx, format);
  modelsRoute(app, ctx);

  app.addHook('onClose', async () => {
    await flush();
    deps.redis?.off('ready', onReady);
    if (store instanceof RedisBudgetStore) store.close();
    guarded?.close();
    await pools.close();
  });
  return app;
}
