/**
 * Writes to a TenantPolicy the way the plugin does all of them: a JSON merge patch under the
 * field manager "kubectl-sluice:<user>" (so the operator's audit log names the user, from
 * managedFields, without an annotation that could go stale), with kubectl's dry-run modes; then,
 * optionally, waiting for the operator's status to say the change is in effect on the sidecars.
 */

import type { TenantPolicyObject } from '../../operator/reconcile/types.ts';
import { canonicalJson } from '../../policy/effective.ts';
import { SluiceError } from '../../policy/errors.ts';
import { API_VERSION, KIND } from '../../policy/schema/tenant-policy.ts';
import type { CommandContext } from './command.ts';
import { type Cluster, kubeError, policyPath } from './kube.ts';

export type DryRun = 'none' | 'client' | 'server';

/** kubectl's field-manager rules: printable, at most 128 characters. */
export function fieldManagerFor(user: string): string {
  return `kubectl-sluice:${user}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 128);
}

/** RFC 7386 JSON merge patch, for --dry-run=client. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export interface PatchResult {
  policy: TenantPolicyObject;
  /** The API server stored nothing new (the patch changed nothing). */
  unchanged: boolean;
}

export async function patchPolicy(
  cluster: Cluster,
  before: TenantPolicyObject,
  patch: Record<string, unknown>,
  options: { dryRun: DryRun; user: string; subject: string },
): Promise<PatchResult> {
  const ns = before.metadata.namespace ?? cluster.namespace;
  const name = before.metadata.name;
  if (options.dryRun === 'client') {
    const after = mergePatch(before, patch) as TenantPolicyObject;
    // Loaded on demand: compiling the schema and its CEL rules costs half a second of start-up.
    const { validateTenantPolicy } = await import('../../policy/schema/validate.ts');
    const result = validateTenantPolicy({ ...after, apiVersion: API_VERSION, kind: KIND });
    if (!result.valid) {
      throw new SluiceError(
        'SLUICE_POLICY_INVALID',
        `${options.subject}: ${result.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      );
    }
    return { policy: after, unchanged: canonicalJson(after.spec) === canonicalJson(before.spec) };
  }
  try {
    const after = await cluster.client.request<TenantPolicyObject>('PATCH', policyPath(ns, name), {
      body: patch,
      contentType: 'application/merge-patch+json',
      query: {
        fieldManager: fieldManagerFor(options.user),
        ...(options.dryRun === 'server' ? { dryRun: 'All' } : {}),
      },
    });
    return { policy: after, unchanged: after.metadata.generation === before.metadata.generation };
  } catch (error) {
    throw kubeError(error, { subject: options.subject, action: `patch TenantPolicy ${ns}/${name}` });
  }
}

export type Effect =
  | { state: 'propagated'; policy: TenantPolicyObject }
  | { state: 'no-sidecars'; policy: TenantPolicyObject }
  | { state: 'behind'; policy: TenantPolicyObject; message: string }
  | { state: 'not-ready'; policy: TenantPolicyObject; reason: string; message: string };

const condition = (p: TenantPolicyObject, type: string) => p.status?.conditions?.find((c) => c.type === type);

/** What the status says about generation `generation`, or null while the operator is not done. */
export function effectOf(policy: TenantPolicyObject, generation: number): Effect | null {
  const status = policy.status;
  if (!status || (status.observedGeneration ?? -1) < generation) return null;
  const ready = condition(policy, 'Ready');
  if (!ready || (ready.observedGeneration ?? -1) < generation) return null;
  const invalid = condition(policy, 'Invalid');
  if (invalid?.status === 'True') {
    return { state: 'not-ready', policy, reason: invalid.reason, message: invalid.message };
  }
  if (ready.status !== 'True')
    return { state: 'not-ready', policy, reason: ready.reason, message: ready.message };
  const propagated = condition(policy, 'Propagated');
  if (!propagated || status.propagation?.version !== status.effective?.version) return null;
  if (propagated.status === 'True') return { state: 'propagated', policy };
  if (propagated.reason === 'NoSidecars') return { state: 'no-sidecars', policy };
  if (propagated.reason === 'SidecarsBehind') return { state: 'behind', policy, message: propagated.message };
  return null;
}

/** Polls the object until effectOf answers; SLUICE_NOT_PROPAGATED after timeoutMs. */
export async function waitForEffect(
  ctx: CommandContext,
  policy: TenantPolicyObject,
  options: { timeoutMs: number; subject: string },
): Promise<Effect> {
  const cluster = await ctx.cluster();
  const ns = policy.metadata.namespace ?? cluster.namespace;
  const generation = policy.metadata.generation ?? 0;
  const deadline = ctx.now() + options.timeoutMs;
  let last = policy;
  for (;;) {
    const effect = effectOf(last, generation);
    if (effect) return effect;
    if (ctx.now() >= deadline) break;
    await ctx.sleep(200);
    try {
      last = await cluster.client.request<TenantPolicyObject>('GET', policyPath(ns, policy.metadata.name));
    } catch (error) {
      throw kubeError(error, { subject: options.subject, action: 'read its status' });
    }
  }
  const propagated = condition(last, 'Propagated');
  throw new SluiceError(
    'SLUICE_NOT_PROPAGATED',
    `${options.subject}: generation ${generation} not reported in effect after ${options.timeoutMs / 1000} s (observedGeneration ${last.status?.observedGeneration ?? 'none'}${propagated ? `, Propagated ${propagated.status} ${propagated.reason}: ${propagated.message}` : ''})`,
  );
}

/** One line for people: when the change reached the sidecars. */
export function effectLine(effect: Effect, startedAt: number, now: number): string {
  const p = effect.policy.status?.propagation;
  const seen = `${((now - startedAt) / 1000).toFixed(2)} s after this command's write`;
  switch (effect.state) {
    case 'propagated': {
      const took =
        p?.writtenAt && p.propagatedAt
          ? ` (${((Date.parse(p.propagatedAt) - Date.parse(p.writtenAt)) / 1000).toFixed(3)} s after the operator wrote it at ${p.writtenAt})`
          : '';
      const notHeld = p?.notHeld
        ? `, and ${p.notHeld} that do not hold the tenant load it at its first request there,`
        : '';
      return `in effect on ${p?.sidecars ?? 0} of ${p?.liveSidecars ?? 0} live sidecar(s)${notHeld} since ${p?.propagatedAt ?? '?'}${took}; reported ${seen}`;
    }
    case 'no-sidecars':
      return `version ${p?.version ?? '?'} is in Redis; no sidecar is running to serve it (it applies when one starts); reported ${seen}`;
    case 'behind':
      return `not in effect everywhere: ${effect.message}`;
    case 'not-ready':
      return `the operator did not apply it: ${effect.reason}: ${effect.message}`;
  }
}

/** Exit code for an effect: not-ready and behind are failures the user must act on. */
export function effectExit(effect: Effect): number {
  return effect.state === 'propagated' || effect.state === 'no-sidecars' ? 0 : 1;
}
