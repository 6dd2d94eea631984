/**
 * Egress settings: the LLM providers (wire format, base URL, API key, timeouts), default prices,
 * the circuit breaker and the body limit. The egress's part of the sidecar's settings table
 * (EGRESS_SETTINGS, composed in sidecar/config/settings.ts; docs/adr/0035-one-settings-table.md),
 * then turned into one frozen EgressSettings; bad settings stop start-up with
 * SLUICE_CONFIG_INVALID naming the flag or variable.
 *
 * Providers come from `--provider` (repeatable; SLUICE_PROVIDER, ";" between entries) and from a
 * family of variables the table cannot list one by one (<NAME> is the provider name upper-cased,
 * `-` → `_`); a flag wins over the family for the same provider name:
 *   SLUICE_PROVIDERS=openai,anthropic            which providers to read from the environment
 *   SLUICE_PROVIDER_<NAME>_FORMAT=openai-compatible   a format of formats/registry.ts (default openai)
 *   SLUICE_PROVIDER_<NAME>_URL=https://api.openai.com
 *   SLUICE_PROVIDER_<NAME>_KEY_FILE=/var/run/secrets/openai/key   (preferred: a mounted Secret)
 *   SLUICE_PROVIDER_<NAME>_KEY=sk-…                                (fallback, e.g. for local runs)
 *   SLUICE_PROVIDER_<NAME>_TIMEOUT_MS, _IDLE_TIMEOUT_MS, _CONNECTIONS
 */
import { readFileSync } from 'node:fs';
import { type Env, parseSettings } from '../../cli/lib/settings/parse.ts';
import { setting, type ValuesOf } from '../../cli/lib/settings/table.ts';
import { SluiceError } from '../../policy/errors.ts';
import { DEFAULT_KEY_PREFIX } from '../../policy/wire.ts';
import { FORMAT_NAMES } from './format-names.ts';

/**
 * The `name` of a format in formats/registry.ts: the registry is the one list of formats, so a
 * new format is its folder, its registry line and `make generate`, which copies the names into
 * format-names.ts (docs/adr/0042-one-settings-table-for-every-command.md).
 */
export type WireFormat = string;

/** "openai (or openai-compatible), anthropic": the names a provider may give, for --help and errors. */
const formatChoices = (): string =>
  FORMAT_NAMES.map((f) => (f.aliases.length ? `${f.name} (or ${f.aliases.join(', ')})` : f.name)).join(', ');

export interface ProviderSettings {
  readonly name: string;
  readonly format: WireFormat;
  /** Origin plus optional path prefix, no trailing slash, e.g. "https://api.openai.com". */
  readonly baseUrl: string;
  /** Empty when the provider needs no key (a local model server, the test fakes). */
  readonly apiKey: string;
  /** Time to response headers, ms. A slow first byte counts as the `timeout` fallback trigger. */
  readonly timeoutMs: number;
  /** Longest silence between body chunks once the answer started, ms. */
  readonly idleTimeoutMs: number;
  /** Keep-alive connections in the provider's undici Pool. */
  readonly connections: number;
}

export interface Price {
  readonly inputPer1k: number;
  readonly outputPer1k: number;
}

export interface BreakerSettings {
  /** Consecutive failures that open a (provider, model) breaker. */
  readonly failureThreshold: number;
  /** How long an open breaker skips the model before one half-open probe, ms. */
  readonly cooldownMs: number;
  /** Ceiling for a provider's Retry-After used as the cool-down, ms (a typo'd 86400 s is not obeyed). */
  readonly maxCooldownMs: number;
}

