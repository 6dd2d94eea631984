/**
 * Operator settings: flags and environment read once at start into one frozen, typed object.
 * Every setting has a default and a comment; a bad value stops start-up with
 * SLUICE_CONFIG_INVALID naming the flag (ratelimit's settings.go habit).
 */
import { hostname } from 'node:os';
import { SluiceError } from '../policy/errors.ts';
import { parseRedisUrl } from '../policy/redis-url.ts';
import { DEFAULT_KEY_PREFIX } from '../policy/wire.ts';

export type FailurePolicy = 'Ignore' | 'Fail';

export interface SidecarInjection {
  /** Sidecar container image. */
  image: string;
  /** Args after the image's entrypoint. */
  args: string[];
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Resource requests/limits for the sidecar container. */
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  /** Extra env for the sidecar (REDIS_URL etc.), name → value. */
  env: Record<string, string>;
  /** Native sidecar (init container with restartPolicy: Always, Kubernetes ≥ 1.29) or a plain container. */
  native: boolean;
}

export interface OperatorSettings {
  /** Kubeconfig file; empty = client-node's loadFromDefault (KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeconfig: string;
  /** Namespaces to watch; empty = all namespaces. One way to shard (docs/scale.md). */
  namespaces: readonly string[];
  /** Label selector of the TenantPolicies this operator owns, e.g. "sluice.dev/shard=a"; empty = all. */
  shardSelector: string;
  redisUrl: string;
  /** Key prefix of the Redis contract (policy/wire.ts). */
  redisPrefix: string;
  databaseUrl: string;
  /** Field manager and Event reportingController. */
  fieldManager: string;
  /** Identity in the Lease and in Events. */
  identity: string;
  /** Reconcile workers (keys are processed one at a time each; different keys in parallel). */
  workers: number;
  /** Full relist of every watch, to heal anything a watch missed. */
  resyncMs: number;
  /** A watch that delivers nothing (not even a bookmark) for this long is considered dead. */
  watchIdleMs: number;
  /** Longest wait between two reconnect attempts of a failed watch (capped exponential backoff). */
  watchBackoffCapMs: number;
  /** Server-side watch timeout; the API server ends the watch and we resume from the last RV. */
  watchTimeoutSeconds: number;
  /** Usage rollup interval (Redis counters → Postgres). */
  rollupIntervalMs: number;
  /** Outbox drain interval (audit, revisions, tenants → Postgres). */
  outboxIntervalMs: number;
  leaderElection: {
    enabled: boolean;
    namespace: string;
    name: string;
    /** A leader that has not renewed for this long is replaced. */
    leaseDurationMs: number;
    renewIntervalMs: number;
    retryIntervalMs: number;
  };
  webhook: {
    enabled: boolean;
    host: string;
    port: number;
    /** Base URL the API server calls (clientConfig.url); empty = use a Service. */
    url: string;
    serviceName: string;
    serviceNamespace: string;
    certSecretName: string;
    certSecretNamespace: string;
    /** Rotate the serving certificate when it has less than this left. */
    certRenewBeforeMs: number;
    certValidityDays: number;
    validatingName: string;
    mutatingName: string;
    tenantPolicyFailurePolicy: FailurePolicy;
    podFailurePolicy: FailurePolicy;
    /** Create/patch the webhook configurations (off when the chart manages them). */
    manageConfigurations: boolean;
  };
  sidecar: SidecarInjection;
  /** Port of /metrics, /healthz and /readyz; 0 = off (the chart sets 9091). */
  metricsPort: number;
  logLevel: string;
}

type Source = Record<string, string | undefined>;

interface Spec {
  flag: string;
  env: string;
}

/** Parses `--flag value` / `--flag=value` into a map; unknown flags are an error. */
function parseFlags(args: string[], known: Set<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw invalid(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!known.has(name)) throw invalid(`unknown flag --${name}`);
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--')) value = 'true';
      else {
        value = next;
        i++;
      }
    }
    out.set(name, value);
  }
  return out;
}

