/**
 * The emergency phase through the real control path: `kubectl patch` on a TenantPolicy → the
 * operator reconciles it into Redis → the sidecar (Redis mode) serves it. Used when the
 * simulator runs with --cluster (KUBECONFIG, REDIS_URL and DATABASE_URL in the environment, e.g.
 * from `make dev-up`); otherwise the phase edits the policy file the sidecar watches.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pino from 'pino';
import { type OperatorHandle, startOperator } from '../../operator/main.ts';
import { parseSettings } from '../../operator/settings.ts';
import { redisKeys } from '../../policy/wire.ts';
import { loadSettings } from '../../sidecar/config/settings.ts';
import { type SidecarHandle, startSidecar } from '../../sidecar/main.ts';

const run = promisify(execFile);

/** `kubectl wait` until the API server serves the TenantPolicy CRD (after `kubectl apply -f crds/`). */
export const WAIT_FOR_CRD: readonly string[] = [
  ...['wait', '--for', 'condition=Established', 'crd/tenantpolicies.sluice.dev'],
  ...['--timeout', '60s'],
];

export interface ClusterEnv {
  kubeconfig: string;
  redisUrl: string;
  databaseUrl: string;
}

export interface ClusterControl {
  readonly namespace: string;
  startSidecar(upstream: string, maxConcurrency: number): Promise<SidecarHandle>;
  /** `kubectl patch --type merge` of the heavy tenant's spec. */
  patch(change: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function startClusterControl(
  env: ClusterEnv,
  tenantsDir: string,
  heavyPolicyName: string,
): Promise<ClusterControl> {
  const suffix = randomBytes(3).toString('hex');
  const namespace = `sluice-nn-${suffix}`;
  const prefix = `sluice-nn-${suffix}:`;
  const kubectl = (args: string[]) =>
    run('kubectl', args, { env: { ...process.env, KUBECONFIG: env.kubeconfig } });
  const root = new URL('../../', import.meta.url).pathname;
  await kubectl(['apply', '-f', `${root}crds/`]);
  await kubectl([...WAIT_FOR_CRD]);
  await kubectl(['create', 'namespace', namespace]);
  const operator: OperatorHandle = await startOperator(
    parseSettings(
      [
        '--namespaces',
        namespace,
        '--redis-prefix',
        prefix,
        '--webhook',
        'false',
        '--leader-elect',
        'false',
        '--log-level',
        'warn',
        '--identity',
        `noisy-neighbor-${suffix}`,
      ],
      { KUBECONFIG: env.kubeconfig, REDIS_URL: env.redisUrl, DATABASE_URL: env.databaseUrl },
    ),
    { log: pino({ level: 'warn' }) },
  );
  await kubectl(['apply', '-n', namespace, '-f', tenantsDir]);
  const sidecars: SidecarHandle[] = [];
  return {
    namespace,
    async startSidecar(upstream, maxConcurrency) {
      const sidecar = await startSidecar(
        loadSettings(
          [],
          {},
          {
            host: '127.0.0.1',
            port: 0,
            metricsPort: 0,
            adminPort: 0,
            egress: 'off',
            upstream,
            redisUrl: env.redisUrl,
            redisPrefix: prefix,
            maxConcurrency,
            logLevel: 'warn',
          },
        ),
      );
      sidecars.push(sidecar);
      // Ready once the operator has written the heavy tenant: the admin endpoint loads it from
      // Redis on first sight (a sidecar holds only the tenants it serves, docs/adr/0025).
      const held = async () =>
        (await fetch(`http://127.0.0.1:${sidecar.ports.admin}/policies/${heavyPolicyName}`)).status === 200;
      for (let i = 0; i < 600 && !(await held()); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      if (!(await held())) {
        throw new Error(
          `the operator did not publish ${heavyPolicyName} to Redis (${redisKeys(prefix).policyIndex}) in 30 s`,
        );
      }
      return sidecar;
    },
    async patch(change) {
      await kubectl([
        'patch',
        'tenantpolicy',
        heavyPolicyName,
        '-n',
        namespace,
        '--type',
        'merge',
        '-p',
        JSON.stringify({ spec: change }),
      ]);
    },
    async close() {
      for (const s of sidecars) await s.close();
      await kubectl([
        'delete',
        'tenantpolicy',
        '--all',
        '-n',
        namespace,
        '--wait=true',
        '--timeout=30s',
      ]).catch(() => undefined);
      await operator.close();
      // No namespace controller runs in the test control plane; the empty namespace is left.
      await kubectl(['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
    },
  };
}