export interface EgressSettings {
  readonly providers: Readonly<Record<string, ProviderSettings>>;
  /** Default prices by "provider/model"; a price in the tenant's policy wins. */
  readonly prices: Readonly<Record<string, Price>>;
  readonly breaker: BreakerSettings;
  /** Redis key prefix (policy/wire.ts); tests use their own. */
  readonly keyPrefix: string;
  /** Largest request body the egress accepts, bytes. */
  readonly bodyLimit: number;
  /** Sent as anthropic-version to Anthropic-format providers. */
  readonly anthropicVersion: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000; // time to headers; LLMs queue at peak, 30 s is typical
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000; // long reasoning pauses mid-stream happen
export const DEFAULT_CONNECTIONS = 64;
const MS_HOUR = 3_600_000;

/** The egress's settings, composed into `sluice sidecar`'s table. */
export const EGRESS_SETTINGS = {
  egress: setting.enum({
    flag: 'egress',
    values: ['on', 'off'],
    default: 'on',
    help: 'The LLM egress listener (127.0.0.1 only): on or off.',
  }),
  egressPort: setting.int({
    flag: 'egress-port',
    default: 8081,
    min: 0,
    max: 65_535,
    placeholder: 'PORT',
    help: 'Egress port on 127.0.0.1; the app calls its LLM here. 0 = any free port (tests).',
  }),
  providers: setting.multi({
    flag: 'provider',
    placeholder: 'NAME=FORMAT,URL[,keyfile=…]',
    help: `An LLM provider: name=<format>,<baseUrl>[,keyfile=<path>][,keyenv=<VAR>][,timeout=<ms>][,idle=<ms>][,connections=<n>]; <format> is one of ${formatChoices()} (docs/egress.md; also SLUICE_PROVIDERS and SLUICE_PROVIDER_<NAME>_*).`,
  }),
  prices: setting.multi({
    flag: 'price',
    env: 'SLUICE_PRICES',
    deprecated: [{ env: 'SLUICE_PRICE' }],
    // "a/x=1,2;b/y=3,4" and the older "a/x=1:2,b/y=3:4": split between entries, not inside "1,2".
    envSplit: /;|,(?=[^,;]*\/)/,
    placeholder: 'PROVIDER/MODEL=IN,OUT',
    help: 'A default price, USD per 1k input and output tokens, e.g. openai/gpt-4o=0.0025,0.01 (a price in the policy wins).',
  }),
  breakerFailures: setting.int({
    flag: 'breaker-failures',
    default: 5,
    min: 1,
    max: 10_000,
    help: 'Consecutive failures that open a (provider, model) circuit breaker.',
  }),
  breakerCooldownMs: setting.int({
    flag: 'breaker-cooldown-ms',
    default: 30_000,
    min: 1,
    max: 24 * MS_HOUR,
    placeholder: 'MS',
    help: 'How long an open breaker skips the model before one half-open probe, ms.',
  }),
  breakerMaxCooldownMs: setting.int({
    flag: 'breaker-max-cooldown-ms',
    default: 300_000,
    min: 1,
    max: 24 * MS_HOUR,
    placeholder: 'MS',
    help: "Ceiling for a provider's Retry-After used as the cool-down, ms (a typo'd 86400 s is not obeyed).",
  }),
  egressBodyLimit: setting.int({
    flag: 'egress-body-limit',
    default: 4 * 1024 * 1024,
    min: 1,
    max: 1_073_741_824,
    placeholder: 'BYTES',
    help: 'Largest request body the egress accepts, bytes (413 beyond it).',
  }),
  anthropicVersion: setting.string({
    flag: 'anthropic-version',
    default: '2023-06-01',
    help: 'Sent as anthropic-version to Anthropic-format providers.',
  }),
} as const;

export type EgressValues = ValuesOf<typeof EGRESS_SETTINGS>;

export const DEFAULT_BREAKER: BreakerSettings = Object.freeze({
  failureThreshold: EGRESS_SETTINGS.breakerFailures.default,
  cooldownMs: EGRESS_SETTINGS.breakerCooldownMs.default,
  maxCooldownMs: EGRESS_SETTINGS.breakerMaxCooldownMs.default,
});

export interface EgressSettingsInput {
  env?: Env;
  /** Raw `--provider` values (instead of the table's). */
  providers?: readonly string[];
  /** Raw `--price` values (instead of the table's). */
  prices?: readonly string[];
  keyPrefix?: string;
  /** Reads a key file; injectable for tests. */
  readFile?: (path: string) => string;
}

function invalid(what: string): never {
  throw new SluiceError('SLUICE_CONFIG_INVALID', what);
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    invalid(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

function format(value: string | undefined, name: string): WireFormat {
  const found = FORMAT_NAMES.find(
    (f) => f.name === value || (value !== undefined && f.aliases.includes(value)),
  );
  return found?.name ?? invalid(`${name} must be one of ${formatChoices()}, got ${JSON.stringify(value)}`);
}

function baseUrl(value: string | undefined, name: string): string {
  if (!value) return invalid(`${name} is required`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return invalid(`${name} is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') invalid(`${name} must be http(s)`);
  return value.replace(/\/+$/, '');
}

function readKey(path: string, name: string, readFile: (p: string) => string): string {
  try {
    return readFile(path).trim();
  } catch (error) {
    return invalid(`${name}: cannot read ${path} (${(error as Error).message})`);
  }
}

function envName(provider: string): string {
  return provider.toUpperCase().replace(/-/g, '_');
}

function parsePrice(spec: string, name: string): [string, Price] {
  const eq = spec.indexOf('=');
  const key = spec.slice(0, eq).trim();
  const [inText, outText] = spec
    .slice(eq + 1)
    .split(/[,:]/)
    .map((s) => s.trim());
  const inputPer1k = Number(inText);
  const outputPer1k = Number(outText);
  if (eq <= 0 || !key.includes('/') || !(inputPer1k >= 0) || !(outputPer1k >= 0) || outText === undefined) {
    invalid(
      `${name} must look like provider/model=0.03,0.06 (USD per 1k input, output), got ${JSON.stringify(spec)}`,
    );
  }
  return [key, { inputPer1k, outputPer1k }];
}

/** The egress alone (tests, benchmarks): its table from the environment, flags given as lists. */
export function parseEgressSettings(input: EgressSettingsInput = {}): EgressSettings {
  const env = input.env ?? process.env;
  const { values } = parseSettings(EGRESS_SETTINGS, [], env);
  return egressSettings(
    {
      ...values,
      ...(input.providers ? { providers: input.providers } : {}),
      ...(input.prices ? { prices: input.prices } : {}),
    },
    {
      env,
      keyPrefix: input.keyPrefix ?? DEFAULT_KEY_PREFIX,
      ...(input.readFile ? { readFile: input.readFile } : {}),
    },
  );
}

/** The parsed table (and the provider variables of `env`) → EgressSettings; reads key files. */
export function egressSettings(
  values: EgressValues,
  options: { env: Env; keyPrefix: string; readFile?: (path: string) => string },
): EgressSettings {
  const { env } = options;
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const providers: Record<string, ProviderSettings> = {};

  for (const name of (env['SLUICE_PROVIDERS'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const v = `SLUICE_PROVIDER_${envName(name)}`;
    const keyFile = env[`${v}_KEY_FILE`];
    providers[name] = Object.freeze({
      name,
      format: format(env[`${v}_FORMAT`] ?? 'openai', `${v}_FORMAT`),
      baseUrl: baseUrl(env[`${v}_URL`], `${v}_URL`),
      apiKey: keyFile ? readKey(keyFile, `${v}_KEY_FILE`, readFile) : (env[`${v}_KEY`] ?? ''),
      timeoutMs: positiveInt(env[`${v}_TIMEOUT_MS`], DEFAULT_TIMEOUT_MS, `${v}_TIMEOUT_MS`),
      idleTimeoutMs: positiveInt(
        env[`${v}_IDLE_TIMEOUT_MS`],
        DEFAULT_IDLE_TIMEOUT_MS,
        `${v}_IDLE_TIMEOUT_MS`,
      ),
      connections: positiveInt(env[`${v}_CONNECTIONS`], DEFAULT_CONNECTIONS, `${v}_CONNECTIONS`),
    });
  }

  for (const spec of values.providers) {
    const flag = `--provider ${spec}`;
    const eq = spec.indexOf('=');
    if (eq <= 0) invalid(`${flag}: use name=format,baseUrl[,keyfile=path]`);
    const name = spec.slice(0, eq).trim();
    const [fmt, url, ...options] = spec.slice(eq + 1).split(',');
    const opts: Record<string, string> = {};
    for (const option of options) {
      const i = option.indexOf('=');
      if (i <= 0) invalid(`${flag}: option ${JSON.stringify(option)} is not key=value`);
      const key = option.slice(0, i).trim();
      if (!['keyfile', 'keyenv', 'timeout', 'idle', 'connections'].includes(key)) {
        invalid(
          `${flag}: unknown option ${JSON.stringify(key)} (keyfile, keyenv, timeout, idle, connections)`,
        );
      }
      opts[key] = option.slice(i + 1).trim();
    }
    let apiKey = '';
    if (opts['keyfile']) apiKey = readKey(opts['keyfile'], flag, readFile);
    else if (opts['keyenv']) apiKey = env[opts['keyenv']] ?? invalid(`${flag}: ${opts['keyenv']} is not set`);
    providers[name] = Object.freeze({
      name,
      format: format(fmt?.trim(), flag),
      baseUrl: baseUrl(url?.trim(), flag),
      apiKey,
      timeoutMs: positiveInt(opts['timeout'], DEFAULT_TIMEOUT_MS, `${flag} timeout`),
      idleTimeoutMs: positiveInt(opts['idle'], DEFAULT_IDLE_TIMEOUT_MS, `${flag} idle`),
      connections: positiveInt(opts['connections'], DEFAULT_CONNECTIONS, `${flag} connections`),
    });
  }

  const prices: Record<string, Price> = {};
  for (const spec of values.prices) {
    const [key, price] = parsePrice(spec, `--price / SLUICE_PRICES ${spec}`);
    prices[key] = Object.freeze(price);
  }

  return Object.freeze({
    providers: Object.freeze(providers),
    prices: Object.freeze(prices),
    breaker: Object.freeze({
      failureThreshold: values.breakerFailures,
      cooldownMs: values.breakerCooldownMs,
      maxCooldownMs: values.breakerMaxCooldownMs,
    }),
    keyPrefix: options.keyPrefix,
    bodyLimit: values.egressBodyLimit,
    anthropicVersion: values.anthropicVersion,
  });
}
