/**
 * `sluice sidecar`'s settings: one table composed of each part's own (ingress, fair queue,
 * limiter, screening, policy source below, egress), read once at start from flags and
 * environment into one typed, frozen object (docs/adr/0035-one-settings-table.md). Precedence:
 * flag, then environment (SLUICE_<FLAG>, e.g. --max-concurrency → SLUICE_MAX_CONCURRENCY), then
 * default. A bad value stops start-up with SLUICE_CONFIG_INVALID naming the flag and the variable;
 * `--help` and the table in docs/sidecar.md are generated from the same table.
 */
import { type Env, parseSettings } from '../../cli/lib/settings/parse.ts';
import { compose, setting, type ValuesOf } from '../../cli/lib/settings/table.ts';
import { SluiceError } from '../../policy/errors.ts';
import { parseRedisUrl } from '../../policy/redis-url.ts';
import { DEFAULT_KEY_PREFIX } from '../../policy/wire.ts';
import { EGRESS_SETTINGS, type EgressSettings, egressSettings } from '../egress/settings.ts';
import { SCREENING_SETTINGS } from '../guard/settings.ts';
import { INGRESS_SETTINGS } from '../ingress/settings.ts';
import { LIMITER_SETTINGS } from '../limiter/settings.ts';
import { QUEUE_SETTINGS } from '../queue/settings.ts';

export type { FailureMode } from '../limiter/settings.ts';

/** Where policies come from, how they are kept, and the process-wide switches. */
export const POLICY_SOURCE_SETTINGS = {
  policies: setting.optional({
    flag: 'policies',
    placeholder: 'PATH',
    help: 'TenantPolicy + Secret YAML (file or folder): file mode with in-memory counters.',
  }),
  redisUrl: setting.optional({
    flag: 'redis-url',
    deprecated: [{ flag: 'redis', env: 'SLUICE_REDIS' }],
    placeholder: 'URL',
    help: 'Redis mode (policies from the operator, global counters): redis://, rediss://, redis+cluster://h1:p1,h2:p2 or redis+sentinel://h1:p1,h2:p2/mymaster.',
  }),
  redisPrefix: setting.string({
    flag: 'redis-prefix',
    default: DEFAULT_KEY_PREFIX,
    // The egress once documented SLUICE_KEY_PREFIX but never read it past this setting.
    deprecated: [{ env: 'SLUICE_KEY_PREFIX' }],
    placeholder: 'PREFIX',
    help: 'Key prefix in Redis (policy/wire.ts); the same as the operator’s.',
  }),
  stateDir: setting.optional({
    flag: 'state-dir',
    placeholder: 'DIR',
    help: 'Last-known-good policy snapshot folder (Redis mode).',
  }),
  resyncMs: setting.int({
    flag: 'resync-ms',
    default: 30_000,
    min: 100,
    max: 86_400_000,
    placeholder: 'MS',
    help: 'Full policy resync period in Redis mode, ms (on top of pub/sub and resync on reconnect).',
  }),
  policyCacheSize: setting.int({
    flag: 'policy-cache-size',
    // 10,000 records of ~2 KB: ~20-40 MB at most, whatever the installation's size (docs/scale.md).
    default: 10_000,
    min: 1,
    max: 10_000_000,
    help: 'Redis mode: most tenant records held at once (LRU beyond it; docs/adr/0025).',
  }),
  policyLookupsPerSec: setting.int({
    flag: 'policy-lookups-per-sec',
    // Each unseen key costs one or two Redis GETs; 200/s per replica is noise for Redis.
    default: 200,
    min: 1,
    max: 1_000_000,
    help: 'Redis mode: Redis lookups of API keys not yet held, per second per replica (random-key floods).',
  }),
  unknownKeyTtlMs: setting.int({
    flag: 'unknown-key-ttl-ms',
    // A new tenant or key is live within this long on a replica that saw the key just before.
    default: 5_000,
    min: 0,
    max: 3_600_000,
    placeholder: 'MS',
    help: 'Redis mode: how long an unknown API key is remembered as unknown, ms.',
  }),
  reloadDebounceMs: setting.int({
    flag: 'reload-debounce-ms',
    default: 200,
    min: 0,
    max: 60_000,
    placeholder: 'MS',
    help: 'File mode: debounce for policy file changes, ms.',
  }),
  shadow: setting.bool({
    flag: 'shadow',
    default: false,
    help: 'Shadow mode for every limit a policy leaves unset: refusals are reported (sluice-shadow) but the request passes; a policy’s explicit enforce still refuses (docs/adr/0027-shadow-mode.md).',
  }),
  logLevel: setting.enum({
    flag: 'log-level',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    help: 'pino level; "info" logs no per-request lines.',
  }),
} as const;

/** `sluice sidecar`'s table: every part's settings, in --help order. */
export const SIDECAR_SETTINGS = compose(
  INGRESS_SETTINGS,
  QUEUE_SETTINGS,
  LIMITER_SETTINGS,
  SCREENING_SETTINGS,
  POLICY_SOURCE_SETTINGS,
  EGRESS_SETTINGS,
);

export type Settings = ValuesOf<typeof SIDECAR_SETTINGS> & {
  /** The parsed egress settings (providers with their keys read, breaker, prices). */
  readonly egressSettings: EgressSettings;
};

/**
 * Flags and environment → frozen Settings. Throws SluiceError SLUICE_CONFIG_INVALID. `warn`
 * receives one line per deprecated spelling used (cli/sidecar.ts writes them to stderr).
 */
export function loadSettings(
  args: readonly string[],
  env: Env = process.env,
  overrides: Partial<Settings> = {},
  warn: (message: string) => void = () => {},
): Settings {
  const { values, warnings } = parseSettings(SIDECAR_SETTINGS, args, env);
  for (const w of warnings) warn(w);
  const merged = { ...values, ...overrides };
  const settings: Settings = {
    ...merged,
    egressSettings:
      overrides.egressSettings ?? egressSettings(merged, { env, keyPrefix: merged.redisPrefix }),
  };
  check(settings);
  return Object.freeze(settings);
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
  if (!s.policies && !s.redisUrl)
    fail(
      'give --policies PATH (file mode) or --redis-url URL (Redis mode); SLUICE_POLICIES / SLUICE_REDIS_URL',
    );
  if (s.policies && s.redisUrl) fail('give either --policies or --redis-url, not both');
  if (s.redisUrl) {
    try {
      parseRedisUrl(s.redisUrl);
    } catch (error) {
      fail(`--redis-url: ${(error as Error).message}`);
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
