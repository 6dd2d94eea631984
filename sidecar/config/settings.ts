/**
 * Sidecar settings: read once at start from flags and environment into one typed, frozen
 * object (envoyproxy/ratelimit's settings.go). Every setting has a default and a comment; a
 * bad value stops start-up with SLUICE_CONFIG_INVALID naming the flag and the variable.
 * Precedence: flag, then environment (SLUICE_<FLAG>, e.g. --max-concurrency → SLUICE_MAX_CONCURRENCY),
 * then default.
 */
import { parseArgs } from 'node:util';
import { SluiceError } from '../../policy/errors.ts';
import { parseRedisUrl } from '../../policy/redis-url.ts';
import { DEFAULT_KEY_PREFIX } from '../../policy/wire.ts';
import { type EgressSettings, parseEgressSettings } from '../egress/settings.ts';

export type FailureMode = 'local-share' | 'open' | 'closed';

export interface Settings {
  /** Address the ingress, metrics and admin listeners bind to. 0.0.0.0 in a pod; tests use 127.0.0.1. */
  readonly host: string;
  /** Ingress port: clients talk to this. 0 = any free port (tests). */
  readonly port: number;
  /** Prometheus /metrics port. */
  readonly metricsPort: number;
  /** /healthz, /readyz and GET /policies/:tenantId. */
  readonly adminPort: number;
  /** The app beside the sidecar, e.g. http://127.0.0.1:8000. */
  readonly upstream: string;
  /** Keep-alive connections to the app (undici Pool). */
  readonly upstreamConnections: number;
  /** Longest wait for the app's response headers, ms (504 SLUICE_UPSTREAM_TIMEOUT after it). */
  readonly upstreamHeadersTimeoutMs: number;
  /** Longest silence between two body chunks from the app, ms; SSE answers keep it alive. */
  readonly upstreamBodyTimeoutMs: number;
  /** Longest a client may take to send its whole request (headers and body), ms; then 408 and
   *  the connection is closed — a slow client (slowloris) cannot hold a connection. */
  readonly clientTimeoutMs: number;
  /** Largest request body accepted, bytes (413 SLUICE_BODY_TOO_LARGE). */
  readonly bodyLimitBytes: number;
  /** Deepest nesting of arrays/objects in a JSON body, ingress and egress (400 SLUICE_BAD_REQUEST). */
  readonly jsonMaxDepth: number;
  /** Requests in flight to the app at once; more wait in the fair queue. */
  readonly maxConcurrency: number;
  /** Share of --max-concurrency (percent, rounded down to whole seats) that only the highest
   *  tier seen may take, so a flood of lower-tier requests cannot occupy every seat. 0 = off. */
  readonly reservedSharePercent: number;
  /** TenantPolicy + Secret YAML (file or folder): file mode with in-memory counters. */
  readonly policies: string | null;
  /** Redis URL: Redis mode (policies from the operator, global counters). redis://, rediss://,
   *  redis+cluster://h1:p1,h2:p2 or redis+sentinel://h1:p1,h2:p2/mymaster (policy/redis-url.ts). */
  readonly redis: string | null;
  /** Key prefix in Redis (policy/wire.ts). */
  readonly redisPrefix: string;
  /**
   * Longest a request waits for its Redis answer before it is refused with Retry-After 1 s (a late
   * admission is refunded); a connection silent this long while it owes replies is closed and the
   * failure mode applies until it is back. ms. docs/adr/0015-exact-under-pressure.md
   */
  readonly redisCommandTimeoutMs: number;
  /** Last-known-good policy snapshot folder (Redis mode); null = none. */
  readonly stateDir: string | null;
  /** What the limiter does while Redis is unreachable. */
  readonly failureMode: FailureMode;
  /** Replica heartbeat period, ms; a replica is live for 3 periods after its last beat. */
  readonly heartbeatMs: number;
  /** Full policy resync period in Redis mode, ms (on top of pub/sub and resync on reconnect). */
  readonly resyncMs: number;
  /** Redis mode: most tenant records held at once (LRU beyond it; docs/adr/0025). */
  readonly policyCacheSize: number;
  /** Redis mode: Redis lookups of API keys not yet held, per second per replica (random-key floods). */
  readonly policyLookupsPerSec: number;
  /** Redis mode: how long an unknown API key is remembered as unknown, ms. */
  readonly unknownKeyTtlMs: number;
  /** This replica's id in the heartbeat set; default host name + pid. */
  readonly replicaId: string;
  /** JSON body field passed to prompt screening. */
  readonly queryField: string;
  /** JSON body fields clamped to the tier's topK cap (the policy's caps.fields come on top). */
  readonly capFields: readonly string[];
  /** pino level; "info" logs no per-request lines. */
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Debounce for policy file changes, ms. */
  readonly reloadDebounceMs: number;
  /** The LLM egress listener (127.0.0.1 only): on or off. */
  readonly egress: 'on' | 'off';
  /** Egress port on 127.0.0.1; the app calls its LLM here. 0 = any free port (tests). */
  readonly egressPort: number;
  /** LLM providers, repeatable: name=openai-compatible|anthropic,<baseUrl>[,keyfile=…] (docs/egress.md). */
  readonly providers: readonly string[];
  /** Default prices, repeatable: provider/model=<in>,<out> USD per 1k tokens (policy prices win). */
  readonly prices: readonly string[];
  /** Shadow mode for every limit a policy leaves unset (docs/adr/0027-shadow-mode.md): the
   *  limiter, budgets and screening decide as usual, but a refusal lets the request pass with
   *  sluice-shadow. A policy's explicit enforce still refuses. For a first rollout on live traffic. */
  readonly shadow: boolean;
  /** The parsed egress settings (providers with their keys read, breaker, prices). */
  readonly egressSettings: EgressSettings;
}

