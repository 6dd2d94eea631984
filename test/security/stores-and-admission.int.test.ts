/**
 * With the operator reconciling the example tenants on the real API server (webhooks on, RBAC of
 * operator/rbac/role.yaml) and a sidecar serving them from Redis:
 *  - no plaintext API key is stored anywhere in Redis or in the operator's Postgres database;
 *  - the admission webhook speaks TLS 1.2+ only;
 *  - random TenantPolicy specs: nothing `sluice validate` refuses is accepted by the API server
 *    with the webhook, and the operator keeps running.
 */
import { connect } from 'node:tls';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RagApp, startRagApp } from '../../cli/noisy-neighbor/fakes/rag-app.ts';
import type { OperatorHandle } from '../../operator/main.ts';
import { validateTenantPolicy } from '../../policy/schema/validate.ts';
import { redisKeys } from '../../policy/wire.ts';
import { devEnv, kubectl } from '../harness/env.ts';
import { eventually } from '../support/operator.ts';
import { type OperatorSuite, startOperatorSuite } from '../support/operator-suite.ts';
import { startTestSidecar, type TestSidecar } from '../support/sidecar.ts';

const root = new URL('../../', import.meta.url).pathname;
const PLAINTEXT = [
  'sk-demo-acme-legal-7f3a9c',
  'sk-demo-globex-support-41d2e8',
  'sk-demo-initech-research-9b0c55',
  'sk-demo-hobby-free-c0ffee',
  'sk-demo-scraper-free-5ca1ab',
];
const FUZZ_CASES = Number(process.env['FUZZ_RUNS'] ?? 120);

let suite: OperatorSuite;
let NS: string;
let PREFIX: string;
let op: OperatorHandle;
let redis: Redis;
let dbUrl: string;
let app: RagApp;
let sidecar: TestSidecar;

