/**
 * `sluice noisy-neighbor`'s settings table (cli/lib/settings/table.ts; docs/cli.md lists it). The
 * cluster's addresses have the names `sluice operator` gives them (--kubeconfig, --redis-url,
 * --database-url, with KUBECONFIG, REDIS_URL and DATABASE_URL as `. .cache/dev/env` sets them);
 * cli/lib/settings/names.test.ts keeps one name per thing across the commands.
 */
import { setting } from '../lib/settings/table.ts';

export const NOISY_NEIGHBOR_SETTINGS = {
  scenario: setting.optional({
    flag: 'scenario',
    env: 'SLUICE_NOISY_NEIGHBOR_SCENARIO',
    required: true,
    placeholder: 'FILE',
    help: 'The scenario YAML (phases, tenants, rates), e.g. examples/scenarios/noisy-neighbor.yaml.',
  }),
  out: setting.optional({
    flag: 'out',
    env: 'SLUICE_NOISY_NEIGHBOR_OUT',
    required: true,
    placeholder: 'DIR',
    help: 'Where report.md, report.json, report.html and the SVG charts are written.',
  }),
  tenants: setting.optional({
    flag: 'tenants',
    env: 'SLUICE_NOISY_NEIGHBOR_TENANTS',
    placeholder: 'DIR',
    defaultText: 'examples/tenants',
    help: 'TenantPolicy YAML the sidecar enforces in the phases with Sluice (default: the examples/tenants of this install).',
  }),
  target: setting.optional({
    flag: 'target',
    env: 'SLUICE_NOISY_NEIGHBOR_TARGET',
    placeholder: 'URL',
    help: 'Send the load to this running RAG app instead of the fake one the simulator starts.',
  }),
  quick: setting.bool({
    flag: 'quick',
    env: 'SLUICE_QUICK',
    envAlso: ['QUICK'],
    default: false,
    help: "The scenario's short phases and a 10 s client timeout (QUICK=1, as the benchmarks read it).",
  }),
  cluster: setting.bool({
    flag: 'cluster',
    env: 'SLUICE_NOISY_NEIGHBOR_CLUSTER',
    default: false,
    help: 'Run the emergency phase through kubectl patch and the operator; needs --kubeconfig, --redis-url and --database-url (`. .cache/dev/env` after `make dev-up`).',
  }),
  kubeconfig: setting.optional({
    flag: 'kubeconfig',
    env: 'KUBECONFIG',
    placeholder: 'FILE',
    help: 'With --cluster: the kubeconfig of the cluster the operator watches.',
  }),
  redisUrl: setting.optional({
    flag: 'redis-url',
    envAlso: ['REDIS_URL'],
    placeholder: 'URL',
    help: 'With --cluster: the Redis the operator writes and the sidecar reads.',
  }),
  databaseUrl: setting.optional({
    flag: 'database-url',
    envAlso: ['DATABASE_URL'],
    placeholder: 'URL',
    help: "With --cluster: the operator's Postgres.",
  }),
} as const;