interface Spec {
  flag: string;
  /** multi: a repeatable flag; in the environment, values separated by ";". */
  /** bool: `--shadow` true, `--no-shadow` false; in the environment true|false|1|0|on|off. */
  kind: 'string' | 'int' | 'list' | 'enum' | 'multi' | 'bool';
  values?: readonly string[];
  min?: number;
  max?: number;
}

const SPECS: Record<Exclude<keyof Settings, 'egressSettings'>, Spec> = {
  host: { flag: 'host', kind: 'string' },
  port: { flag: 'port', kind: 'int', min: 0, max: 65_535 },
  metricsPort: { flag: 'metrics-port', kind: 'int', min: 0, max: 65_535 },
  adminPort: { flag: 'admin-port', kind: 'int', min: 0, max: 65_535 },
  upstream: { flag: 'upstream', kind: 'string' },
  upstreamConnections: { flag: 'upstream-connections', kind: 'int', min: 1, max: 10_000 },
  upstreamHeadersTimeoutMs: { flag: 'upstream-headers-timeout-ms', kind: 'int', min: 1, max: 3_600_000 },
  upstreamBodyTimeoutMs: { flag: 'upstream-body-timeout-ms', kind: 'int', min: 1, max: 3_600_000 },
  clientTimeoutMs: { flag: 'client-timeout-ms', kind: 'int', min: 100, max: 3_600_000 },
  bodyLimitBytes: { flag: 'body-limit', kind: 'int', min: 1, max: 1_073_741_824 },
  jsonMaxDepth: { flag: 'json-max-depth', kind: 'int', min: 1, max: 1_000 },
  maxConcurrency: { flag: 'max-concurrency', kind: 'int', min: 1, max: 100_000 },
  reservedSharePercent: { flag: 'reserved-share', kind: 'int', min: 0, max: 90 },
  policies: { flag: 'policies', kind: 'string' },
  redis: { flag: 'redis', kind: 'string' },
  redisPrefix: { flag: 'redis-prefix', kind: 'string' },
  redisCommandTimeoutMs: { flag: 'redis-command-timeout-ms', kind: 'int', min: 1, max: 60_000 },
  stateDir: { flag: 'state-dir', kind: 'string' },
  failureMode: { flag: 'failure-mode', kind: 'enum', values: ['local-share', 'open', 'closed'] },
  heartbeatMs: { flag: 'heartbeat-ms', kind: 'int', min: 100, max: 600_000 },
  resyncMs: { flag: 'resync-ms', kind: 'int', min: 100, max: 86_400_000 },
  policyCacheSize: { flag: 'policy-cache-size', kind: 'int', min: 1, max: 10_000_000 },
  policyLookupsPerSec: { flag: 'policy-lookups-per-sec', kind: 'int', min: 1, max: 1_000_000 },
  unknownKeyTtlMs: { flag: 'unknown-key-ttl-ms', kind: 'int', min: 0, max: 3_600_000 },
  replicaId: { flag: 'replica-id', kind: 'string' },
  queryField: { flag: 'query-field', kind: 'string' },
  capFields: { flag: 'cap-fields', kind: 'list' },
  logLevel: {
    flag: 'log-level',
    kind: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
  },
  reloadDebounceMs: { flag: 'reload-debounce-ms', kind: 'int', min: 0, max: 60_000 },
  egress: { flag: 'egress', kind: 'enum', values: ['on', 'off'] },
  egressPort: { flag: 'egress-port', kind: 'int', min: 0, max: 65_535 },
  providers: { flag: 'provider', kind: 'multi' },
  prices: { flag: 'price', kind: 'multi' },
  shadow: { flag: 'shadow', kind: 'bool' },
};

