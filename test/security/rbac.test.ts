/**
 * The operator's RBAC: no wildcard verbs or resources anywhere, and cluster-wide Secret access
 * only in the all-namespaces mode (the chart switches to per-namespace Roles when
 * operator.watchNamespaces is set). operator/rbac/role.yaml is the all-namespaces variant.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs?: string[];
}
interface Doc {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  rules?: Rule[];
}

const docsOf = (text: string) =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Doc)
    .filter(Boolean);
const rulesOf = (docs: Doc[], kind: string) =>
  docs.filter((d) => d.kind === kind).flatMap((d) => d.rules ?? []);
// Reading Secrets in general; a rule naming its Secrets (the webhook certificate) is not that.
const readsSecrets = (r: Rule) =>
  (r.apiGroups ?? []).includes('') &&
  (r.resources ?? []).includes('secrets') &&
  !r.resourceNames &&
  (r.verbs ?? []).some((v) => ['get', 'list', 'watch'].includes(v));
// The Role in the operator's own namespace: create its webhook certificate Secret, then read and
// rotate only that one (a scoped operator needs the read too: 403 and a crash loop without it).
const WEBHOOK_CERT_RULES = [
  { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  {
    apiGroups: [''],
    resources: ['secrets'],
    resourceNames: ['sluice-webhook-cert'],
    verbs: ['get', 'update'],
  },
];

function noWildcards(docs: Doc[]) {
  for (const r of [...rulesOf(docs, 'ClusterRole'), ...rulesOf(docs, 'Role')]) {
    expect(r.verbs ?? []).not.toContain('*');
    expect(r.resources ?? []).not.toContain('*');
    expect(r.apiGroups ?? []).not.toContain('*');
  }
}

async function helm(): Promise<string | null> {
  try {
    const { stdout } = await run('bash', [`${root}test/harness/build-helm.sh`], { timeout: 600_000 });
    return stdout.trim().split('\n').pop() ?? null;
  } catch {
    return null;
  }
}

describe('operator RBAC', () => {
  it('role.yaml: no wildcards; Secret reads cluster-wide (the all-namespaces mode)', () => {
    const docs = docsOf(readFileSync(`${root}operator/rbac/role.yaml`, 'utf8'));
    noWildcards(docs);
    expect(rulesOf(docs, 'ClusterRole').some(readsSecrets)).toBe(true);
    expect(rulesOf(docs, 'Role').filter((x) => (x.resources ?? []).includes('secrets'))).toEqual(
      WEBHOOK_CERT_RULES,
    );
  });

  it('chart: cluster-wide Secret access only without watchNamespaces', async () => {
    const bin = await helm();
    if (!bin) {
      console.log('helm unavailable (test/harness/build-helm.sh failed); chart half skipped');
      return;
    }
    const render = async (...set: string[]) =>
      docsOf(
        (
          await run(bin, [
            'template',
            'sluice',
            `${root}charts/sluice`,
            '-n',
            'sluice-system',
            '--kube-version',
            '1.34.4',
            ...set,
          ])
        ).stdout,
      );
    const all = await render();
    noWildcards(all);
    expect(rulesOf(all, 'ClusterRole').some(readsSecrets)).toBe(true);
    const scoped = await render('--set', 'operator.watchNamespaces={tenants-a,tenants-b}');
    noWildcards(scoped);
    expect(rulesOf(scoped, 'ClusterRole').some(readsSecrets)).toBe(false);
    const roles = scoped.filter((d) => d.kind === 'Role' && (d.rules ?? []).some(readsSecrets));
    expect(roles.map((d) => d.metadata?.namespace).sort()).toEqual(['tenants-a', 'tenants-b']);
    const own = scoped.filter((d) => d.kind === 'Role' && d.metadata?.namespace === 'sluice-system');
    expect(own.flatMap((d) => d.rules ?? []).filter((r) => (r.resources ?? []).includes('secrets'))).toEqual(
      WEBHOOK_CERT_RULES,
    );
  }, 600_000);
});
