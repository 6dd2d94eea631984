/**
 * Egress settings: the LLM providers (wire format, base URL, API key, timeouts, default prices),
 * the circuit breaker, and the Redis key prefix. Read once at start into one frozen object; bad
 * settings stop start-up with SLUICE_CONFIG_INVALID naming the flag or variable.
 *
 * Flags (repeatable):
 *   --provider <name>=<format>,<baseUrl>[,keyfile=<path>][,keyenv=<VAR>][,timeout=<ms>][,idle=<ms>][,connections=<n>]
 *   --price <provider>/<model>=<inputPer1k>,<outputPer1k>
 * Environment (one set per provider; <NAME> is the provider name upper-cased, `-` → `_`):
 *   SLUICE_PROVIDERS=openai,anthropic            which providers to read from the environment
 *   SLUICE_PROVIDER_<NAME>_FORMAT=openai|anthropic
 *   SLUICE_PROVIDER_<NAME>_URL=https://api.openai.com
 *   SLUICE_PROVIDER_<NAME>_KEY_FILE=/var/run/secrets/openai/key   (preferred: a mounted Secret)
 *   SLUICE_PROVIDER_<NAME>_KEY=sk-…                                (fallback, e.g. for local runs)
 *   SLUICE_PROVIDER_<NAME>_TIMEOUT_MS, _IDLE_TIMEOUT_MS, _CONNECTIONS
 *   SLUICE_PRICES=openai/gpt-4=0.03:0.06,anthropic/claude-sonnet-4=0.003:0.015
 *   SLUICE_BREAKER_FAILURES, SLUICE_BREAKER_COOLDOWN_MS, SLUICE_BREAKER_MAX_COOLDOWN_MS
 *   SLUICE_KEY_PREFIX (shared with the rest of the sidecar), SLUICE_EGRESS_BODY_LIMIT
 * Flags win over the environment for the same provider.
 */
import { readFileSync } from 'node:fs';
import { SluiceError } from '../../policy/errors.ts';
import { DEFAULT_KEY_PREFIX } from '../../policy/wire.ts';

export type WireFormat = 'openai' | 'anthropic';

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
export const DEFAULT_BREAKER: BreakerSettings = Object.freeze({
  failureThreshold: 5,
  cooldownMs: 30_000,
  maxCooldownMs: 300_000,
});

export interface EgressSettingsInput {
  env?: Record<string, string | undefined>;
  /** Raw `--provider` values. */
  providers?: string[];
  /** Raw `--price` values. */
  prices?: string[];
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
  if (value === 'openai' || value === 'openai-compatible') return 'openai';
  if (value === 'anthropic') return 'anthropic';
  return invalid(`${name} must be "openai-compatible" or "anthropic", got ${JSON.stringify(value)}`);
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

export function parseEgressSettings(input: EgressSettingsInput = {}): EgressSettings {
  const env = input.env ?? process.env;
  const readFile = input.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
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

  for (const spec of input.providers ?? []) {
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
  for (const spec of (env['SLUICE_PRICES'] ?? '')
    .split(/,(?=[^,]*\/)/) // split between entries, not inside "0.03,0.06"
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key, price] = parsePrice(spec, 'SLUICE_PRICES');
    prices[key] = Object.freeze(price);
  }
  for (const spec of input.prices ?? []) {
    const [key, price] = parsePrice(spec, `--price ${spec}`);
    prices[key] = Object.freeze(price);
  }

  const breaker = Object.freeze({
    failureThreshold: positiveInt(
      env['SLUICE_BREAKER_FAILURES'],
      DEFAULT_BREAKER.failureThreshold,
      'SLUICE_BREAKER_FAILURES',
    ),
    cooldownMs: positiveInt(
      env['SLUICE_BREAKER_COOLDOWN_MS'],
      DEFAULT_BREAKER.cooldownMs,
      'SLUICE_BREAKER_COOLDOWN_MS',
    ),
    maxCooldownMs: positiveInt(
      env['SLUICE_BREAKER_MAX_COOLDOWN_MS'],
      DEFAULT_BREAKER.maxCooldownMs,
      'SLUICE_BREAKER_MAX_COOLDOWN_MS',
    ),
  });

  return Object.freeze({
    providers: Object.freeze(providers),
    prices: Object.freeze(prices),
    breaker,
    keyPrefix: input.keyPrefix ?? env['SLUICE_KEY_PREFIX'] ?? DEFAULT_KEY_PREFIX,
    bodyLimit: positiveInt(env['SLUICE_EGRESS_BODY_LIMIT'], 4 * 1024 * 1024, 'SLUICE_EGRESS_BODY_LIMIT'),
    anthropicVersion: env['SLUICE_ANTHROPIC_VERSION'] ?? '2023-06-01',
  });
}
