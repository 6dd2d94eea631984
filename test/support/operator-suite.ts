/**
 * The operator's integration suites share one fixture, after kubebuilder's envtest suite
 * (suite_test.go: BeforeSuite starts the control plane and the manager once, AfterSuite stops
 * them, the specs talk to the API server and assert on what the manager wrote):
 *
 *   let suite: OperatorSuite;
 *   beforeAll(async () => { suite = await startOperatorSuite({ name: 'pg-outage' }); });
 *   afterAll(() => suite?.stop());
 *   it('…', async () => {
 *     expect((await suite.applyPolicy(suite.tenantPolicy('acme'))).code).toBe(0);
 *     await suite.waitForRecord('acme', (r) => r.policy.tier === 'free');
 *   });
 *
 * Each suite gets a fresh namespace (the test control plane runs no namespace controller, so a
 * name is never reused), a fresh Redis prefix and a throw-away Postgres database, and the
 * operator runs in-process on them; stop() removes all of it. Everything is asserted through
 * direct clients (kubectl, Redis), never through the operator's cache.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { WAIT_FOR_CRD } from '../../cli/noisy-neighbor/cluster.ts';
import { type OperatorHandle, startOperator } from '../../operator/main.ts';
import { parseSettings } from '../../operator/settings.ts';
import { decodeRecord, type RedisKeys, redisKeys, type TenantRecord } from '../../policy/wire.ts';
import { devEnv, type KubectlResult, kubectl } from '../harness/env.ts';
import { eventually, impersonatingKubeconfig, randomName, tempDatabase } from './operator.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Installs the TenantPolicy CRD (crds/) and waits until the API server serves it, or throws. */
export async function installCrd(kubeconfig?: string): Promise<void> {
  const k = (args: string[]) => kubectl(args, kubeconfig ? { kubeconfig } : {});
  const applied = await k(['apply', '-f', `${ROOT}crds/`]);
  // Nothing on stderr either: a warning there (a deprecated field, a pruned one) is a CRD to fix.
  if (applied.code !== 0 || applied.stderr !== '') throw new Error(`kubectl apply crds/: ${applied.stderr}`);
  const established = await k([...WAIT_FOR_CRD]);
  if (established.code !== 0) throw new Error(`the CRD was not established: ${established.stderr}`);
}

/** Installs the operator's RBAC (operator/rbac/role.yaml, in sluice-system). */
export async function installRbac(): Promise<void> {
  await kubectl(['create', 'namespace', 'sluice-system']); // exists after the first suite
  const applied = await kubectl(['apply', '-f', `${ROOT}operator/rbac/role.yaml`]);
  if (applied.code !== 0 || applied.stderr !== '')
    throw new Error(`kubectl apply operator/rbac/role.yaml: ${applied.stderr}`);
}

export interface OperatorSuiteOptions {
  /** A stem for the namespace, the Redis prefix and the database (e.g. 'pg-outage'). */
  readonly name: string;
  /**
   * More operator flags; they win over the fixture's (`--namespaces`, `--redis-prefix`,
   * `--leader-elect false`, `--webhook false`, `--log-level error`).
   */
  readonly args?: readonly string[];
  /** The API server of this kubeconfig (test/harness/apiserver.ts) instead of the dev one. */
  readonly kubeconfig?: string;
  /** Postgres as given (e.g. a server the test stops) instead of a throw-away database. */
  readonly databaseUrl?: string;
  /**
   * How the operator (not the test) reaches its database and API server, e.g. through a proxy
   * (test/harness/toxiproxy.ts); default directly.
   */
  readonly via?: { readonly databaseUrl?: (url: string) => string; readonly kubeconfig?: string };
  /** Watch every namespace; policies go to `default` (an API server of the test's own). */
  readonly allNamespaces?: boolean;
  /**
   * With the permissions of operator/rbac/role.yaml (it impersonates the ServiceAccount) and
   * leader election on a fresh Lease; the fixture waits until it leads.
   */
  readonly rbac?: boolean;
  /**
   * The admission webhooks, called by the API server over HTTPS (a self-signed certificate, a
   * port the kernel picks, configurations under fresh names, removed by stop()).
   */
  readonly webhooks?: boolean;
  readonly log?: Logger;
}

export interface OperatorSuite {
  readonly op: OperatorHandle;
  /** Where the suite's policies go. */
  readonly namespace: string;
  readonly prefix: string;
  readonly keys: RedisKeys;
  /** A client of the dev Redis, for assertions. */
  readonly redis: Redis;
  /** The operator's database (as the test reaches it). */
  readonly databaseUrl: string;
  readonly kubeconfig: string;
  /** The webhook configurations' names (with `webhooks`). */
  readonly webhookNames: { readonly validating: string; readonly mutating: string };
  /** kubectl against the suite's API server, as the test user (never throws on exit code). */
  kubectl(args: string[], input?: string): Promise<KubectlResult>;
  /** A TenantPolicy named `name` with tenant id `tenantId` (default the name) and `spec` lines. */
  tenantPolicy(name: string, options?: { tenantId?: string; tier?: string; spec?: string }): string;
  /** `kubectl apply -n <namespace> -f -` of YAML (TenantPolicies, Secrets). */
  applyPolicy(yaml: string): Promise<KubectlResult>;
  /** `kubectl patch --type merge` of a TenantPolicy. */
  patchPolicy(name: string, patch: Record<string, unknown>): Promise<KubectlResult>;
  /** What the operator wrote to Redis for the tenant, or null. */
  record(tenantId: string): Promise<TenantRecord | null>;
  /** Polls until the tenant's record exists (and `accept`s it); the record. */
  waitForRecord(
    tenantId: string,
    accept?: (record: TenantRecord) => boolean,
    timeoutMs?: number,
  ): Promise<TenantRecord>;
  /** The status ('True', 'False', '' when absent) of a condition of a TenantPolicy. */
  condition(name: string, type: string): Promise<string>;
  /** Deletes the policies, stops the operator, deletes the namespace, the Redis keys, the database. */
  stop(): Promise<void>;
}