function invalid(detail: string): SluiceError {
  return new SluiceError('SLUICE_CONFIG_INVALID', detail);
}

const FLAGS: Record<string, Spec> = {};
function def(key: string, flag: string, env: string): Spec {
  const spec = { flag, env };
  FLAGS[key] = spec;
  return spec;
}

const F = {
  kubeconfig: def('kubeconfig', 'kubeconfig', 'KUBECONFIG'),
  namespaces: def('namespaces', 'namespaces', 'SLUICE_NAMESPACES'),
  shardSelector: def('shardSelector', 'shard-selector', 'SLUICE_SHARD_SELECTOR'),
  redisUrl: def('redisUrl', 'redis-url', 'REDIS_URL'),
  redisPrefix: def('redisPrefix', 'redis-prefix', 'SLUICE_REDIS_PREFIX'),
  databaseUrl: def('databaseUrl', 'database-url', 'DATABASE_URL'),
  identity: def('identity', 'identity', 'SLUICE_OPERATOR_IDENTITY'),
  workers: def('workers', 'workers', 'SLUICE_OPERATOR_WORKERS'),
  resyncMs: def('resyncMs', 'resync-ms', 'SLUICE_RESYNC_MS'),
  watchIdleMs: def('watchIdleMs', 'watch-idle-ms', 'SLUICE_WATCH_IDLE_MS'),
  watchBackoffCapMs: def('watchBackoffCapMs', 'watch-backoff-cap-ms', 'SLUICE_WATCH_BACKOFF_CAP_MS'),
  rollupIntervalMs: def('rollupIntervalMs', 'rollup-interval-ms', 'SLUICE_ROLLUP_INTERVAL_MS'),
  outboxIntervalMs: def('outboxIntervalMs', 'outbox-interval-ms', 'SLUICE_OUTBOX_INTERVAL_MS'),
  leaderElect: def('leaderElect', 'leader-elect', 'SLUICE_LEADER_ELECT'),
  leaseNamespace: def('leaseNamespace', 'lease-namespace', 'SLUICE_LEASE_NAMESPACE'),
  leaseName: def('leaseName', 'lease-name', 'SLUICE_LEASE_NAME'),
  leaseDurationMs: def('leaseDurationMs', 'lease-duration-ms', 'SLUICE_LEASE_DURATION_MS'),
  renewIntervalMs: def('renewIntervalMs', 'lease-renew-ms', 'SLUICE_LEASE_RENEW_MS'),
  retryIntervalMs: def('retryIntervalMs', 'lease-retry-ms', 'SLUICE_LEASE_RETRY_MS'),
  webhook: def('webhook', 'webhook', 'SLUICE_WEBHOOK'),
  webhookHost: def('webhookHost', 'webhook-host', 'SLUICE_WEBHOOK_HOST'),
  webhookPort: def('webhookPort', 'webhook-port', 'SLUICE_WEBHOOK_PORT'),
  webhookUrl: def('webhookUrl', 'webhook-url', 'SLUICE_WEBHOOK_URL'),
  webhookService: def('webhookService', 'webhook-service', 'SLUICE_WEBHOOK_SERVICE'),
  webhookNamespace: def('webhookNamespace', 'webhook-namespace', 'SLUICE_WEBHOOK_NAMESPACE'),
  webhookSecret: def('webhookSecret', 'webhook-cert-secret', 'SLUICE_WEBHOOK_CERT_SECRET'),
  validatingName: def('validatingName', 'webhook-validating-name', 'SLUICE_WEBHOOK_VALIDATING_NAME'),
  mutatingName: def('mutatingName', 'webhook-mutating-name', 'SLUICE_WEBHOOK_MUTATING_NAME'),
  policyFailure: def('policyFailure', 'webhook-policy-failure', 'SLUICE_WEBHOOK_POLICY_FAILURE'),
  podFailure: def('podFailure', 'webhook-pod-failure', 'SLUICE_WEBHOOK_POD_FAILURE'),
  manageWebhooks: def('manageWebhooks', 'webhook-manage-configurations', 'SLUICE_WEBHOOK_MANAGE'),
  sidecarImage: def('sidecarImage', 'sidecar-image', 'SLUICE_SIDECAR_IMAGE'),
  sidecarPullPolicy: def('sidecarPullPolicy', 'sidecar-pull-policy', 'SLUICE_SIDECAR_PULL_POLICY'),
  sidecarArgs: def('sidecarArgs', 'sidecar-args', 'SLUICE_SIDECAR_ARGS'),
  sidecarEnv: def('sidecarEnv', 'sidecar-env', 'SLUICE_SIDECAR_ENV'),
  sidecarNative: def('sidecarNative', 'sidecar-native', 'SLUICE_SIDECAR_NATIVE'),
  sidecarCpu: def('sidecarCpu', 'sidecar-cpu', 'SLUICE_SIDECAR_CPU'),
  sidecarMemory: def('sidecarMemory', 'sidecar-memory', 'SLUICE_SIDECAR_MEMORY'),
  metricsPort: def('metricsPort', 'metrics-port', 'SLUICE_OPERATOR_METRICS_PORT'),
  logLevel: def('logLevel', 'log-level', 'SLUICE_LOG_LEVEL'),
};

