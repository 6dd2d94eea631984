/** `kubectl sluice override TENANT --multiplier 10 --for 2h --reason T` (or --until, or --clear). */
import { isOverrideActive } from '../../../policy/effective.ts';
import { SluiceError } from '../../../policy/errors.ts';
import { HARD_LIMITS } from '../../../policy/tiers.ts';
import { type Command, type CommandContext, DRY_RUN_FLAG, WAIT_FLAGS } from '../command.ts';
import { formatDuration } from '../duration.ts';
import { whoAmI } from '../kube.ts';
import { json, yaml } from '../output.ts';
import { resolveTenant } from '../resolve.ts';
import { type DryRun, effectExit, effectLine, patchPolicy, waitForEffect } from '../write.ts';
import { describeTarget, OUTPUT_WRITE_FLAG, printWritten } from './shared.ts';

export const override: Command = {
  name: 'override',
  positionals: [
    {
      name: 'TENANT',
      required: true,
      help: 'TenantPolicy name or tenant id (tenantpolicy/NAME or tenant/ID to say which)',
    },
  ],
  flags: [
    {
      name: 'multiplier',
      type: 'number',
      placeholder: 'N',
      min: HARD_LIMITS.overrideMultiplierMin,
      max: HARD_LIMITS.overrideMultiplierMax,
      help: `factor on the request, token, cost and concurrency limits (${HARD_LIMITS.overrideMultiplierMin}..${HARD_LIMITS.overrideMultiplierMax}; below 1 throttles)`,
    },
    {
      name: 'for',
      type: 'duration',
      placeholder: 'DURATION',
      help: 'how long, from now: 30m, 2h, 1h30m, 7d',
    },
    {
      name: 'until',
      type: 'datetime',
      placeholder: 'TIME',
      help: 'when it ends, RFC 3339: 2026-12-01T18:00:00Z',
    },
    {
      name: 'reason',
      type: 'string',
      placeholder: 'TEXT',
      help: 'why, e.g. the ticket; recorded in the audit log',
    },
    { name: 'clear', type: 'boolean', help: 'remove the override now (the tier limits are back)' },
    DRY_RUN_FLAG,
    ...WAIT_FLAGS,
    OUTPUT_WRITE_FLAG,
  ],
  examples: [
    'kubectl sluice override acme-legal --multiplier 10 --for 2h --reason TICKET-4711',
    'kubectl sluice override tenant/acme-legal --multiplier 0.1 --until 2026-12-01T18:00:00Z --reason "abuse, throttled"',
    'kubectl sluice override acme-legal --clear',
  ],
  notes: ['grantedBy is the Kubernetes user the API server says you are (a SelfSubjectReview).'],
  run,
};

async function run(ctx: CommandContext): Promise<number> {
  const v = ctx.values;
  const ref = ctx.positionals[0]!;
  const clear = v['clear'] === true;
  const setting = ['multiplier', 'for', 'until', 'reason'].filter((f) => ctx.given.has(f));
  if (clear && setting.length > 0) {
    throw new SluiceError(
      'SLUICE_ARGUMENT_INVALID',
      `--clear removes the override; it takes none of ${setting.map((f) => `--${f}`).join(', ')}`,
    );
  }
  let expiresAt = '';
  if (!clear) {
    const missing = ['multiplier', 'reason'].filter((f) => v[f] === undefined);
    if (v['for'] === undefined && v['until'] === undefined) missing.push('for (or --until)');
    if (missing.length > 0) {
      throw new SluiceError(
        'SLUICE_ARGUMENT_INVALID',
        `override ${ref} needs ${missing.map((f) => `--${f}`).join(', ')} (or --clear to remove the override)`,
      );
    }
    if (v['for'] !== undefined && v['until'] !== undefined) {
      throw new SluiceError('SLUICE_ARGUMENT_INVALID', 'give --for or --until, not both');
    }
    const reason = String(v['reason']).trim();
    if (reason === '' || reason.length > 512) {
      throw new SluiceError(
        'SLUICE_ARGUMENT_INVALID',
        '--reason must say why, in 1 to 512 characters (spec.override.reason)',
      );
    }
    const ends = v['for'] !== undefined ? ctx.now() + (v['for'] as number) : Date.parse(String(v['until']));
    if (ends <= ctx.now()) {
      throw new SluiceError(
        'SLUICE_ARGUMENT_INVALID',
        `--until ${String(v['until'])} is in the past; give a future time or --for DURATION`,
      );
    }
    // Whole seconds, UTC: what kubectl and people read back.
    expiresAt = new Date(Math.ceil(ends / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  }

  const cluster = await ctx.cluster();
  const { policy: before } = await resolveTenant(cluster, ref);
  const subject = describeTarget(before);
  const dryRun = v['dry-run'] as DryRun;
  const current = before.spec.override;
  if (clear && !current) {
    ctx.io.stdout.write(`${subject}: no override to clear\n`);
    return 0;
  }
  const user = dryRun === 'client' ? await whoAmI(cluster).catch(() => 'you') : await whoAmI(cluster);
  const patch = clear
    ? { spec: { override: null } }
    : {
        spec: {
          override: {
            multiplier: v['multiplier'] as number,
            expiresAt,
            reason: String(v['reason']).trim(),
            grantedBy: user,
          },
        },
      };
  const startedAt = ctx.now();
  const { policy: after, unchanged } = await patchPolicy(cluster, before, patch, { dryRun, user, subject });
  const what = clear
    ? `override cleared${current && !isOverrideActive(current, new Date(ctx.now())) ? ` (it had expired at ${current.expiresAt})` : ''}`
    : `override ${v['multiplier']}x until ${expiresAt} (${formatDuration(Date.parse(expiresAt) - ctx.now())}) granted by ${user}: ${String(v['reason']).trim()}`;
  return finish(ctx, { subject, what, after, unchanged, dryRun, startedAt });
}

export async function finish(
  ctx: CommandContext,
  w: {
    subject: string;
    what: string;
    after: import('../../../operator/reconcile/types.ts').TenantPolicyObject;
    unchanged: boolean;
    dryRun: DryRun;
    startedAt: number;
  },
): Promise<number> {
  const output = ctx.values['output'] as string | undefined;
  const note =
    w.dryRun !== 'none' ? ` (dry run: ${w.dryRun}, nothing stored)` : w.unchanged ? ' (unchanged)' : '';
  if (w.dryRun !== 'none') {
    if (output === 'json') ctx.io.stdout.write(json(w.after));
    else if (output === 'yaml') ctx.io.stdout.write(yaml(w.after));
    else ctx.io.stdout.write(`${w.subject}: ${w.what}${note}\n`);
    return 0;
  }
  if (!output) ctx.io.stdout.write(`${w.subject}: ${w.what}${note}\n`);
  if (ctx.values['wait'] === false) {
    printWritten(ctx, w.after);
    return 0;
  }
  const effect = await waitForEffect(ctx, w.after, {
    timeoutMs: ctx.values['timeout'] as number,
    subject: w.subject,
  });
  if (output === 'json') ctx.io.stdout.write(json(effect.policy));
  else if (output === 'yaml') ctx.io.stdout.write(yaml(effect.policy));
  else ctx.io.stdout.write(`${effectLine(effect, w.startedAt, ctx.now())}\n`);
  if (effectExit(effect) !== 0 && output)
    ctx.io.stderr.write(`${effectLine(effect, w.startedAt, ctx.now())}\n`);
  return effectExit(effect);
}
