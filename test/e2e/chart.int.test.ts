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