export function parseSettings(args: string[], env: Source = process.env): Readonly<OperatorSettings> {
  const known = new Set(Object.values(FLAGS).map((s) => s.flag));
  const flags = parseFlags(args, known);
  const get = (spec: Spec): string | undefined => flags.get(spec.flag) ?? env[spec.env];
  const str = (spec: Spec, fallback: string) => get(spec) ?? fallback;
  const required = (spec: Spec) => {
    const v = get(spec);
    if (!v) throw invalid(`--${spec.flag} (or ${spec.env}) is required`);
    return v;
  };
  const int = (spec: Spec, fallback: number, min: number, max: number) => {
    const raw = get(spec);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw invalid(`--${spec.flag} must be an integer in ${min}..${max} (got ${JSON.stringify(raw)})`);
    return n;
  };
  const bool = (spec: Spec, fallback: boolean) => {
    const raw = get(spec);
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw invalid(`--${spec.flag} must be true or false (got ${JSON.stringify(raw)})`);
  };
  const failure = (spec: Spec, fallback: FailurePolicy): FailurePolicy => {
    const raw = get(spec) ?? fallback;
    if (raw !== 'Ignore' && raw !== 'Fail')
      throw invalid(`--${spec.flag} must be Ignore or Fail (got ${JSON.stringify(raw)})`);
    return raw;
  };
  const pullPolicy = (spec: Spec): SidecarInjection['imagePullPolicy'] => {
    const raw = get(spec) ?? 'IfNotPresent';
    if (raw !== 'Always' && raw !== 'IfNotPresent' && raw !== 'Never')
      throw invalid(`--${spec.flag} must be Always, IfNotPresent or Never (got ${JSON.stringify(raw)})`);
    return raw;
  };
  const list = (spec: Spec) =>
    (get(spec) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);

  const redisUrl = required(F.redisUrl);
  try {
    parseRedisUrl(redisUrl);
  } catch (error) {
    throw invalid(`--redis-url: ${(error as Error).message}`);
  }
  const databaseUrl = required(F.databaseUrl);
  if (!/^postgres(ql)?:\/\//.test(databaseUrl))
    throw invalid(`--database-url must start with postgres:// or postgresql://`);

  const leaseDurationMs = int(F.leaseDurationMs, 10_000, 1_000, 600_000);
  const renewIntervalMs = int(F.renewIntervalMs, 2_000, 100, 600_000);
  if (renewIntervalMs >= leaseDurationMs)
    throw invalid(
      '--lease-renew-ms must be shorter than --lease-duration-ms, or the lease lapses between renewals',
    );

  const sidecarEnv: Record<string, string> = {};
  for (const pair of list(F.sidecarEnv)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw invalid(`--sidecar-env entries are NAME=value (got ${JSON.stringify(pair)})`);
    sidecarEnv[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const webhookPort = int(F.webhookPort, 9443, 0, 65_535);
  const settings: OperatorSettings = {
    kubeconfig: str(F.kubeconfig, ''),
    namespaces: list(F.namespaces),
    shardSelector: str(F.shardSelector, ''),
    redisUrl,
    redisPrefix: str(F.redisPrefix, DEFAULT_KEY_PREFIX),
    databaseUrl,
    fieldManager: 'sluice-operator',
    identity: str(F.identity, `${hostname()}-${process.pid}`),
    workers: int(F.workers, 4, 1, 64),
    resyncMs: int(F.resyncMs, 300_000, 1_000, 86_400_000),
    // Server-side timeouts end a healthy watch every ~5 min; bookmarks arrive about every minute,
    // so 90 s of silence means the connection is dead (a NAT dropped it, the server hung).
    watchIdleMs: int(F.watchIdleMs, 90_000, 1_000, 3_600_000),
    // client-go's reflector caps at 30 s too: long enough not to hammer a recovering API server.
    watchBackoffCapMs: int(F.watchBackoffCapMs, 30_000, 500, 600_000),
    watchTimeoutSeconds: 300,
    rollupIntervalMs: int(F.rollupIntervalMs, 60_000, 100, 86_400_000),
    outboxIntervalMs: int(F.outboxIntervalMs, 1_000, 50, 600_000),
    leaderElection: {
      enabled: bool(F.leaderElect, true),
      namespace: str(F.leaseNamespace, 'sluice-system'),
      name: str(F.leaseName, 'sluice-operator'),
      leaseDurationMs,
      renewIntervalMs,
      retryIntervalMs: int(F.retryIntervalMs, 2_000, 100, 600_000),
    },
    webhook: {
      enabled: bool(F.webhook, false),
      host: str(F.webhookHost, '127.0.0.1'),
      port: webhookPort,
      url: str(F.webhookUrl, ''),
      serviceName: str(F.webhookService, 'sluice-operator-webhook'),
      serviceNamespace: str(F.webhookNamespace, 'sluice-system'),
      certSecretName: str(F.webhookSecret, 'sluice-operator-webhook-cert'),
      certSecretNamespace: str(F.webhookNamespace, 'sluice-system'),
      certRenewBeforeMs: 30 * 86_400_000,
      certValidityDays: 365,
      validatingName: str(F.validatingName, 'sluice-tenantpolicy-validation'),
      mutatingName: str(F.mutatingName, 'sluice-sidecar-injection'),
      tenantPolicyFailurePolicy: failure(F.policyFailure, 'Fail'),
      podFailurePolicy: failure(F.podFailure, 'Ignore'),
      manageConfigurations: bool(F.manageWebhooks, true),
    },
    sidecar: {
      image: str(F.sidecarImage, 'ghcr.io/sluice-dev/sluice:0.1.0'),
      args: get(F.sidecarArgs)?.split(' ').filter(Boolean) ?? ['sidecar'],
      // The chart passes its image.pullPolicy: an image loaded into the node (pullPolicy Never)
      // must not be pulled for the sidecar either.
      imagePullPolicy: pullPolicy(F.sidecarPullPolicy),
      resources: {
        requests: { cpu: str(F.sidecarCpu, '100m'), memory: str(F.sidecarMemory, '320Mi') },
        limits: { memory: str(F.sidecarMemory, '320Mi') },
      },
      env: sidecarEnv,
      native: bool(F.sidecarNative, true),
    },
    metricsPort: int(F.metricsPort, 0, 0, 65_535),
    logLevel: str(F.logLevel, 'info'),
  };
  return deepFreeze(settings);
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Flags for `sluice operator --help`. */
export function settingsHelp(): string {
  return Object.values(FLAGS)
    .map((s) => `  --${s.flag.padEnd(32)} env ${s.env}`)
    .join('\n');
}