describe('stores, webhook TLS and admission under fuzz', () => {
  beforeAll(async () => {
    const env = devEnv();
    suite = await startOperatorSuite({
      name: 'sec',
      rbac: true,
      webhooks: true,
      args: ['--sidecar-image', 'sluice:test', '--log-level', 'warn'],
    });
    ({ namespace: NS, prefix: PREFIX, op, redis, databaseUrl: dbUrl } = suite);
    expect((await kubectl(['apply', '-n', NS, '-f', `${root}examples/tenants/`])).code).toBe(0);
    await eventually(async () => (await redis.hlen(redisKeys(PREFIX).policyIndex)) === 5, 60_000);
    // A sidecar in Redis mode serves the tenants, so its caches and counters are in Redis too.
    app = await startRagApp();
    sidecar = await startTestSidecar({
      upstream: app.url,
      policies: { redis: env.redisUrl, prefix: PREFIX },
    });
    // Tenants load on first sight (ADR 0025): the requests below load them.
    await eventually(async () => sidecar.handle.policies.ready());
    for (const key of PLAINTEXT) {
      const r = await sidecar.ask(key, {
        headers: { 'content-type': 'application/json' },
        body: '{"query":"hello"}',
      });
      expect(r.status).toBe(200);
    }
    // The outbox has reached Postgres (revisions and audit rows for all five).
    await eventually(async () => {
      const c = new pg.Client({ connectionString: dbUrl });
      await c.connect();
      const { rows } = await c.query<{ n: string }>('SELECT count(DISTINCT tenant_id) AS n FROM audit_log');
      await c.end();
      return Number(rows[0]!.n) >= 5;
    }, 60_000);
  }, 180_000);

  afterAll(async () => {
    await sidecar?.close();
    await app?.close();
    await suite?.stop();
  }, 120_000);

  it('stores no plaintext API key in Redis', async () => {
    let scanned = 0;
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'COUNT', 500);
      cursor = next;
      for (const key of batch) {
        const type = await redis.type(key);
        const values =
          type === 'string'
            ? [await redis.get(key)]
            : type === 'hash'
              ? Object.entries(await redis.hgetall(key)).flat()
              : type === 'list'
                ? await redis.lrange(key, 0, -1)
                : type === 'set'
                  ? await redis.smembers(key)
                  : type === 'zset'
                    ? await redis.zrange(key, '0', '-1')
                    : [];
        scanned++;
        const text = `${key}\n${values.join('\n')}`;
        for (const plain of PLAINTEXT) if (text.includes(plain)) found.push(`${key} holds ${plain}`);
      }
    } while (cursor !== '0');
    expect(scanned).toBeGreaterThan(5);
    expect(found).toEqual([]);
    // …while the hashes are there: the sidecar authenticated every key above.
  });

  it('stores no plaintext API key in Postgres', async () => {
    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    try {
      const { rows: tables } = await c.query<{ name: string }>(
        "SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public'",
      );
      expect(tables.length).toBeGreaterThan(2);
      let rowsScanned = 0;
      const found: string[] = [];
      for (const { name } of tables) {
        const { rows } = await c.query<{ t: string }>(`SELECT row_to_json(x)::text AS t FROM ${name} x`);
        rowsScanned += rows.length;
        for (const { t } of rows)
          for (const plain of PLAINTEXT) if (t.includes(plain)) found.push(`${name}: ${plain}`);
      }
      expect(rowsScanned).toBeGreaterThan(5);
      expect(found).toEqual([]);
    } finally {
      await c.end();
    }
  });

  it('serves the webhook over TLS 1.2+ and refuses TLS 1.1', async () => {
    const port = op.webhookPort();
    const handshake = (options: {
      minVersion: 'TLSv1' | 'TLSv1.2';
      maxVersion: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
    }) =>
      new Promise<{ protocol: string | null } | { error: string }>((resolve) => {
        const socket = connect({
          host: '127.0.0.1',
          port,
          rejectUnauthorized: false,
          ciphers: 'DEFAULT@SECLEVEL=0',
          ...options,
        });
        socket.on('secureConnect', () => {
          resolve({ protocol: socket.getProtocol() });
          socket.destroy();
        });
        socket.on('error', (error: Error & { code?: string }) =>
          resolve({ error: error.code ?? error.message }),
        );
      });
    expect(await handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })).toEqual({
      protocol: 'TLSv1.2',
    });
    expect(await handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' })).toEqual({
      protocol: 'TLSv1.3',
    });
    // The server's alert (number 70, protocol_version), not a local refusal.
    expect(await handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1' })).toEqual({
      error: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
    });
  });

  it(`accepts nothing that sluice validate refuses (${FUZZ_CASES} random specs)`, async () => {
    // A plausible spec, then zero to two mutations that each break one rule (schema or CEL).
    const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
    const model = (id: string) =>
      fc.record({ provider: fc.constantFrom('openai', 'anthropic'), model: fc.constant(id) });
    const base = fc.record(
      {
        tenantId: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/),
        tier: fc.constantFrom('free', 'pro', 'enterprise'),
        displayName: maybe(fc.string({ maxLength: 20 })),
        models: maybe(
          fc.record(
            { primary: model('gpt-4'), fallbacks: maybe(fc.tuple(model('gpt-3.5-turbo'))) },
            { requiredKeys: ['primary'] },
          ),
        ),
        parameterCaps: maybe(
          fc.record(
            { topK: fc.integer({ min: 1, max: 5 }), maxTokens: fc.integer({ min: 1, max: 512 }) },
            { requiredKeys: [] },
          ),
        ),
        limits: maybe(
          fc.record(
            {
              requests: fc.record({
                limit: fc.integer({ min: 10, max: 500 }),
                window: fc.constantFrom('1h', '30s', '5m'),
                burst: maybe(fc.integer({ min: 1, max: 10 })),
              }),
              maxConcurrency: fc.integer({ min: 1, max: 100 }),
            },
            { requiredKeys: [] },
          ),
        ),
        priority: maybe(fc.integer({ min: 1, max: 100 })),
        suspended: maybe(fc.boolean()),
        override: maybe(
          fc.record({
            multiplier: fc.double({ min: 0.1, max: 100, noNaN: true }),
            expiresAt: fc.constant('2030-01-01T00:00:00Z'),
            reason: fc.constant('T-1'),
          }),
        ),
        promptTemplates: maybe(
          fc.tuple(
            fc.record({
              name: fc.constant('answer'),
              template: fc.constantFrom('Q: {{query}}', 'Context: {{context}}\nQ: {{query}}'),
            }),
          ),
        ),
      },
      { requiredKeys: ['tenantId', 'tier'] },
    );
    type Spec = Record<string, unknown>;
    const set =
      (path: string[], value: unknown) =>
      (spec: Spec): Spec => {
        const copy = structuredClone(spec);
        let node = copy as Record<string, unknown>;
        for (const key of path.slice(0, -1)) {
          node[key] ??= {};
          node = node[key] as Record<string, unknown>;
        }
        node[path.at(-1)!] = value;
        return copy;
      };
    const MUTATIONS: [string, (s: Spec) => Spec][] = [
      ['tenantId: capitals', set(['tenantId'], 'Bad_ID')],
      ['tier: unknown', set(['tier'], 'gold')],
      ['free topK above tier', (s) => set(['parameterCaps', 'topK'], 50)(set(['tier'], 'free')(s))],
      ['topK above hard limit', set(['parameterCaps', 'topK'], 101)],
      ['window: not a duration', set(['limits', 'requests'], { limit: 10, window: 'hour' })],
      ['burst above limit', set(['limits', 'requests'], { limit: 10, window: '1h', burst: 11 })],
      ['maxConcurrency 0', set(['limits', 'maxConcurrency'], 0)],
      ['downgrade without model', set(['limits', 'budgetAction'], 'downgrade')],
      ['override without expiry', set(['override'], { multiplier: 2, reason: 'x' })],
      [
        'override multiplier 1000',
        set(['override'], { multiplier: 1000, expiresAt: '2030-01-01T00:00:00Z', reason: 'x' }),
      ],
      [
        'fallback repeats primary',
        set(['models'], {
          primary: { provider: 'openai', model: 'a' },
          fallbacks: [{ provider: 'openai', model: 'a' }],
        }),
      ],
      ['unknown field', set(['limit'], { maxConcurrency: 1 })],
      ['suspended: a string', set(['suspended'], 'yes')],
      ['priority 0', set(['priority'], 0)],
      [
        'duplicate template names',
        set(
          ['promptTemplates'],
          [
            { name: 'a', template: 'x' },
            { name: 'a', template: 'y' },
          ],
        ),
      ],
      [
        'template with a dotted name',
        set(['promptTemplates'], [{ name: 'a', template: 'Hi {{user.name}}' }]),
      ],
      ['template with ${}', set(['promptTemplates'], [{ name: 'a', template: 'Hi ${user}' }])],
    ];
    const spec = fc
      .tuple(base, fc.subarray(MUTATIONS, { maxLength: 2 }))
      .map(([s, ms]) => ms.reduce((acc, [, m]) => m(acc), JSON.parse(JSON.stringify(s)) as Spec));
    const cases = fc.sample(spec, { numRuns: FUZZ_CASES, seed: 20261201 });
    let offlineRefused = 0;
    let serverAccepted = 0;
    const accepted: string[] = [];
    for (const [i, s] of cases.entries()) {
      const object = {
        apiVersion: 'sluice.dev/v1alpha1',
        kind: 'TenantPolicy',
        metadata: { name: `fuzz-${i}` },
        spec: JSON.parse(JSON.stringify(s)),
      };
      const offline = validateTenantPolicy(object);
      const server = await kubectl(['apply', '--dry-run=server', '-n', NS, '-f', '-'], {
        input: JSON.stringify(object),
      });
      if (server.code === 0) serverAccepted++;
      else if (offline.valid && process.env['FUZZ_DEBUG'])
        console.log('server refused a valid one:', server.stderr.slice(0, 300));
      if (!offline.valid) {
        offlineRefused++;
        if (server.code === 0)
          accepted.push(
            `${JSON.stringify(object.spec)} — offline: ${offline.issues.map((x) => x.path).join(', ')}`,
          );
      }
    }
    // Both outcomes occurred, so the property was exercised on both sides.
    expect(offlineRefused).toBeGreaterThan(FUZZ_CASES / 4);
    expect(serverAccepted).toBeGreaterThan(FUZZ_CASES / 10);
    expect(accepted).toEqual([]);
    // The operator is alive and still leading.
    expect(op.isLeader()).toBe(true);
    console.log(
      JSON.stringify({
        fuzz_admission_cases: cases.length,
        offline_refused: offlineRefused,
        server_accepted: serverAccepted,
      }),
    );
  }, 300_000);
});
