/**
 * The sidecar as tests start it, in one place instead of a copy per suite: every listener on a
 * free loopback port, policies from a folder, from tenant YAML written to a fresh temporary folder
 * (file mode), or from Redis (Redis mode), and a helper that sends a tenant's request.
 *
 *   const s = await startTestSidecar({ upstream: app.url, policies: { files: { a: tenantYaml(…) } } });
 *   expect((await s.ask('k-a')).status).toBe(200);
 *   await s.close(); // the sidecar, then the folder it wrote
 *
 * What a suite sets beyond that goes through `args` (flags, as a user types them), `env` and
 * `settings` (overrides that win over both, sidecar/config/settings.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { loadSettings, type Settings } from '../../sidecar/config/settings.ts';
import { type SidecarHandle, startSidecar } from '../../sidecar/main.ts';

/** The example tenants (examples/tenants/): the demo's, and the suites' that need any valid tenants. */
export const EXAMPLE_TENANTS = new URL('../../examples/tenants/', import.meta.url).pathname;

/** Every listener on loopback, on a port the kernel picks. */
export const LOOPBACK_PORTS = {
  host: '127.0.0.1',
  port: 0,
  metricsPort: 0,
  adminPort: 0,
  egressPort: 0,
} as const satisfies Partial<Settings>;

export type PolicySource =
  /** File mode, a folder of tenant YAML that the suite owns. */
  | { readonly dir: string }
  /** File mode, `<name>.yaml` for each entry, in a temporary folder removed by close(). */
  | { readonly files: Readonly<Record<string, string>> }
  /** Redis mode, the tenants the operator (or the test) wrote under `prefix`. */
  | { readonly redis: string; readonly prefix: string };

export interface TestSidecarOptions {
  readonly upstream: string;
  readonly policies: PolicySource;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly settings?: Partial<Settings>;
  /** Silent unless given. */
  readonly log?: Logger;
}

export interface AskInit {
  /** Default /v1/answer. */
  readonly path?: string;
  /** Default POST. */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: RequestInit['body'];
}

export interface TestSidecar {
  readonly handle: SidecarHandle;
  readonly settings: Settings;
  /** Base URLs, e.g. `http://127.0.0.1:41234`. */
  readonly ingress: string;
  readonly egress: string;
  readonly admin: string;
  readonly metrics: string;
  /** The policy folder in file mode. */
  readonly dir: string | undefined;
  /** A request to the ingress with `key` as the bearer token (no authorization header when empty). */
  ask(key: string, init?: AskInit): Promise<Response>;
  /** The text of GET /metrics. */
  metricsText(): Promise<string>;
  close(): Promise<void>;
}

/**
 * POST /v1/answer on the ingress at `port` with `key` (and `body` as JSON when given): the
 * status, once the body is read.
 */
export async function answerStatus(port: number, key: string, body?: unknown): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/v1/answer`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await r.arrayBuffer();
  return r.status;
}

/** The settings a test sidecar runs with (exported for suites that start the sidecar themselves). */
export function testSidecarSettings(options: Omit<TestSidecarOptions, 'log'> & { dir?: string }): Settings {
  const source =
    'redis' in options.policies
      ? { redisUrl: options.policies.redis, redisPrefix: options.policies.prefix }
      : { policies: options.dir ?? ('dir' in options.policies ? options.policies.dir : '') };
  return loadSettings(options.args ?? [], options.env ?? {}, {
    ...LOOPBACK_PORTS,
    upstream: options.upstream,
    ...source,
    ...options.settings,
  });
}

export async function startTestSidecar(options: TestSidecarOptions): Promise<TestSidecar> {
  let dir: string | undefined;
  let owned = false;
  if ('files' in options.policies) {
    dir = mkdtempSync(join(tmpdir(), 'sluice-test-sidecar-'));
    owned = true;
    for (const [name, yaml] of Object.entries(options.policies.files))
      writeFileSync(join(dir, `${name}.yaml`), yaml);
  } else if ('dir' in options.policies) {
    dir = options.policies.dir;
  }
  const settings = testSidecarSettings({ ...options, ...(dir === undefined ? {} : { dir }) });
  let handle: SidecarHandle;
  try {
    handle = await startSidecar(settings, { log: options.log ?? pino({ level: 'silent' }) });
  } catch (error) {
    if (owned && dir) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const ingress = url(handle.ports.ingress);
  const metrics = url(handle.ports.metrics);
  return {
    handle,
    settings,
    ingress,
    egress: url(handle.ports.egress),
    admin: url(handle.ports.admin),
    metrics,
    dir,
    ask: (key, init = {}) =>
      fetch(`${ingress}${init.path ?? '/v1/answer'}`, {
        method: init.method ?? 'POST',
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...init.headers },
        ...(init.body == null ? {} : { body: init.body }),
      }),
    metricsText: async () => (await fetch(`${metrics}/metrics`)).text(),
    async close() {
      await handle.close();
      if (owned && dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a Redis-mode suite starts; any part may be missing when its start failed. */
export interface RedisModeSuite {
  handles: SidecarHandle[];
  client?: { disconnect(): void } | undefined;
  app?: { close(): Promise<void> } | undefined;
  redis?: { stop(): Promise<void> } | undefined;
  stateDir: string;
}

/** Tears a Redis-mode suite down: the sidecars first, then the client, the app, Redis and the state folder. */
export async function closeRedisModeSuite(suite: RedisModeSuite): Promise<void> {
  for (const h of suite.handles) await h.close();
  suite.client?.disconnect();
  await suite.app?.close();
  await suite.redis?.stop();
  rmSync(suite.stateDir, { recursive: true, force: true });
}