export const DEFAULT_SETTINGS: Settings = Object.freeze({
  host: '0.0.0.0',
  port: 8080,
  metricsPort: 9090,
  adminPort: 8082,
  upstream: 'http://127.0.0.1:8000',
  upstreamConnections: 128,
  upstreamHeadersTimeoutMs: 60_000,
  // LLM answers may pause between tokens; 5 minutes of silence is a dead stream.
  upstreamBodyTimeoutMs: 300_000,
  // A 1 MB body takes well under a second on any real link; 30 s is generous for mobile clients.
  clientTimeoutMs: 30_000,
  bodyLimitBytes: 1_048_576,
  // Chat requests with tool schemas nest ~10 deep; 64 leaves room and bounds every recursion.
  jsonMaxDepth: 64,
  maxConcurrency: 64,
  // 25%: with 8 seats, 2 stay free for enterprise while free floods (docs/adr/0010).
  reservedSharePercent: 25,
  policies: null,
  redis: null,
  redisPrefix: DEFAULT_KEY_PREFIX,
  // A healthy Redis answers in well under 5 ms, but a slow one that answers is still exact: wait
  // for it. 3 s is past a 2 s latency spike with jitter, and short enough that a paused Redis
  // moves the replicas to the failure mode in seconds (docs/adr/0015-exact-under-pressure.md).
  redisCommandTimeoutMs: 3_000,
  stateDir: null,
  failureMode: 'local-share',
  heartbeatMs: 2_000,
  resyncMs: 30_000,
  // 10,000 records of ~2 KB: ~20-40 MB at most, whatever the installation's size (docs/scale.md).
  policyCacheSize: 10_000,
  // Each unseen key costs one or two Redis GETs; 200/s per replica is noise for Redis.
  policyLookupsPerSec: 200,
  // A new tenant or key is live within this long on a replica that saw the key just before.
  unknownKeyTtlMs: 5_000,
  replicaId: `${process.env['HOSTNAME'] ?? 'sidecar'}-${process.pid}`,
  queryField: 'query',
  capFields: Object.freeze(['top_k']),
  logLevel: 'info',
  reloadDebounceMs: 200,
  egress: 'on',
  egressPort: 8081,
  providers: Object.freeze([]),
  prices: Object.freeze([]),
  shadow: false,
  egressSettings: parseEgressSettings({ env: {} }),
});

const envName = (flag: string) => `SLUICE_${flag.replaceAll('-', '_').toUpperCase()}`;

/** Flags and environment → frozen Settings. Throws SluiceError SLUICE_CONFIG_INVALID. */
export function loadSettings(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Partial<Settings> = {},
): Settings {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const spec of Object.values(SPECS))
    options[spec.flag] =
      spec.kind === 'bool' ? { type: 'boolean' } : { type: 'string', multiple: spec.kind === 'multi' };
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    // allowNegative: `--no-shadow` turns off what SLUICE_SHADOW turned on.
    ({ values } = parseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals: false,
      allowNegative: true,
    }));
  } catch (error) {
    throw new SluiceError('SLUICE_CONFIG_INVALID', (error as Error).message);
  }
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const [key, spec] of Object.entries(SPECS) as [keyof Settings, Spec][]) {
    const fromFlag = values[spec.flag];
    if (typeof fromFlag === 'boolean') {
      out[key] = fromFlag;
      continue;
    }
    if (Array.isArray(fromFlag)) {
      out[key] = fromFlag;
      continue;
    }
    const raw = typeof fromFlag === 'string' ? fromFlag : env[envName(spec.flag)];
    if (raw === undefined || raw === '') continue;
    const where = `--${spec.flag} / ${envName(spec.flag)} = ${JSON.stringify(raw)}`;
    out[key] = parseValue(spec, raw, where);
  }
  const partial = out as unknown as Settings;
  out['egressSettings'] = parseEgressSettings({
    env,
    providers: [...partial.providers],
    prices: [...partial.prices],
    keyPrefix: partial.redisPrefix,
  });
  Object.assign(out, overrides);
  const settings = out as unknown as Settings;
  check(settings);
  return Object.freeze({ ...settings, capFields: Object.freeze([...settings.capFields]) });
}

