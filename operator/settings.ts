/**
 * `sluice operator`'s settings: one table (flag, environment variable, type, default, help; the
 * parser, `--help` and the table in docs/operator.md come from it; docs/adr/0035-one-settings-table.md),
 * read once at start into one frozen, typed object shaped for the operator's parts. A bad value
 * stops start-up with SLUICE_CONFIG_INVALID naming the flag (ratelimit's settings.go habit).
 */
import { hostname } from 'node:os';
import { type Env, parseSettings as parseTable } from '../cli/lib/settings/parse.ts';
import { setting, type ValuesOf } from '../cli/lib/settings/table.ts';
import { SluiceError } from '../policy/errors.ts';
import { parseRedisUrl } from '../policy/redis-url.ts';
import { DEFAULT_KEY_PREFIX } from '../policy/wire.ts';

export type FailurePolicy = 'Ignore' | 'Fail';

const MS_DAY = 86_400_000;
const failurePolicy = (flag: string, env: string, def: FailurePolicy, help: string) =>
  setting.enum({ flag, env, values: ['Ignore', 'Fail'], default: def, help });

export const OPERATOR_SETTINGS = {
  kubeconfig: setting.optional({
    flag: 'kubeconfig',
    env: 'KUBECONFIG',
    placeholder: 'FILE',
    help: "Kubeconfig file; unset = client-node's loadFromDefault (~/.kube/config, in-cluster).",
  }),
  namespaces: setting.list({
    flag: 'namespaces',
    default: [],
    help: "Namespaces to watch (comma list); none = all. Also scopes the webhooks' namespaceSelector; one way to shard (docs/scale.md).",
  }),
  shardSelector: setting.optional({
    flag: 'shard-selector',
    placeholder: 'SELECTOR',
    help: 'Label selector of the TenantPolicies this operator owns, e.g. sluice.dev/shard=a; unset = all.',
  }),
  redisUrl: setting.optional({
    flag: 'redis-url',
    envAlso: ['REDIS_URL'],
    required: true,
    placeholder: 'URL',
    help: 'Redis the sidecars read: redis://, rediss://, redis+cluster://h1:p1,h2:p2, redis+sentinel://h1:p1,h2:p2/mymaster.',
  }),
  redisPrefix: setting.string({
    flag: 'redis-prefix',
    default: DEFAULT_KEY_PREFIX,
    placeholder: 'PREFIX',
    help: 'Key prefix of the Redis contract (policy/wire.ts); the same as the sidecars’.',
  }),
  databaseUrl: setting.optional({
    flag: 'database-url',
    envAlso: ['DATABASE_URL'],
    required: true,
    placeholder: 'URL',
    help: 'Postgres for the durable record: postgres:// or postgresql://.',
  }),
  identity: setting.string({
    flag: 'identity',
    env: 'SLUICE_OPERATOR_IDENTITY',
    default: `${hostname()}-${process.pid}`,
    defaultText: '<host name>-<pid>',
    placeholder: 'ID',
    help: 'Identity in the Lease and in Events.',
  }),
  workers: setting.int({
    flag: 'workers',
    env: 'SLUICE_OPERATOR_WORKERS',
    default: 4,
    min: 1,
    max: 64,
    help: 'Reconcile workers (one key at a time each; different keys in parallel).',
  }),
  resyncMs: setting.int({
    flag: 'resync-ms',
    default: 300_000,
    min: 1_000,
    max: MS_DAY,
    placeholder: 'MS',
    help: 'Full relist of every watch, to heal anything a watch missed, ms.',
  }),
  watchIdleMs: setting.int({
    flag: 'watch-idle-ms',
    // Server-side timeouts end a healthy watch every ~5 min; bookmarks arrive about every minute,
    // so 90 s of silence means the connection is dead (a NAT dropped it, the server hung).
    default: 90_000,
    min: 1_000,
    max: 3_600_000,
    placeholder: 'MS',
    help: 'A watch that delivers nothing (not even a bookmark) for this long is reconnected, ms.',
  }),
  watchBackoffCapMs: setting.int({
    flag: 'watch-backoff-cap-ms',
    // client-go's reflector caps at 30 s too: long enough not to hammer a recovering API server.
    default: 30_000,
    min: 500,
    max: 600_000,
    placeholder: 'MS',
    help: 'Longest wait between two reconnect attempts of a failed watch (capped exponential backoff), ms.',
  }),
  rollupIntervalMs: setting.int({
    flag: 'rollup-interval-ms',
    default: 60_000,
    min: 100,
    max: MS_DAY,
    placeholder: 'MS',
    help: 'Usage rollup interval (Redis counters → Postgres), ms.',
  }),
  outboxIntervalMs: setting.int({
    flag: 'outbox-interval-ms',
    default: 1_000,
    min: 50,
    max: 600_000,
    placeholder: 'MS',
    help: 'Outbox drain interval (audit, revisions, tenants → Postgres), ms.',
  }),
  leaderElect: setting.bool({
    flag: 'leader-elect',
    default: true,
    help: 'Take part in leader election (a Lease).',
  }),
  leaseNamespace: setting.string({
    flag: 'lease-namespace',
    default: 'sluice-system',
    placeholder: 'NS',
    help: "The Lease's namespace.",
  }),
  leaseName: setting.string({
    flag: 'lease-name',
    default: 'sluice-operator',
    placeholder: 'NAME',
    help: "The Lease's name.",
  }),
  leaseDurationMs: setting.int({
    flag: 'lease-duration-ms',
    default: 10_000,
    min: 1_000,
    max: 600_000,
    placeholder: 'MS',
    help: 'A leader that has not renewed for this long is replaced, ms.',
  }),
  renewIntervalMs: setting.int({
    flag: 'lease-renew-ms',
    default: 2_000,
    min: 100,
    max: 600_000,
    placeholder: 'MS',
    help: 'How often the leader renews the Lease, ms (shorter than --lease-duration-ms).',
  }),
  retryIntervalMs: setting.int({
    flag: 'lease-retry-ms',
    default: 2_000,
    min: 100,
    max: 600_000,
    placeholder: 'MS',
    help: 'How often a follower tries to take the Lease, ms.',
  }),
  webhook: setting.bool({
    flag: 'webhook',
    default: false,
    help: 'Serve the admission webhooks over HTTPS.',
  }),
  webhookHost: setting.string({
    flag: 'webhook-host',
    default: '127.0.0.1',
    placeholder: 'ADDR',
    help: 'Address the webhook server binds to (0.0.0.0 in a pod).',
  }),
  webhookPort: setting.int({
    flag: 'webhook-port',
    default: 9443,
    min: 0,
    max: 65_535,
    placeholder: 'PORT',
    help: 'Webhook server port; 0 = any free port (tests).',
  }),
  webhookUrl: setting.optional({
    flag: 'webhook-url',
    placeholder: 'URL',
    help: 'Base URL the API server calls (clientConfig.url); unset = the Service; auto = https://<host>:<port> (tests).',
  }),
  webhookService: setting.string({
    flag: 'webhook-service',
    default: 'sluice-operator-webhook',
    placeholder: 'NAME',
    help: "The webhooks' Service.",
  }),
  webhookNamespace: setting.string({
    flag: 'webhook-namespace',
    default: 'sluice-system',
    placeholder: 'NS',
    help: "Namespace of the webhooks' Service and certificate Secret.",
  }),
  webhookSecret: setting.string({
    flag: 'webhook-cert-secret',
    default: 'sluice-operator-webhook-cert',
    placeholder: 'NAME',
    help: "Secret holding the webhooks' serving certificate.",
  }),
  validatingName: setting.string({
    flag: 'webhook-validating-name',
    default: 'sluice-tenantpolicy-validation',
    placeholder: 'NAME',
    help: 'Name of the ValidatingWebhookConfiguration.',
  }),
  mutatingName: setting.string({
    flag: 'webhook-mutating-name',
    default: 'sluice-sidecar-injection',
    placeholder: 'NAME',
    help: 'Name of the MutatingWebhookConfiguration (sidecar injection).',
  }),
  policyFailure: failurePolicy(
    'webhook-policy-failure',
    'SLUICE_WEBHOOK_POLICY_FAILURE',
    'Fail',
    'failurePolicy of the TenantPolicy validation webhook.',
  ),
  podFailure: failurePolicy(
    'webhook-pod-failure',
    'SLUICE_WEBHOOK_POD_FAILURE',
    'Ignore',
    'failurePolicy of the sidecar injection webhook.',
  ),
  manageWebhooks: setting.bool({
    flag: 'webhook-manage-configurations',
    env: 'SLUICE_WEBHOOK_MANAGE',
    default: true,
    help: 'Create/patch the webhook configurations and the certificate (off when cert-manager or the chart manages them).',
  }),
  sidecarImage: setting.string({
    flag: 'sidecar-image',
    default: 'ghcr.io/sluice-dev/sluice:0.1.0',
    placeholder: 'IMAGE',
    help: 'Image of the injected sidecar.',
  }),
  sidecarPullPolicy: setting.enum({
    flag: 'sidecar-pull-policy',
    values: ['Always', 'IfNotPresent', 'Never'],
    // The chart passes its image.pullPolicy: an image loaded into the node (pullPolicy Never)
    // must not be pulled for the sidecar either.
    default: 'IfNotPresent',
    help: 'imagePullPolicy of the injected sidecar.',
  }),
  sidecarArgs: setting.string({
    flag: 'sidecar-args',
    default: 'sidecar',
    placeholder: 'ARGS',
    help: "Args after the image's entrypoint, separated by spaces (`sluice sidecar --help`).",
  }),
  sidecarEnv: setting.string({
    flag: 'sidecar-env',
    default: '',
    defaultText: '(none)',
    placeholder: 'NAME=value,…',
    help: 'Extra environment of the injected sidecar, e.g. SLUICE_REDIS_URL=…,NODE_OPTIONS=…; a comma starts a new entry only before NAME=.',
  }),
  sidecarNative: setting.bool({
    flag: 'sidecar-native',
    default: true,
    help: 'Inject a native sidecar (init container with restartPolicy: Always, Kubernetes ≥ 1.29), else a plain container.',
  }),
  sidecarCpu: setting.string({
    flag: 'sidecar-cpu',
    default: '100m',
    placeholder: 'CPU',
    help: 'CPU request of the injected sidecar.',
  }),
  sidecarMemory: setting.string({
    flag: 'sidecar-memory',
    default: '320Mi',
    placeholder: 'MEMORY',
    help: 'Memory request and limit of the injected sidecar.',
  }),
  metricsPort: setting.int({
    flag: 'metrics-port',
    env: 'SLUICE_OPERATOR_METRICS_PORT',
    default: 0,
    min: 0,
    max: 65_535,
    placeholder: 'PORT',
    help: 'Port of /metrics, /healthz and /readyz; 0 = off (the chart sets 9091).',
  }),
  logLevel: setting.enum({
    flag: 'log-level',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    help: 'pino level.',
  }),
} as const;

