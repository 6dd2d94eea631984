/** Whose LLM call this is: the tenant the ingress named in x-sluice-tenant. */
import type { FastifyRequest } from 'fastify';
import type { EffectivePolicy } from '../../policy/effective.ts';
import { SluiceError } from '../../policy/errors.ts';
import { isSluiceHeaderName, SLUICE_HEADERS } from '../../policy/wire.ts';
import type { LlmContext } from './context.ts';

export const TENANT_HEADER = SLUICE_HEADERS.tenant;

/**
 * The tenant of a request, from the header the ingress set. 401 / 403 otherwise. The header must
 * be there exactly once and alone: a second x-sluice-tenant, or a look-alike such as
 * x_sluice_tenant (which WSGI stacks read as the same variable), means something other than the
 * ingress wrote tenant headers — refused rather than guessed.
 */
export function tenantOf(ctx: LlmContext, request: FastifyRequest): EffectivePolicy {
  const raw = request.raw.rawHeaders;
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length < 13 || !isSluiceHeaderName(name) || !isTenantHeaderName(name)) continue;
    if (name.toLowerCase() !== TENANT_HEADER)
      throw new SluiceError(
        'SLUICE_TENANT_UNKNOWN',
        `header ${JSON.stringify(name)}: send the tenant in ${TENANT_HEADER} only`,
      );
    seen++;
  }
  if (seen > 1) throw new SluiceError('SLUICE_TENANT_UNKNOWN', `${TENANT_HEADER} sent more than once`);
  const header = request.headers[TENANT_HEADER];
  const id = Array.isArray(header) ? header[0] : header;
  const record = id ? ctx.policies.byTenant(id) : undefined;
  if (!record)
    throw new SluiceError(
      'SLUICE_TENANT_UNKNOWN',
      id ? `tenant ${JSON.stringify(id)}` : `no ${TENANT_HEADER} header`,
    );
  if (record.policy.suspended) throw new SluiceError('SLUICE_TENANT_SUSPENDED', `tenant ${id}`);
  return record.policy;
}

/** Whether a header name folds (case and punctuation dropped) to x-sluice-tenant. */
function isTenantHeaderName(name: string): boolean {
  return name.replace(/[^A-Za-z0-9]/g, '').toLowerCase() === 'xsluicetenant';
}
