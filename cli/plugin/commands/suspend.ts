/** `kubectl sluice suspend TENANT --reason …` and `kubectl sluice resume TENANT`. */

import { REASON_ANNOTATION } from '../../../operator/reconcile/types.ts';
import { SluiceError } from '../../../policy/errors.ts';
import { type Command, type CommandContext, DRY_RUN_FLAG, WAIT_FLAGS } from '../command.ts';
import { whoAmI } from '../kube.ts';
import { resolveTenant } from '../resolve.ts';
import { type DryRun, patchPolicy } from '../write.ts';
import { finish } from './override.ts';
import { describeTarget, OUTPUT_WRITE_FLAG } from './shared.ts';

const TENANT = {
  name: 'TENANT',
  required: true,
  help: 'TenantPolicy name or tenant id (tenantpolicy/NAME or tenant/ID to say which)',
} as const;

export const suspend: Command = {
  name: 'suspend',
  positionals: [TENANT],
  flags: [
    {
      name: 'reason',
      type: 'string',
      placeholder: 'TEXT',
      help: 'why; recorded in the audit log (required)',
    },
    DRY_RUN_FLAG,
    ...WAIT_FLAGS,
    OUTPUT_WRITE_FLAG,
  ],
  examples: ['kubectl sluice suspend scraper-free --reason "INC-311 scraping"'],
  run: (ctx) => setSuspended(ctx, true),
};

export const resume: Command = {
  name: 'resume',
  positionals: [TENANT],
  flags: [
    { name: 'reason', type: 'string', placeholder: 'TEXT', help: 'why; recorded in the audit log' },
    DRY_RUN_FLAG,
    ...WAIT_FLAGS,
    OUTPUT_WRITE_FLAG,
  ],
  examples: ['kubectl sluice resume scraper-free'],
  run: (ctx) => setSuspended(ctx, false),
};

async function setSuspended(ctx: CommandContext, suspended: boolean): Promise<number> {
  const reason = ctx.values['reason'] === undefined ? '' : String(ctx.values['reason']).trim();
  if (suspended && reason === '') {
    throw new SluiceError(
      'SLUICE_ARGUMENT_INVALID',
      `suspend ${ctx.positionals[0]} needs --reason (e.g. the incident), recorded in the audit log`,
    );
  }
  if (reason.length > 512)
    throw new SluiceError('SLUICE_ARGUMENT_INVALID', '--reason is at most 512 characters');
  const cluster = await ctx.cluster();
  const { policy: before } = await resolveTenant(cluster, ctx.positionals[0]!);
  const subject = describeTarget(before);
  if ((before.spec.suspended === true) === suspended) {
    ctx.io.stdout.write(`${subject}: already ${suspended ? 'suspended' : 'not suspended'}; nothing to do\n`);
    return 0;
  }
  const dryRun = ctx.values['dry-run'] as DryRun;
  const user = dryRun === 'client' ? await whoAmI(cluster).catch(() => 'you') : await whoAmI(cluster);
  // The reason goes where the operator's audit log reads it (operator/reconcile/types.ts); a
  // resume without one removes the suspension's, so it is not carried into later entries.
  const patch = {
    metadata: { annotations: { [REASON_ANNOTATION]: reason === '' ? null : reason } },
    spec: { suspended: suspended ? true : null },
  };
  const startedAt = ctx.now();
  const { policy: after, unchanged } = await patchPolicy(cluster, before, patch, { dryRun, user, subject });
  const what = `${suspended ? 'suspended' : 'resumed'} by ${user}${reason ? `: ${reason}` : ''}`;
  return finish(ctx, { subject, what, after, unchanged, dryRun, startedAt });
}