export type OperatorValues = ValuesOf<typeof OPERATOR_SETTINGS>;

function invalid(detail: string): SluiceError {
  return new SluiceError('SLUICE_CONFIG_INVALID', detail);
}

/**
 * Flags and environment → frozen OperatorSettings. Throws SluiceError SLUICE_CONFIG_INVALID.
 * `warn` receives one line per deprecated spelling used.
 */
export function parseSettings(
  args: readonly string[],
  env: Env = process.env,
  warn: (message: string) => void = () => {},
): OperatorSettings {
  const { values: v, warnings } = parseTable(OPERATOR_SETTINGS, args, env);
  for (const w of warnings) warn(w);
  // Both are required: parseTable refused a missing one.
  const redisUrl = v.redisUrl!;
  const databaseUrl = v.databaseUrl!;
  try {
    parseRedisUrl(redisUrl);
  } catch (error) {
    throw invalid(`--redis-url: ${(error as Error).message}`);
  }
  if (!/^postgres(ql)?:\/\//.test(databaseUrl))
    throw invalid(`--database-url must start with postgres:// or postgresql://`);
  if (v.renewIntervalMs >= v.leaseDurationMs)
    throw invalid(
      '--lease-renew-ms must be shorter than --lease-duration-ms, or the lease lapses between renewals',
    );

  const sidecarEnv: Record<string, string> = {};
  // Split only before NAME=: a value may hold commas (SLUICE_REDIS_URL=redis+cluster://h1:p1,h2:p2).
  for (const pair of v.sidecarEnv
    .split(/,(?=\s*[A-Za-z_][A-Za-z0-9_]*=)/)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw invalid(`--sidecar-env entries are NAME=value (got ${JSON.stringify(pair)})`);
    sidecarEnv[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return deepFreeze(build(v, sidecarEnv));
}

/** The table's values in the nested shape the operator's parts read (checked by parseSettings). */
function build(v: OperatorValues, sidecarEnv: Record<string, string>) {
  return {
    kubeconfig: v.kubeconfig ?? '',
    namespaces: v.namespaces,
    shardSelector: v.shardSelector ?? '',
    redisUrl: v.redisUrl!,
    redisPrefix: v.redisPrefix,
    databaseUrl: v.databaseUrl!,
    /** Field manager and Event reportingController. */
    fieldManager: 'sluice-operator',
    identity: v.identity,
    workers: v.workers,
    resyncMs: v.resyncMs,
    watchIdleMs: v.watchIdleMs,
    watchBackoffCapMs: v.watchBackoffCapMs,
    /** Server-side watch timeout; the API server ends the watch and we resume from the last RV. */
    watchTimeoutSeconds: 300,
    rollupIntervalMs: v.rollupIntervalMs,
    outboxIntervalMs: v.outboxIntervalMs,
    leaderElection: {
      enabled: v.leaderElect,
      namespace: v.leaseNamespace,
      name: v.leaseName,
      leaseDurationMs: v.leaseDurationMs,
      renewIntervalMs: v.renewIntervalMs,
      retryIntervalMs: v.retryIntervalMs,
    },
    webhook: {
      enabled: v.webhook,
      host: v.webhookHost,
      port: v.webhookPort,
      url: v.webhookUrl ?? '',
      serviceName: v.webhookService,
      serviceNamespace: v.webhookNamespace,
      certSecretName: v.webhookSecret,
      certSecretNamespace: v.webhookNamespace,
      /** Rotate the serving certificate when it has less than this left. */
      certRenewBeforeMs: 30 * MS_DAY,
      certValidityDays: 365,
      validatingName: v.validatingName,
      mutatingName: v.mutatingName,
      tenantPolicyFailurePolicy: v.policyFailure,
      podFailurePolicy: v.podFailure,
      manageConfigurations: v.manageWebhooks,
    },
    sidecar: {
      image: v.sidecarImage,
      args: v.sidecarArgs.split(' ').filter(Boolean),
      imagePullPolicy: v.sidecarPullPolicy,
      resources: {
        requests: { cpu: v.sidecarCpu, memory: v.sidecarMemory },
        limits: { memory: v.sidecarMemory },
      },
      env: sidecarEnv,
      native: v.sidecarNative,
    },
    metricsPort: v.metricsPort,
    logLevel: v.logLevel,
  };
}

/** What the operator's parts read: the table's values in the shape the parts use. */
export type OperatorSettings = Readonly<ReturnType<typeof build>>;
export type SidecarInjection = OperatorSettings['sidecar'];

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
