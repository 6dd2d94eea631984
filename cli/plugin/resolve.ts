/**
 * TENANT on the command line is either the TenantPolicy's object name or its spec.tenantId,
 * usually the same string. The rule (docs/adr/0023-kubectl-sluice.md):
 *
 *   tenantpolicy/NAME (or tp/NAME)  the object named NAME in the namespace
 *   tenant/ID                       the object whose spec.tenantId is ID in the namespace
 *   X                               both lookups; one object found (or the same object twice) is
 *                                   the answer, two different objects is SLUICE_TENANT_AMBIGUOUS
 *
 * Not found names what was looked for, where, the nearest existing tenant, and the namespace
 * when the tenant id lives in another one.
 */

import { KubeApiError } from '../../operator/kube/client.ts';
import type { TenantPolicyObject } from '../../operator/reconcile/types.ts';
import { SluiceError } from '../../policy/errors.ts';
import { nearest } from './flags.ts';
import { type Cluster, kubeError, policyCollection, policyPath } from './kube.ts';

export interface Resolved {
  policy: TenantPolicyObject;
  /** How the argument matched. */
  by: 'name' | 'tenantId' | 'both';
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const TENANT_ID = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function parseTenantRef(ref: string): { name?: string; tenantId?: string } {
  const slash = ref.indexOf('/');
  if (slash >= 0) {
    const kind = ref.slice(0, slash).toLowerCase();
    const value = ref.slice(slash + 1);
    if (['tenantpolicy', 'tenantpolicies', 'tp', 'tenantpolicy.sluice.dev'].includes(kind)) {
      if (!NAME.test(value)) throw badRef(ref, 'an object name (lowercase letters, digits, "-" and ".")');
      return { name: value };
    }
    if (kind === 'tenant') {
      if (!TENANT_ID.test(value))
        throw badRef(ref, 'a tenant id (a DNS label: lowercase letters, digits, "-")');
      return { tenantId: value };
    }
    throw badRef(ref, 'tenantpolicy/NAME, tenant/ID or a bare name');
  }
  if (!NAME.test(ref)) throw badRef(ref, 'a TenantPolicy name or tenant id (lowercase letters, digits, "-")');
  return { name: ref, ...(TENANT_ID.test(ref) ? { tenantId: ref } : {}) };
}

function badRef(ref: string, expected: string): SluiceError {
  return new SluiceError('SLUICE_ARGUMENT_INVALID', `TENANT ${JSON.stringify(ref)} is not ${expected}`);
}

interface PolicyList {
  items: TenantPolicyObject[];
  metadata?: { continue?: string };
}

/** Every TenantPolicy in a namespace (null = all namespaces), paginated; optional field selector. */
export async function listPolicies(
  cluster: Cluster,
  namespace: string | null,
  fieldSelector?: string,
): Promise<TenantPolicyObject[]> {
  const out: TenantPolicyObject[] = [];
  let cont: string | undefined;
  do {
    const page = await cluster.client.request<PolicyList>('GET', policyCollection(namespace), {
      query: { limit: 500, continue: cont, fieldSelector },
    });
    out.push(...page.items);
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return out;
}

/** By spec.tenantId: a server-side field selector where the CRD allows it (Kubernetes >= 1.32). */
export async function findByTenantId(
  cluster: Cluster,
  namespace: string | null,
  tenantId: string,
): Promise<TenantPolicyObject[]> {
  try {
    return await listPolicies(cluster, namespace, `spec.tenantId=${tenantId}`);
  } catch (error) {
    // An older API server (or CRD without selectableFields) refuses the field label: filter here.
    if (error instanceof KubeApiError && error.statusCode === 400) {
      return (await listPolicies(cluster, namespace)).filter((p) => p.spec?.tenantId === tenantId);
    }
    throw error;
  }
}

export async function resolveTenant(cluster: Cluster, ref: string): Promise<Resolved> {
  const wanted = parseTenantRef(ref);
  const ns = cluster.namespace;
  const subject = `tenant ${JSON.stringify(ref)}`;
  try {
    let byName: TenantPolicyObject | null = null;
    if (wanted.name) {
      try {
        byName = await cluster.client.request<TenantPolicyObject>('GET', policyPath(ns, wanted.name));
      } catch (error) {
        const notFound =
          error instanceof KubeApiError &&
          error.statusCode === 404 &&
          (error.body as { details?: { name?: string } } | null)?.details?.name;
        if (!notFound) throw error;
      }
    }
    const byId = wanted.tenantId ? await findByTenantId(cluster, ns, wanted.tenantId) : [];
    const idHit = byId[0] ?? null;
    if (byName && idHit && byName.metadata.uid !== idHit.metadata.uid) {
      throw new SluiceError(
        'SLUICE_TENANT_AMBIGUOUS',
        `${subject} in namespace ${ns} is the name of TenantPolicy ${byName.metadata.name} (tenant id ${byName.spec.tenantId}) and the tenant id of TenantPolicy ${idHit.metadata.name}`,
      );
    }
    if (byName) return { policy: byName, by: idHit ? 'both' : 'name' };
    if (idHit) return { policy: idHit, by: 'tenantId' };
    throw await notFound(cluster, ref, wanted);
  } catch (error) {
    throw kubeError(error, { subject, action: `look it up in namespace ${ns}` });
  }
}

async function notFound(
  cluster: Cluster,
  ref: string,
  wanted: { name?: string; tenantId?: string },
): Promise<SluiceError> {
  const ns = cluster.namespace;
  const looked = [
    wanted.name ? `no TenantPolicy named ${JSON.stringify(wanted.name)}` : '',
    wanted.tenantId ? `none with spec.tenantId ${JSON.stringify(wanted.tenantId)}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  const hints: string[] = [];
  const here = await listPolicies(cluster, ns).catch(() => []);
  const candidates = [...new Set(here.flatMap((p) => [p.metadata.name, p.spec?.tenantId ?? '']))].filter(
    Boolean,
  );
  const guess = nearest(wanted.tenantId ?? wanted.name ?? ref, candidates);
  if (guess) hints.push(`did you mean ${JSON.stringify(guess)}?`);
  if (wanted.tenantId) {
    // Tenant ids are unique across namespaces (the operator refuses a second one): say where it is.
    const elsewhere = await findByTenantId(cluster, null, wanted.tenantId).catch(() => []);
    if (elsewhere[0])
      hints.push(
        `tenant ${wanted.tenantId} is in namespace ${elsewhere[0].metadata.namespace}: add -n ${elsewhere[0].metadata.namespace}`,
      );
  }
  if (here.length === 0) hints.push(`namespace ${ns} has no TenantPolicies`);
  return new SluiceError(
    'SLUICE_TENANT_NOT_FOUND',
    `tenant ${JSON.stringify(ref)}: ${looked} in namespace ${ns}${hints.length ? ` (${hints.join('; ')})` : ''}`,
  );
}
