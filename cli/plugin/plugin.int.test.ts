/**
 * kubectl sluice against the real API server (RBAC on), Redis, Postgres, the operator and a
 * sidecar process: every command, wrong tenant names, RBAC refusals through impersonation, an
 * expired override, dry runs, CSV read back by a real CSV parser, and `top` from Redis and from
 * a real Prometheus. Commands run in process (runPlugin) with the user's flags; one runs as a
 * real kubectl plugin found on PATH.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SluiceStack, startSluiceStack } from '../../test/e2e/sluice-stack.ts';
import { kubectl } from '../../test/harness/env.ts';
import { freePort } from '../../test/harness/redis-server.ts';
import { captureIo } from '../../test/support/cli-io.ts';
import { eventually, impersonatingKubeconfig } from '../../test/support/operator.ts';
import { runPlugin } from './index.ts';

const root = new URL('../../', import.meta.url).pathname;
let stack: SluiceStack;
let ns: string;
let other: string;
const keys: Record<string, string> = {};

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

async function sluice(
  args: string[],
  options: { kubeconfig?: string; env?: Record<string, string> } = {},
): Promise<Ran> {
  const t = captureIo();
  const code = await runPlugin([...args, '--kubeconfig', options.kubeconfig ?? stack.kubeconfig], t.io, {
    env: { ...stack.env, ...options.env },
  });
  return { code, stdout: t.out(), stderr: t.err() };
}
const errorCode = (r: Ran) => /error: (SLUICE_[A-Z_]+)/.exec(r.stderr)?.[1];
const getPolicy = async (name: string, namespace = ns) => {
  const r = await kubectl(['get', 'tenantpolicy', name, '-n', namespace, '-o', 'json']);
  return JSON.parse(r.stdout);
};
const apply = async (yaml: string, namespace = ns) => {
  const r = await kubectl(['apply', '-n', namespace, '-f', '-'], { input: yaml });
  expect(r.stderr).toBe('');
};

beforeAll(async () => {
  stack = await startSluiceStack({ heartbeatMs: 500 });
  ns = stack.namespace;
  other = `${ns}-other`;
  await kubectl(['create', 'namespace', other]);
  expect((await kubectl(['apply', '-f', `${root}docs/kubectl-sluice-rbac.yaml`])).code).toBe(0);
  for (const [user, role] of [
    ['viewer@example.com', 'sluice-tenant-viewer'],
    ['support@example.com', 'sluice-tenant-support'],
  ] as const) {
    await kubectl(['create', 'rolebinding', role, '-n', ns, '--clusterrole', role, '--user', user]);
  }
}, 120_000);

afterAll(async () => {
  await kubectl(['delete', 'tenantpolicy', '--all', '-n', other, '--wait=true', '--timeout=30s']);
  await kubectl(['delete', 'namespace', other, '--wait=false']);
  await stack?.close();
});

describe('kubectl sluice create tenant', () => {
  it('writes the Secret and the TenantPolicy, prints the key once, and the sidecar serves it', async () => {
    const r = await sluice([
      'create',
      'tenant',
      'acme',
      '--tier',
      'pro',
      '--model',
      'openai/gpt-4o',
      '--fallback',
      'openai/gpt-4o-mini',
      '-n',
      ns,
    ]);
    expect(r.code).toBe(0);
    const key = /API key \(shown once; store it now\): (sk-sluice-[A-Za-z0-9_-]{43})\n/.exec(r.stdout)?.[1];
    expect(key).toBeDefined();
    expect(r.stdout.split(key!).length).toBe(2); // printed exactly once
    // The sidecar has not served acme yet: it does not hold it, which is not "behind"
    // (docs/adr/0025-sidecar-holds-what-it-serves.md).
    expect(r.stdout).toMatch(
      /live: in effect on 0 of 1 live sidecar\(s\), and 1 that do not hold the tenant/,
    );
    keys['acme'] = key!;
    const policy = await getPolicy('acme');
    expect(policy.spec).toMatchObject({
      tenantId: 'acme',
      tier: 'pro',
      models: {
        primary: { provider: 'openai', model: 'gpt-4o' },
        fallbacks: [{ provider: 'openai', model: 'gpt-4o-mini' }],
      },
      apiKeySecretRef: { name: 'acme-api-key', key: 'api-key' },
    });
    const secret = JSON.parse(
      (await kubectl(['get', 'secret', 'acme-api-key', '-n', ns, '-o', 'json'])).stdout,
    );
    expect(Buffer.from(secret.data['api-key'], 'base64').toString()).toBe(key);
    expect(secret.metadata.ownerReferences[0]).toMatchObject({
      kind: 'TenantPolicy',
      name: 'acme',
      uid: policy.metadata.uid,
    });
    expect(await stack.ask(key!)).toBe(200);
  });

  it.each([
    [['create', 'tenant', 'acme', '--tier', 'pro'], 'SLUICE_TENANT_EXISTS'],
    [['create', 'tenant', 'acme2', '--tier', 'pro', '--tenant-id', 'acme'], 'SLUICE_TENANT_EXISTS'],
    [['create', 'tenant', 'beta', '--tier', 'pro', '--model', 'gpt-4o'], 'SLUICE_ARGUMENT_INVALID'],
    [['create', 'tenant', 'beta', '--tier', 'platinum'], 'SLUICE_ARGUMENT_INVALID'],
    [['create', 'tenant', 'Beta_1', '--tier', 'pro'], 'SLUICE_ARGUMENT_INVALID'],
    [['create', 'tenant', 'beta'], 'SLUICE_ARGUMENT_INVALID'],
  ])('%j is refused with %s and creates nothing', async (args, code) => {
    const r = await sluice([...args, '-n', ns]);
    expect(errorCode(r)).toBe(code);
    expect(r.code).toBe(code === 'SLUICE_ARGUMENT_INVALID' ? 2 : 1);
    expect((await kubectl(['get', 'secret', 'acme2-api-key', '-n', ns])).code).not.toBe(0);
    expect((await kubectl(['get', 'tenantpolicy', 'beta', '-n', ns])).code).not.toBe(0);
  });

  it.each(['client', 'server'])(
    '--dry-run=%s prints what would be created, redacts the key and stores nothing',
    async (mode) => {
      const r = await sluice([
        'create',
        'tenant',
        'dry',
        '--tier',
        'free',
        `--dry-run=${mode}`,
        '-n',
        ns,
        ...(mode === 'server' ? ['-o', 'yaml'] : []),
      ]);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/sk-sluice-/);
      expect(r.stdout).toContain('tenantId: dry');
      expect((await kubectl(['get', 'tenantpolicy', 'dry', '-n', ns])).code).not.toBe(0);
      expect((await kubectl(['get', 'secret', 'dry-api-key', '-n', ns])).code).not.toBe(0);
    },
  );

  it('a Secret name in use is refused (keys are never overwritten) and no policy is left behind', async () => {
    await kubectl([
      'create',
      'secret',
      'generic',
      'taken-api-key',
      '-n',
      ns,
      '--from-literal',
      'api-key=old',
    ]);
    const r = await sluice(['create', 'tenant', 'taken', '--tier', 'free', '-n', ns]);
    expect(errorCode(r)).toBe('SLUICE_TENANT_EXISTS');
    const secret = JSON.parse(
      (await kubectl(['get', 'secret', 'taken-api-key', '-n', ns, '-o', 'json'])).stdout,
    );
    expect(Buffer.from(secret.data['api-key'], 'base64').toString()).toBe('old');
    expect((await kubectl(['get', 'tenantpolicy', 'taken', '-n', ns])).code).not.toBe(0);
  });
});

describe('kubectl sluice override / suspend / resume', () => {
  beforeAll(async () => {
    const r = await sluice(['create', 'tenant', 'scraper', '--tier', 'free', '-n', ns]);
    expect(r.code).toBe(0);
    keys['scraper'] = /API key \(shown once; store it now\): (\S+)/.exec(r.stdout)![1]!;
  });

  it('grants 10x with grantedBy from the API server and reports it in effect on the sidecar', async () => {
    const before = await stack.served('scraper');
    const r = await sluice([
      'override',
      'scraper',
      '--multiplier',
      '10',
      '--for',
      '2h',
      '--reason',
      'TICKET-4711',
      '-n',
      ns,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/override 10x until .* granted by sluice-admin: TICKET-4711/);
    expect(r.stdout).toMatch(/in effect on 1 of 1 live sidecar\(s\) since/);
    const policy = await getPolicy('scraper');
    expect(policy.spec.override).toMatchObject({
      multiplier: 10,
      reason: 'TICKET-4711',
      grantedBy: 'sluice-admin',
    });
    expect(policy.status.propagation).toMatchObject({
      version: policy.status.effective.version,
      sidecars: 1,
      liveSidecars: 1,
      notHeld: 0,
    });
    // The report is true: the sidecar serves the new version.
    expect(await stack.served('scraper')).toBe(policy.status.effective.version);
    expect(policy.status.effective.version).not.toBe(before);
  });

  it('--clear removes it; a second --clear says there is nothing to clear', async () => {
    expect((await sluice(['override', 'tenant/scraper', '--clear', '-n', ns])).code).toBe(0);
    expect((await getPolicy('scraper')).spec.override).toBeUndefined();
    const again = await sluice(['override', 'scraper', '--clear', '-n', ns]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain('no override to clear');
  });

  it('an expired override shows as expired, not active, and --clear removes it', async () => {
    await apply(`apiVersion: sluice.dev/v1alpha1
kind: TenantPolicy
metadata: { name: lapsed }
spec:
  tenantId: lapsed
  tier: free
  override: { multiplier: 5, expiresAt: "2020-01-01T00:00:00Z", reason: "TICKET-1 last year" }
`);
    await eventually(async () => (await getPolicy('lapsed')).status?.effective?.version);
    const s = await sluice(['status', 'lapsed', '-n', ns, '-o', 'json']);
    const item = JSON.parse(s.stdout).items[0];
    expect(item.override).toMatchObject({ multiplier: 5, active: false, expiresAt: '2020-01-01T00:00:00Z' });
    expect(item.limits.requests.limit).toBe(100); // the tier's, not 5x
    const table = await sluice(['status', 'lapsed', '-n', ns]);
    expect(table.stdout).toContain('expired 2020-01-01T00:00:00Z');
    const cleared = await sluice(['override', 'lapsed', '--clear', '-n', ns]);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toContain('it had expired at 2020-01-01T00:00:00Z');
    expect((await getPolicy('lapsed')).spec.override).toBeUndefined();
  });

  it.each([
    [['--multiplier', '10', '--until', '2020-01-01T00:00:00Z', '--reason', 'x'], 'in the past'],
    [['--multiplier', '1000', '--for', '2h', '--reason', 'x'], '--multiplier must be between'],
    [['--multiplier', '10', '--for', '2h'], '--reason'],
    [['--multiplier', '10', '--for', 'two hours', '--reason', 'x'], '--for must be a duration'],
    [['--multiplier', '10', '--for', '2h', '--until', '2030-01-01T00:00:00Z', '--reason', 'x'], 'not both'],
    [['--clear', '--reason', 'x'], '--clear'],
    [['--mulitplier', '10'], 'did you mean --multiplier?'],
  ])('override %j is refused before anything is sent (%s)', async (args, text) => {
    const before = (await getPolicy('scraper')).metadata.resourceVersion;
    const r = await sluice(['override', 'scraper', ...args, '-n', ns]);
    expect(r.code).toBe(2);
    expect(errorCode(r)).toBe('SLUICE_ARGUMENT_INVALID');
    expect(r.stderr).toContain(text);
    expect((await getPolicy('scraper')).metadata.resourceVersion).toBe(before);
  });

  it.each(['client', 'server'])(
    'override --dry-run=%s shows the result and changes nothing',
    async (mode) => {
      const before = await getPolicy('scraper');
      const r = await sluice([
        'override',
        'scraper',
        '--multiplier',
        '3',
        '--for',
        '1h',
        '--reason',
        'try',
        `--dry-run=${mode}`,
        '-n',
        ns,
        '-o',
        'json',
      ]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).spec.override).toMatchObject({ multiplier: 3, reason: 'try' });
      const after = await getPolicy('scraper');
      expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      expect(after.spec.override).toBeUndefined();
    },
  );

  it('suspend needs a reason; suspended → 403 at the sidecar; resume → 200; the audit log names the user', async () => {
    const noReason = await sluice(['suspend', 'scraper', '-n', ns]);
    expect(errorCode(noReason)).toBe('SLUICE_ARGUMENT_INVALID');
    const s = await sluice(['suspend', 'scraper', '--reason', 'INC-311', '-n', ns]);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/in effect on 1 of 1/);
    expect(await stack.ask(keys['scraper']!)).toBe(403);
    const again = await sluice(['suspend', 'scraper', '--reason', 'INC-311', '-n', ns]);
    expect(again.stdout).toContain('already suspended');
    expect((await sluice(['resume', 'scraper', '-n', ns])).code).toBe(0);
    expect(await stack.ask(keys['scraper']!)).toBe(200);
    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      const rows = await eventually(async () => {
        const r = await db.query(
          "SELECT action, actor, reason FROM audit_log WHERE tenant_id = 'scraper' AND action IN ('suspended', 'resumed') ORDER BY seq",
        );
        return r.rows.length === 2 ? r.rows : null;
      });
      expect(rows).toEqual([
        { action: 'suspended', actor: 'kubectl-sluice:sluice-admin', reason: 'INC-311' },
        { action: 'resumed', actor: 'kubectl-sluice:sluice-admin', reason: '' },
      ]);
    } finally {
      await db.end();
    }
  });
});

describe('wrong tenant names', () => {
  beforeAll(async () => {
    // "shared" is the name of one policy and the tenant id of another.
    await apply(`apiVersion: sluice.dev/v1alpha1
kind: TenantPolicy
metadata: { name: shared }
spec: { tenantId: shared-by-name, tier: free }
---
apiVersion: sluice.dev/v1alpha1
kind: TenantPolicy
metadata: { name: holder }
spec: { tenantId: shared, tier: free }
---
apiVersion: sluice.dev/v1alpha1
kind: TenantPolicy
metadata: { name: legal-dept }
spec: { tenantId: acme-legal, tier: enterprise }
`);
    await apply(
      `apiVersion: sluice.dev/v1alpha1
kind: TenantPolicy
metadata: { name: elsewhere }
spec: { tenantId: far-away, tier: free }
`,
      other,
    );
  });

  it.each([
    [['status', 'nosuch'], 'SLUICE_TENANT_NOT_FOUND', 'no TenantPolicy named "nosuch"'],
    [['suspend', 'scrapr', '--reason', 'x'], 'SLUICE_TENANT_NOT_FOUND', 'did you mean "scraper"?'],
    [['override', 'far-away', '--clear'], 'SLUICE_TENANT_NOT_FOUND', `add -n ${'OTHER'}`],
    [['status', 'shared'], 'SLUICE_TENANT_AMBIGUOUS', 'tenantpolicy/NAME'],
    [['status', 'Acme Corp'], 'SLUICE_ARGUMENT_INVALID', 'is not a TenantPolicy name'],
    [['status', 'tenantpolicy/../../secrets'], 'SLUICE_ARGUMENT_INVALID', 'is not an object name'],
    [['status', 'pods/acme'], 'SLUICE_ARGUMENT_INVALID', 'tenantpolicy/NAME, tenant/ID'],
  ])('%j → %s', async (args, code, text) => {
    const r = await sluice([...args, '-n', ns]);
    expect(errorCode(r)).toBe(code);
    expect(r.stderr).toContain(text.replace('OTHER', other));
  });

  it.each([
    ['tenantpolicy/shared', 'shared', 'shared-by-name'],
    ['tenant/shared', 'holder', 'shared'],
    ['acme-legal', 'legal-dept', 'acme-legal'],
    ['legal-dept', 'legal-dept', 'acme-legal'],
  ])('%s resolves to TenantPolicy %s (tenant %s)', async (ref, name, tenantId) => {
    const r = await sluice(['status', ref, '-n', ns, '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).items[0]).toMatchObject({ name, tenantId });
  });
});

describe('RBAC (impersonated users, the roles of docs/kubectl-sluice-rbac.yaml)', () => {
  it('a viewer may look but not override: SLUICE_FORBIDDEN names the verb, nothing changes', async () => {
    const viewer = impersonatingKubeconfig(stack.kubeconfig, 'viewer@example.com');
    expect((await sluice(['status', '-n', ns], { kubeconfig: viewer })).code).toBe(0);
    const before = (await getPolicy('acme')).metadata.resourceVersion;
    const r = await sluice(
      ['override', 'acme', '--multiplier', '10', '--for', '1h', '--reason', 'x', '-n', ns],
      { kubeconfig: viewer },
    );
    expect(r.code).toBe(1);
    expect(errorCode(r)).toBe('SLUICE_FORBIDDEN');
    expect(r.stderr).toMatch(/viewer@example.com.*cannot patch/);
    expect((await getPolicy('acme')).metadata.resourceVersion).toBe(before);
    const create = await sluice(['create', 'tenant', 'sneaky', '--tier', 'free', '-n', ns], {
      kubeconfig: viewer,
    });
    expect(errorCode(create)).toBe('SLUICE_FORBIDDEN');
  });

  it('support may override; grantedBy is the user the API server authenticated', async () => {
    const support = impersonatingKubeconfig(stack.kubeconfig, 'support@example.com');
    const r = await sluice(
      ['override', 'acme', '--multiplier', '2', '--for', '30m', '--reason', 'TICKET-9', '-n', ns],
      { kubeconfig: support },
    );
    expect(r.code).toBe(0);
    expect((await getPolicy('acme')).spec.override.grantedBy).toBe('support@example.com');
  });

  it('a user with no role gets SLUICE_FORBIDDEN, not "not found"', async () => {
    const nobody = impersonatingKubeconfig(stack.kubeconfig, 'nobody@example.com');
    const r = await sluice(['status', 'acme', '-n', ns], { kubeconfig: nobody });
    expect(errorCode(r)).toBe('SLUICE_FORBIDDEN');
  });
});

describe('status, top and usage', () => {
  it('status shows the served version and today’s use from Redis', async () => {
    for (let i = 0; i < 5; i++) expect(await stack.ask(keys['acme']!)).toBe(200);
    const item = await eventually(async () => {
      const r = await sluice(['status', 'acme', '-n', ns, '-o', 'json']);
      const i = JSON.parse(r.stdout).items[0];
      return i.today.requests >= 6 ? i : null;
    });
    expect(item).toMatchObject({
      tenantId: 'acme',
      tier: 'pro',
      ready: { status: 'True' },
      propagated: { status: 'True' },
    });
    expect(item.propagation.version).toBe(item.version);
    expect(item.sidecars).toEqual({ live: 1, modes: { global: 1 } });
    expect(item.budgets.tokens.used).toBeGreaterThan(0);
    const wide = await sluice(['status', '-n', ns, '-o', 'wide']);
    expect(wide.stdout.split('\n')[0]).toMatch(/^NAME +TENANT +TIER +READY +SERVED/);
    // acme was changed (an override) after the sidecar served it: 1/1. Tenants it never
    // served read "0/1 (1 not held)", not behind.
    expect(wide.stdout).toMatch(/\nacme +acme +pro +True +1\/1 /);
    expect(wide.stdout).toMatch(/\nlapsed +lapsed +free +True +0\/1 \(1 not held\) /);
  });

  it('top ranks tenants from the sidecars’ Redis counters', async () => {
    for (let i = 0; i < 15; i++) await stack.ask(keys['scraper']!);
    const doc = await eventually(
      async () => {
        const r = await sluice(['top', '-o', 'json', '--sort-by', 'rejected']);
        const d = JSON.parse(r.stdout);
        const acme = d.items.find((i: { tenantId: string }) => i.tenantId === 'acme');
        return d.items[0]?.tenantId === 'scraper' && d.items[0].rejected > 0 && acme?.requests >= 6
          ? d
          : null;
      },
      20_000,
      500,
    );
    const acme = doc.items.find((i: { tenantId: string }) => i.tenantId === 'acme');
    expect(acme.requests).toBeGreaterThanOrEqual(6);
    expect(acme.tokens).toBeGreaterThan(0);
    expect(acme.costMicroUsd).toBeGreaterThan(0);
    const table = await sluice(['top', '--watch', '--interval', '1s', '--iterations', '2']);
    expect(table.stdout.match(/^Tenants by requests/gm)).toHaveLength(2);
    expect(errorCode(await sluice(['top'], { env: { REDIS_URL: '', SLUICE_REDIS_URL: '' } }))).toBe(
      'SLUICE_ARGUMENT_INVALID',
    );
    expect(errorCode(await sluice(['top', '--redis-url', 'redis://127.0.0.1:1']))).toBe(
      'SLUICE_STORE_UNREACHABLE',
    );
  });

  it('top --shadow ranks the tenant whose limit is in shadow by what it would have had refused', async () => {
    const created = await sluice(['create', 'tenant', 'dryrun', '--tier', 'free', '-n', ns]);
    expect(created.code).toBe(0);
    const key = /API key \(shown once; store it now\): (\S+)/.exec(created.stdout)![1]!;
    const patch = { spec: { limits: { requests: { limit: 2, window: '1h', burst: 2, mode: 'shadow' } } } };
    const patched = await kubectl([
      'patch',
      'tenantpolicy',
      'dryrun',
      '-n',
      ns,
      '--type',
      'merge',
      '-p',
      JSON.stringify(patch),
    ]);
    expect(patched.code).toBe(0);
    // The sidecar serves the version with the shadow limit before the flood.
    await eventually(async () => {
      const policy = await getPolicy('dryrun');
      const version = policy.spec.limits?.requests?.mode === 'shadow' && policy.status?.effective?.version;
      return version && (await stack.served('dryrun')) === version ? version : null;
    });
    for (let i = 0; i < 10; i++) expect(await stack.ask(key)).toBe(200); // never a 429
    const doc = await eventually(
      async () => {
        const r = await sluice(['top', '--shadow', '-o', 'json']);
        const d = JSON.parse(r.stdout);
        return d.items[0]?.tenantId === 'dryrun' && d.items[0].shadow >= 8 ? d : null;
      },
      20_000,
      500,
    );
    expect(doc.sortBy).toBe('shadow');
    expect(doc.items[0].rejected).toBe(0);
    const table = await sluice(['top', '--shadow']);
    expect(table.stdout).toMatch(/^Tenants by shadow/);
    expect(table.stdout).toMatch(/\ndryrun +\S+ +\S+ +0 +\S+ +\d+ /);
  });

  it('top --prometheus reads the same counters from a real Prometheus', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-top-prom-'));
    const port = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: sidecar\n    static_configs: [{ targets: ["127.0.0.1:${stack.sidecar.ports.metrics}"] }]\n`,
    );
    const prometheus: ChildProcess = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
    try {
      const url = `http://127.0.0.1:${port}`;
      const doc = await eventually(
        async () => {
          await stack.ask(keys['acme']!);
          const r = await sluice(['top', '--prometheus', url, '--minutes', '1', '-o', 'json']);
          const d = r.code === 0 ? JSON.parse(r.stdout) : null;
          return d?.items.some(
            (i: { tenantId: string; requests: number }) => i.tenantId === 'acme' && i.requests > 0,
          )
            ? d
            : null;
        },
        60_000,
        1_000,
      );
      expect(doc.source).toBe(`Prometheus ${url}`);
    } finally {
      prometheus.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('usage as CSV: a header, ISO dates, and fields with commas, quotes, line breaks and formulas read back exactly', async () => {
    const db = new pg.Client({ connectionString: stack.databaseUrl });
    await db.connect();
    const hostile = ['gpt,4 "turbo"', 'line\nbreak', '=HYPERLINK("http://x")', ' padded '];
    try {
      for (const [i, model] of hostile.entries()) {
        for (const [metric, value] of [
          ['requests', 3],
          ['prompt_tokens', 100],
          ['completion_tokens', 50],
          ['cost_micro_usd', 1_234_567],
        ] as const) {
          await db.query(
            `INSERT INTO usage_daily (day, tenant_id, provider, model, metric, value, updated_at) VALUES ($1, 'csv-tenant', 'openai', $2, $3, $4, now())`,
            [`2026-11-0${i + 1}`, model, metric, value],
          );
        }
      }
    } finally {
      await db.end();
    }
    const csvUsage = (format: 'csv' | 'json') =>
      sluice(['usage', '--from', '2026-11-01', '--to', '2026-12-01', '--tenant', 'csv-tenant', '-o', format]);
    const r = await csvUsage('csv');
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('\r\n')).toBe(true);
    const records = parseCsv(r.stdout, { columns: true }) as Record<string, string>[];
    expect(records.map((x) => x['model'])).toEqual(hostile.map((m) => (m.startsWith('=') ? `'${m}` : m)));
    expect(records[0]).toEqual({
      day: '2026-11-01',
      tenant_id: 'csv-tenant',
      provider: 'openai',
      model: 'gpt,4 "turbo"',
      requests: '3',
      input_tokens: '100',
      output_tokens: '50',
      cost_usd: '1.234567',
    });
    const json = JSON.parse((await csvUsage('json')).stdout);
    expect(json.totals).toMatchObject({
      requests: 12,
      inputTokens: 400,
      outputTokens: 200,
      costMicroUsd: 4_938_268,
      costUsd: '4.938268',
    });
  });

  it('usage finds a tenant by its TenantPolicy name (the operator’s tenants table) and by tenant id', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const byName = await eventually(async () => {
      const r = await sluice(['usage', '--from', today, '--tenant', 'legal-dept', '-n', ns, '-o', 'json']);
      return r.code === 0 ? JSON.parse(r.stdout) : null;
    });
    expect(byName.tenantIds).toEqual(['acme-legal']);
    const acme = await eventually(async () => {
      const r = await sluice(['usage', '--from', today, '--tenant', 'acme', '-n', ns, '-o', 'json']);
      const d = JSON.parse(r.stdout);
      return d.items.length > 0 && d.totals.requests >= 6 ? d : null;
    });
    expect(acme.items[0]).toMatchObject({
      day: today,
      tenantId: 'acme',
      provider: 'openai',
      model: 'gpt-4o',
    });
  });

  it.each([
    [['usage', '--from', '2026-12-01', '--to', '2026-11-01'], 'SLUICE_ARGUMENT_INVALID'],
    [['usage', '--from', '2026-02-30'], 'SLUICE_ARGUMENT_INVALID'],
    [['usage', '--tenant', 'acmee'], 'SLUICE_TENANT_NOT_FOUND'],
    [['usage', '--database-url', 'postgres://nobody@127.0.0.1:1/none'], 'SLUICE_STORE_UNREACHABLE'],
  ])('%j → %s', async (args, code) => {
    const r = await sluice([...args, '-n', ns]);
    expect(errorCode(r)).toBe(code);
  });
});

describe('when the operator does not answer', () => {
  it('the write stays, and the wait ends in SLUICE_NOT_PROPAGATED after --timeout', async () => {
    // No operator watches this namespace.
    const r = await sluice([
      'override',
      'elsewhere',
      '--multiplier',
      '2',
      '--for',
      '1h',
      '--reason',
      'x',
      '--timeout',
      '2s',
      '-n',
      other,
    ]);
    expect(r.code).toBe(1);
    expect(errorCode(r)).toBe('SLUICE_NOT_PROPAGATED');
    expect(r.stderr).toContain('observedGeneration none');
    expect((await getPolicy('elsewhere', other)).spec.override).toMatchObject({ multiplier: 2 });
  });
});

describe('the kubeconfig', () => {
  it('an unknown --context is refused with the nearest one', async () => {
    const r = await sluice(['status', '-n', ns, '--context', 'sluice-dve']);
    expect(errorCode(r)).toBe('SLUICE_ARGUMENT_INVALID');
    expect(r.stderr).toContain('did you mean sluice-dev?');
  });

  it('an API server that does not answer is SLUICE_CLUSTER_UNREACHABLE naming the address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-kubeconfig-'));
    const file = join(dir, 'config');
    const port = await freePort(); // nothing listens there
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
clusters: [{ name: gone, cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: gone, context: { cluster: gone, user: u } }]
current-context: gone
`,
    );
    try {
      const r = await sluice(['status'], { kubeconfig: file });
      expect(errorCode(r)).toBe('SLUICE_CLUSTER_UNREACHABLE');
      expect(r.stderr).toContain('ECONNREFUSED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('as a kubectl plugin', () => {
  it('kubectl finds kubectl-sluice on PATH and runs it with the user’s kubeconfig', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'kubectl-sluice-bin-'));
    symlinkSync(join(root, 'cli/kubectl-sluice.ts'), join(bin, 'kubectl-sluice'));
    try {
      const r = await new Promise<{ code: number; stdout: string }>((resolve) =>
        execFile(
          'kubectl',
          ['sluice', 'status', 'acme', '-n', ns],
          {
            env: {
              ...process.env,
              ...stack.env,
              PATH: `${bin}:${root}node_modules/.bin:${process.env['PATH']}`,
            },
          },
          (error, stdout) => resolve({ code: error ? 1 : 0, stdout }),
        ),
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/\nacme +acme +pro +True/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
