/**
 * The Helm chart and the alert rules, checked as users and CI check them: `make chart-check`
 * (helm lint --strict, render with defaults and with every toggle on, server-side dry run on
 * the real API server, bad values refused by the schema) and promtool on the rules.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { dashboardJson } from '../../charts/sluice/dashboards/generate.ts';
import { DASHBOARDS } from '../../charts/sluice/dashboards/panels.ts';
import { PATHS } from '../../operator/webhooks/manager.ts';
import { devEnv } from '../harness/env.ts';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;

describe('Helm chart', () => {
  it('passes chart-check: lint, render, dry-run on the API server, schema refuses bad values', async () => {
    const { stderr } = await run('bash', [`${root}test/harness/chart-check.sh`], {
      env: { ...process.env, KUBECONFIG: devEnv().kubeconfig },
      timeout: 300_000,
    });
    expect(stderr).toContain('chart-check: ok');
    const rendered = readFileSync(`${root}.cache/chart-check/all-on.yaml`, 'utf8');
    for (const kind of [
      'Deployment',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Service',
      'ValidatingWebhookConfiguration',
      'MutatingWebhookConfiguration',
      'Certificate',
      'PodMonitor',
      'ServiceMonitor',
      'PrometheusRule',
      'ConfigMap',
      'NetworkPolicy',
      'PodDisruptionBudget',
    ]) {
      expect(rendered, kind).toMatch(new RegExp(`^kind: ${kind}$`, 'm'));
    }
  }, 300_000);

  it('grants the operator exactly the rules of operator/rbac/role.yaml, without wildcards', () => {
    const rulesOf = (text: string) =>
      parseAllDocuments(text)
        .map((d) => d.toJS() as { kind?: string; rules?: unknown[] } | null)
        .filter((o) => o?.kind === 'ClusterRole' || o?.kind === 'Role')
        .map((o) => ({ kind: o!.kind, rules: o!.rules }));
    const chart = rulesOf(readFileSync(`${root}.cache/chart-check/default.yaml`, 'utf8'));
    const operator = rulesOf(readFileSync(`${root}operator/rbac/role.yaml`, 'utf8'));
    expect(chart).toEqual(operator);
    expect(JSON.stringify(chart)).not.toContain('"*"');
  });

  // What the first real node (make e2e) showed: each of these kept the chart from working in pods.
  describe('operator Deployment, as rendered with the default values', () => {
    interface Container {
      env: { name: string; value?: string }[];
      volumeMounts?: { name: string; mountPath: string }[];
      startupProbe?: unknown;
    }
    interface Rendered {
      kind?: string;
      metadata: { name: string };
      spec?: {
        template: { spec: { containers: Container[]; volumes?: { name: string; emptyDir?: unknown }[] } };
      };
      webhooks?: { clientConfig: { service: { path: string } } }[];
    }
    const objects = () =>
      parseAllDocuments(readFileSync(`${root}.cache/chart-check/default.yaml`, 'utf8')).map(
        (d) => d.toJS() as Rendered,
      );
    const operator = () => {
      const deployment = objects().find(
        (o) => o?.kind === 'Deployment' && o.metadata.name.endsWith('-operator'),
      )!;
      return {
        container: deployment.spec!.template.spec.containers[0]!,
        volumes: deployment.spec!.template.spec.volumes ?? [],
      };
    };
    const env = (name: string) => operator().container.env.find((e) => e.name === name)?.value;

    it('webhook listens on every address (127.0.0.1 made the Service unreachable)', () => {
      expect(env('SLUICE_WEBHOOK_HOST')).toBe('0.0.0.0');
    });

    it('has a writable /tmp under the read-only root (openssl writes the webhook certificates there)', () => {
      const { container, volumes } = operator();
      const mount = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
      expect(mount).toBeDefined();
      expect(volumes.find((v) => v.name === mount!.name)?.emptyDir).toBeDefined();
    });

    it('webhook configurations call the paths the operator serves', () => {
      const paths = objects()
        .filter((o) => o?.kind?.endsWith('WebhookConfiguration'))
        .map((o) => o.webhooks![0]!.clientConfig.service.path)
        .sort();
      expect(paths).toEqual([PATHS.mutatePod, PATHS.validatePolicy].sort());
    });

    it('gives a slow start a startupProbe before liveness counts (35 s measured on a busy node)', () => {
      expect(operator().container.startupProbe).toBeDefined();
    });

    it("injects the sidecar with the chart's image pull policy", () => {
      expect(env('SLUICE_SIDECAR_PULL_POLICY')).toBe('IfNotPresent');
    });
  });

  it.each(DASHBOARDS)('dashboards/$file is what `make generate` writes', (d) => {
    const committed = readFileSync(`${root}charts/sluice/dashboards/${d.file}`, 'utf8');
    expect(committed).toBe(dashboardJson(d));
  });
});

describe('alert rules', () => {
  it('pass promtool check rules', async () => {
    const { stdout } = await run('promtool', [
      'check',
      'rules',
      `${root}charts/sluice/alerts/sluice-rules.yaml`,
    ]);
    expect(stdout).toContain('SUCCESS');
  });

  it('pass their promtool unit tests', async () => {
    const { stdout, stderr } = await run('promtool', ['test', 'rules', 'tests.yaml'], {
      cwd: `${root}charts/sluice/alerts`,
    });
    expect(`${stdout}${stderr}`).toContain('SUCCESS');
  });
});
