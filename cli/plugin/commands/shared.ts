/** Small pieces the write commands share. */
import type { TenantPolicyObject } from '../../../operator/reconcile/types.ts';
import type { CommandContext } from '../command.ts';
import type { FlagSpec } from '../flags.ts';
import { json, yaml } from '../output.ts';

/** "tenantpolicy/acme (tenant acme-legal, namespace tenants)": both names, always. */
export function describeTarget(policy: TenantPolicyObject): string {
  return `tenantpolicy/${policy.metadata.name} (tenant ${policy.spec?.tenantId ?? '?'}, namespace ${policy.metadata.namespace ?? '?'})`;
}

export const OUTPUT_WRITE_FLAG: FlagSpec = {
  name: 'output',
  short: 'o',
  type: 'enum',
  values: ['json', 'yaml'],
  placeholder: 'json|yaml',
  help: 'print the TenantPolicy as written (after the wait) instead of the summary',
};

export function printWritten(ctx: CommandContext, policy: TenantPolicyObject): void {
  const output = ctx.values['output'];
  if (output === 'json') ctx.io.stdout.write(json(policy));
  else if (output === 'yaml') ctx.io.stdout.write(yaml(policy));
}