export async function startOperatorSuite(options: OperatorSuiteOptions): Promise<OperatorSuite> {
  const env = devEnv();
  const kubeconfig = options.kubeconfig ?? env.kubeconfig;
  const k = (args: string[], input?: string) =>
    kubectl(args, { kubeconfig, ...(input === undefined ? {} : { input }) });
  const namespace = options.allNamespaces ? 'default' : randomName(`sluice-${options.name}`);
  const prefix = `${randomName(`sluice-test-${options.name}`)}:`;
  const keys = redisKeys(prefix);
  const cleanups: (() => Promise<unknown>)[] = [];
  const redis = new Redis(env.redisUrl);
  cleanups.push(async () => {
    const stale = await redis.keys(`${prefix}*`);
    if (stale.length > 0) await redis.del(...stale);
    redis.disconnect();
  });
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    await installCrd(options.kubeconfig);
    if (options.rbac) await installRbac();
    if (!options.allNamespaces) {
      const created = await k(['create', 'namespace', namespace]);
      if (created.code !== 0) throw new Error(`kubectl create namespace ${namespace}: ${created.stderr}`);
      cleanups.push(() => k(['delete', 'namespace', namespace, '--wait=false']));
    }
    let databaseUrl = options.databaseUrl;
    if (databaseUrl === undefined) {
      const db = await tempDatabase(env.databaseUrl);
      cleanups.push(db.drop);
      databaseUrl = db.url;
    }
    const webhookNames = {
      validating: randomName('sluice-test-validate'),
      mutating: randomName('sluice-test-inject'),
    };
    if (options.webhooks)
      cleanups.push(async () => {
        await k(['delete', 'validatingwebhookconfiguration', webhookNames.validating, '--ignore-not-found']);
        await k(['delete', 'mutatingwebhookconfiguration', webhookNames.mutating, '--ignore-not-found']);
      });
    const webhookArgs = [
      ...['--webhook', 'true', '--webhook-port', '0', '--webhook-url', 'auto'],
      ...['--webhook-cert-secret', randomName('sluice-test-cert')],
      ...[
        '--webhook-validating-name',
        webhookNames.validating,
        '--webhook-mutating-name',
        webhookNames.mutating,
      ],
    ];
    const args = [
      ...(options.allNamespaces ? [] : ['--namespaces', namespace]),
      ...['--redis-prefix', prefix, '--webhook', 'false', '--log-level', 'error'],
      ...(options.rbac ? ['--lease-name', randomName('sluice-test-lease')] : ['--leader-elect', 'false']),
      ...(options.webhooks ? webhookArgs : []),
      ...(options.args ?? []),
    ];
    const op = await startOperator(
      parseSettings(args, {
        KUBECONFIG: options.rbac
          ? impersonatingKubeconfig(options.via?.kubeconfig ?? kubeconfig)
          : (options.via?.kubeconfig ?? kubeconfig),
        REDIS_URL: env.redisUrl,
        DATABASE_URL: options.via?.databaseUrl ? options.via.databaseUrl(databaseUrl) : databaseUrl,
      }),
      options.log ? { log: options.log } : {},
    );
    cleanups.push(async () => {
      await k(['delete', 'tenantpolicy', '--all', '-n', namespace, '--timeout=30s']);
      await op.close();
    });
    if (options.rbac) await eventually(async () => op.isLeader());

    const record = async (tenantId: string) => {
      const text = await redis.get(keys.policy(tenantId));
      return text ? decodeRecord(text) : null;
    };
    return {
      op,
      namespace,
      prefix,
      keys,
      redis,
      databaseUrl,
      kubeconfig,
      webhookNames,
      kubectl: k,
      tenantPolicy: (name, { tenantId = name, tier = 'free', spec = '' } = {}) =>
        `apiVersion: sluice.dev/v1alpha1
kind: TenantPolicy
metadata: { name: ${name} }
spec:
  tenantId: ${tenantId}
  tier: ${tier}
${spec}`,
      applyPolicy: (yaml) => k(['apply', '-n', namespace, '-f', '-'], yaml),
      patchPolicy: (name, patch) =>
        k(['patch', 'tenantpolicy', name, '-n', namespace, '--type', 'merge', '-p', JSON.stringify(patch)]),
      record,
      waitForRecord: (tenantId, accept = () => true, timeoutMs = 30_000) =>
        eventually(async () => {
          const r = await record(tenantId);
          return r && accept(r) ? r : null;
        }, timeoutMs),
      condition: async (name, type) =>
        (
          await k([
            'get',
            'tenantpolicy',
            name,
            '-n',
            namespace,
            '-o',
            `jsonpath={.status.conditions[?(@.type=="${type}")].status}`,
          ])
        ).stdout,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
