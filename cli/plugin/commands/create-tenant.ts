/**
 * `kubectl sluice create tenant NAME --tier pro --model openai/gpt-4o --fallback openai/gpt-4o-mini`:
 * a Secret with a generated API key (printed once, never stored anywhere else) and the
 * TenantPolicy that references it. Nothing existing is overwritten; a failed policy create
 * removes the Secret it made.
 */
import { randomBytes } from 'node:crypto';
import { KubeApiError } from '../../../operator/kube/client.ts';
import type { TenantPolicyObject } from '../../../operator/reconcile/types.ts';
import { SluiceError } from '../../../policy/errors.ts';
import {
  API_VERSION,
  KIND,
  type ModelRef,
  type TenantPolicySpec,
} from '../../../policy/schema/tenant-policy.ts';
import { TIERS } from '../../../policy/tiers.ts';
import { type Command, type CommandContext, DRY_RUN_FLAG, WAIT_FLAGS } from '../command.ts';
import { type Cluster, kubeError, policyCollection, policyPath, secretPath, whoAmI } from '../kube.ts';
import { json, yaml } from '../output.ts';
import { findByTenantId } from '../resolve.ts';
import { type DryRun, effectExit, effectLine, fieldManagerFor, waitForEffect } from '../write.ts';
import { describeTarget } from './shared.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const PROVIDER = /^[a-z][a-z0-9-]{0,31}$/;

export const createTenant: Command = {
  name: 'create tenant',
  positionals: [
    { name: 'NAME', required: true, help: 'TenantPolicy name; also the tenant id unless --tenant-id' },
  ],
  flags: [
    {
      name: 'tier',
      type: 'enum',
      values: TIERS,
      placeholder: TIERS.join('|'),
      help: 'service tier (required)',
    },
    {
      name: 'model',
      type: 'string',
      placeholder: 'PROVIDER/MODEL',
      help: 'primary model, e.g. openai/gpt-4o',
    },
    {
      name: 'fallback',
      type: 'string',
      multiple: true,
      placeholder: 'PROVIDER/MODEL',
      help: 'fallback model, tried in the order given',
    },
    { name: 'tenant-id', type: 'string', placeholder: 'ID', help: 'tenant id if not NAME (a DNS label)' },
    {
      name: 'display-name',
      type: 'string',
      placeholder: 'TEXT',
      help: 'human-readable name ({{tenant_name}})',
    },
    {
      name: 'secret-name',
      type: 'string',
      placeholder: 'NAME',
      help: 'Secret for the key (default NAME-api-key)',
    },
    DRY_RUN_FLAG,
    ...WAIT_FLAGS,
    {
      name: 'output',
      short: 'o',
      type: 'enum',
      values: ['json', 'yaml'],
      placeholder: 'json|yaml',
      help: 'print {tenantPolicy, secret, apiKey} instead of the summary',
    },
  ],
  examples: [
    'kubectl sluice create tenant acme --tier pro --model openai/gpt-4o --fallback openai/gpt-4o-mini',
  ],
  notes: ['The API key is printed once. Sluice keeps only its SHA-256 hash outside the Secret.'],
  run,
};

export function parseModel(text: string, flag: string): ModelRef {
  const slash = text.indexOf('/');
  const provider = text.slice(0, slash);
  const model = text.slice(slash + 1);
  if (slash <= 0 || !PROVIDER.test(provider) || model.length === 0 || model.length > 128) {
    throw new SluiceError(
      'SLUICE_ARGUMENT_INVALID',
      `${flag} ${JSON.stringify(text)} is not PROVIDER/MODEL (provider: lowercase letters, digits, "-"; model: 1-128 characters), e.g. openai/gpt-4o`,
    );
  }
  return { provider, model };
}