function parseValue(spec: Spec, raw: string, where: string): unknown {
  switch (spec.kind) {
    case 'string':
      return raw;
    case 'bool':
      return parseBool(raw, where);
    case 'multi':
      return raw
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'enum':
      if (!spec.values!.includes(raw))
        throw new SluiceError('SLUICE_CONFIG_INVALID', `${where}: use one of ${spec.values!.join(', ')}`);
      return raw;
    case 'int': {
      if (!/^[0-9]+$/.test(raw.replaceAll('_', '')))
        throw new SluiceError('SLUICE_CONFIG_INVALID', `${where}: not a whole number`);
      const n = Number(raw.replaceAll('_', ''));
      if (n < spec.min! || n > spec.max!)
        throw new SluiceError(
          'SLUICE_CONFIG_INVALID',
          `${where}: must be between ${spec.min} and ${spec.max}`,
        );
      return n;
    }
  }
}

const BOOL: Record<string, boolean> = {
  true: true,
  '1': true,
  on: true,
  false: false,
  '0': false,
  off: false,
};

function parseBool(raw: string, where: string): boolean {
  const value = BOOL[raw.trim().toLowerCase()];
  if (value === undefined)
    throw new SluiceError('SLUICE_CONFIG_INVALID', `${where}: use true or false (also 1/0, on/off)`);
  return value;
}

function check(s: Settings): void {
  const fail = (detail: string) => {
    throw new SluiceError('SLUICE_CONFIG_INVALID', detail);
  };
  let url: URL | undefined;
  try {
    url = new URL(s.upstream);
  } catch {
    fail(
      `--upstream / SLUICE_UPSTREAM = ${JSON.stringify(s.upstream)}: not a URL (e.g. http://127.0.0.1:8000)`,
    );
  }
  if (url && url.protocol !== 'http:' && url.protocol !== 'https:')
    fail(`--upstream: use an http:// or https:// URL, not ${url.protocol}`);
  if (!s.policies && !s.redis)
    fail('give --policies PATH (file mode) or --redis URL (Redis mode); SLUICE_POLICIES / SLUICE_REDIS');
  if (s.policies && s.redis) fail('give either --policies or --redis, not both');
  if (s.redis) {
    try {
      parseRedisUrl(s.redis);
    } catch (error) {
      fail(`--redis: ${(error as Error).message}`);
    }
  }
  if (/[{}]/.test(s.redisPrefix))
    fail('--redis-prefix must not contain "{" or "}" (they are Redis Cluster hash tags)');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s.queryField)) fail(`--query-field: not a JSON field name`);
  for (const f of s.capFields)
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(f)) fail(`--cap-fields: "${f}" is not a field name`);
  const ports = [s.port, s.metricsPort, s.adminPort, ...(s.egress === 'on' ? [s.egressPort] : [])].filter(
    (p) => p !== 0,
  );
  if (new Set(ports).size !== ports.length)
    fail('--port, --metrics-port, --admin-port and --egress-port must differ');
}

/** The usage text of `sluice sidecar --help`. */
export function settingsHelp(): string {
  const lines = Object.entries(SPECS).map(([key, spec]) => {
    const value = DEFAULT_SETTINGS[key as keyof Settings];
    const shown = Array.isArray(value) ? value.join(',') : value === null ? '(unset)' : String(value);
    return `  --${spec.flag.padEnd(28)} ${envName(spec.flag).padEnd(36)} default ${shown}`;
  });
  return lines.join('\n');
}