async function run(ctx: CommandContext): Promise<number> {
  const v = ctx.values;
  const name = ctx.positionals[0]!;
  if (!DNS_LABEL.test(name)) {
    throw new SluiceError(
      'SLUICE_ARGUMENT_INVALID',
      `NAME ${JSON.stringify(name)} is not a DNS label (lowercase letters, digits, "-", at most 63)`,
    );
  }
  if (v['tier'] === undefined)
    throw new SluiceError(
      'SLUICE_ARGUMENT_INVALID',
      `create tenant ${name} needs --tier (${TIERS.join(', ')})`,
    );
  const tenantId = (v['tenant-id'] as string | undefined) ?? name;
  if (!DNS_LABEL.test(tenantId)) {
    throw new SluiceError(
      'SLUICE_ARGUMENT_INVALID',
      `--tenant-id ${JSON.stringify(tenantId)} is not a DNS label (spec.tenantId)`,
    );
  }
  const fallbacks = (v['fallback'] as string[]).map((f) => parseModel(f, '--fallback'));
  if (fallbacks.length > 0 && v['model'] === undefined) {
    throw new SluiceError(
      'SLUICE_ARGUMENT_INVALID',
      '--fallback needs --model, the primary it falls back from',
    );
  }
  const secretName = (v['secret-name'] as string | undefined) ?? `${name}-api-key`;
  if (!DNS_LABEL.test(secretName)) {
    throw new SluiceError(
      'SLUICE_ARGUMENT_INVALID',
      `--secret-name ${JSON.stringify(secretName)} is not a DNS label`,
    );
  }
  const spec: TenantPolicySpec = {
    tenantId,
    tier: v['tier'] as TenantPolicySpec['tier'],
    ...(v['display-name'] ? { displayName: String(v['display-name']) } : {}),
    ...(v['model'] !== undefined
      ? {
          models: {
            primary: parseModel(String(v['model']), '--model'),
            ...(fallbacks.length ? { fallbacks } : {}),
          },
        }
      : {}),
    apiKeySecretRef: { name: secretName, key: 'api-key' },
  };
  const cluster = await ctx.cluster();
  const ns = cluster.namespace;
  const policy = {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'kubectl-sluice' } },
    spec,
  };
  // Loaded on demand: compiling the schema and its CEL rules costs half a second of start-up.
  const { validateTenantPolicy } = await import('../../../policy/schema/validate.ts');
  const checked = validateTenantPolicy(policy);
  if (!checked.valid) {
    throw new SluiceError(
      'SLUICE_POLICY_INVALID',
      `tenant ${name}: ${checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
  }
  const apiKey = `sk-sluice-${randomBytes(32).toString('base64url')}`;
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secretName,
      namespace: ns,
      labels: { 'app.kubernetes.io/managed-by': 'kubectl-sluice', 'sluice.dev/tenant': tenantId },
    },
    type: 'Opaque',
    stringData: { 'api-key': apiKey },
  };
  const dryRun = v['dry-run'] as DryRun;
  const redacted = { ...secret, stringData: { 'api-key': '<generated when created; printed once>' } };
  if (dryRun === 'client') {
    ctx.io.stdout.write(yaml(redacted) + '---\n' + yaml(policy));
    return 0;
  }
  const subject = `tenant ${JSON.stringify(name)}`;
  await refuseExisting(cluster, name, tenantId);
  const user = await whoAmI(cluster);
  const query = { fieldManager: fieldManagerFor(user), ...(dryRun === 'server' ? { dryRun: 'All' } : {}) };

  try {
    await cluster.client.request('POST', secretPath(ns), { body: secret, query });
  } catch (error) {
    if (error instanceof KubeApiError && error.statusCode === 409) {
      throw new SluiceError(
        'SLUICE_TENANT_EXISTS',
        `${subject}: Secret ${ns}/${secretName} already exists and keys are never overwritten; delete it or give --secret-name`,
      );
    }
    throw kubeError(error, { subject, action: `create Secret ${ns}/${secretName}` });
  }
  let created: TenantPolicyObject;
  try {
    created = await cluster.client.request<TenantPolicyObject>('POST', policyCollection(ns), {
      body: policy,
      query,
    });
  } catch (error) {
    if (dryRun === 'none') {
      await cluster.client.request('DELETE', secretPath(ns, secretName)).catch(() => undefined);
    }
    throw kubeError(error, {
      subject,
      action: `create TenantPolicy ${ns}/${name} (the Secret was removed again)`,
    });
  }
  if (dryRun === 'server') {
    if (v['output'] === 'json') ctx.io.stdout.write(json({ tenantPolicy: created, secret: redacted }));
    else if (v['output'] === 'yaml') ctx.io.stdout.write(yaml({ tenantPolicy: created, secret: redacted }));
    else
      ctx.io.stdout.write(
        `${describeTarget(created)} and secret/${secretName} would be created (dry run: server, nothing stored)\n`,
      );
    return 0;
  }
  const startedAt = ctx.now();
  // The Secret goes with the policy when it is deleted (garbage collection by owner).
  await cluster.client
    .request('PATCH', secretPath(ns, secretName), {
      body: {
        metadata: {
          ownerReferences: [
            {
              apiVersion: API_VERSION,
              kind: KIND,
              name,
              uid: created.metadata.uid,
              blockOwnerDeletion: false,
            },
          ],
        },
      },
      contentType: 'application/merge-patch+json',
      query: { fieldManager: query.fieldManager },
    })
    .catch((error: unknown) =>
      ctx.io.stderr.write(
        `warning: secret/${secretName} is not owned by the policy (${kubeError(error, {}).message})\n`,
      ),
    );
  const output = v['output'] as string | undefined;
  if (!output) {
    const models = spec.models
      ? `, model ${spec.models.primary.provider}/${spec.models.primary.model}${(spec.models.fallbacks ?? []).map((f) => ` → ${f.provider}/${f.model}`).join('')}`
      : '';
    ctx.io.stdout.write(`${describeTarget(created)} created (tier ${spec.tier}${models})\n`);
    ctx.io.stdout.write(`secret/${secretName} created\n`);
    ctx.io.stdout.write(`API key (shown once; store it now): ${apiKey}\n`);
  }
  if (v['wait'] === false) {
    if (output) writeDoc(ctx, output, created, secretName, apiKey);
    return 0;
  }
  const effect = await waitForEffect(ctx, created, { timeoutMs: v['timeout'] as number, subject }).catch(
    (error: unknown) => {
      // The key must not be lost to a timeout: print it with the error.
      if (output) writeDoc(ctx, output, created, secretName, apiKey);
      throw error;
    },
  );
  if (output) writeDoc(ctx, output, effect.policy, secretName, apiKey);
  else ctx.io.stdout.write(`live: ${effectLine(effect, startedAt, ctx.now())}\n`);
  return effectExit(effect);
}

function writeDoc(
  ctx: CommandContext,
  output: string,
  policy: unknown,
  secretName: string,
  apiKey: string,
): void {
  const doc = { tenantPolicy: policy, secret: { name: secretName, key: 'api-key' }, apiKey };
  ctx.io.stdout.write(output === 'json' ? json(doc) : yaml(doc));
}

async function refuseExisting(cluster: Cluster, name: string, tenantId: string): Promise<void> {
  const ns = cluster.namespace;
  const exists = async (path: string) => {
    try {
      await cluster.client.request('GET', path);
      return true;
    } catch (error) {
      if (
        error instanceof KubeApiError &&
        error.statusCode === 404 &&
        (error.body as { details?: { name?: string } })?.details?.name
      )
        return false;
      throw kubeError(error, { subject: `tenant ${JSON.stringify(name)}`, action: 'check what exists' });
    }
  };
  if (await exists(policyPath(ns, name))) {
    throw new SluiceError(
      'SLUICE_TENANT_EXISTS',
      `TenantPolicy ${ns}/${name} already exists; change it (override, suspend) or pick another NAME`,
    );
  }
  // Tenant ids are unique in the installation: look in every namespace we may read.
  const users = await findByTenantId(cluster, null, tenantId).catch(() =>
    findByTenantId(cluster, ns, tenantId),
  );
  if (users[0]) {
    throw new SluiceError(
      'SLUICE_TENANT_EXISTS',
      `tenant id ${tenantId} is already used by TenantPolicy ${users[0].metadata.namespace}/${users[0].metadata.name}; give --tenant-id another`,
    );
  }
  // The Secret is not read (that would need permission to read keys): its create refuses a name in use.
}
