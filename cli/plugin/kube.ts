/**
 * The plugin's view of the cluster: the user's kubeconfig (client-node's KubeConfig: files,
 * contexts, tokens, exec plugins, impersonation) through the operator's REST client
 * (operator/kube/client.ts), who the user is (SelfSubjectReview), and API errors turned into
 * registry errors that name the tenant, the verb and what to do.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, KubeClient } from '../../operator/kube/client.ts';
import { type ErrorCode, SluiceError } from '../../policy/errors.ts';
import { GROUP, PLURAL, VERSION } from '../../policy/schema/tenant-policy.ts';
import { nearest } from './flags.ts';

export interface Cluster {
  client: KubeClient;
  namespace: string;
  context: string;
  /** The kubeconfig's user entry name (a fallback for who you are). */
  kubeconfigUser: string;
  close(): Promise<void>;
}

export interface ClusterOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export function connectCluster(options: ClusterOptions): Cluster {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig && !options.kubeconfig.includes(':')) kc.loadFromFile(options.kubeconfig);
    else if (options.kubeconfig) {
      // KUBECONFIG may list several files, like kubectl's: client-node merges them from the env.
      const saved = process.env['KUBECONFIG'];
      process.env['KUBECONFIG'] = options.kubeconfig;
      try {
        kc.loadFromDefault();
      } finally {
        if (saved === undefined) delete process.env['KUBECONFIG'];
        else process.env['KUBECONFIG'] = saved;
      }
    } else kc.loadFromDefault();
  } catch (error) {
    throw new SluiceError(
      'SLUICE_ARGUMENT_INVALID',
      `cannot read the kubeconfig ${options.kubeconfig ?? '(default)'}: ${(error as Error).message}`,
    );
  }
  if (options.context) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(options.context)) {
      const guess = nearest(options.context, names);
      throw new SluiceError(
        'SLUICE_ARGUMENT_INVALID',
        `--context ${JSON.stringify(options.context)} is not in the kubeconfig (contexts: ${names.join(', ') || 'none'})${guess ? `; did you mean ${guess}?` : ''}`,
      );
    }
    kc.setCurrentContext(options.context);
  }
  const context = kc.getCurrentContext();
  const contextObject = kc.getContextObject(context);
  let client: KubeClient;
  try {
    client = new KubeClient(kc);
  } catch (error) {
    throw new SluiceError(
      'SLUICE_ARGUMENT_INVALID',
      `the kubeconfig context ${JSON.stringify(context)} has no cluster (${(error as Error).message}); pick one with --context`,
    );
  }
  return {
    client,
    namespace: options.namespace ?? contextObject?.namespace ?? 'default',
    context,
    kubeconfigUser: kc.getCurrentUser()?.name ?? 'unknown',
    close: () => client.close(),
  };
}

export const POLICIES = `/apis/${GROUP}/${VERSION}`;
export const policyCollection = (namespace: string | null) =>
  namespace === null ? `${POLICIES}/${PLURAL}` : `${POLICIES}/namespaces/${namespace}/${PLURAL}`;
export const policyPath = (namespace: string, name: string) =>
  `${policyCollection(namespace)}/${encodeURIComponent(name)}`;
export const secretPath = (namespace: string, name?: string) =>
  `/api/v1/namespaces/${namespace}/secrets${name ? `/${encodeURIComponent(name)}` : ''}`;

/**
 * Who the API server says you are: a SelfSubjectReview (authentication.k8s.io/v1, GA since
 * Kubernetes 1.28), which also sees through impersonation and exec plugins. On older servers,
 * the kubeconfig's user name, marked as such.
 */
export async function whoAmI(cluster: Cluster): Promise<string> {
  try {
    const review = await cluster.client.request<{ status?: { userInfo?: { username?: string } } }>(
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
    );
    const name = review.status?.userInfo?.username;
    if (name) return name;
  } catch (error) {
    if (!(error instanceof KubeApiError) || error.statusCode !== 404) throw kubeError(error, {});
  }
  return `kubeconfig-user:${cluster.kubeconfigUser}`;
}

export interface ErrorContext {
  /** What the user named, e.g. 'tenant "acme"'. */
  subject?: string;
  /** What we tried, e.g. "patch TenantPolicy sluice/acme". */
  action?: string;
  server?: string;
}

/** Any failure talking to the API server → a SluiceError with a registry code. */
export function kubeError(error: unknown, ctx: ErrorContext): SluiceError {
  if (error instanceof SluiceError) return error;
  const prefix = [ctx.subject, ctx.action].filter(Boolean).join(': ');
  const detail = (text: string) => (prefix ? `${prefix}: ${text}` : text);
  if (error instanceof KubeApiError) {
    const body = error.body as {
      message?: string;
      details?: { name?: string; kind?: string; causes?: { field?: string; message?: string }[] };
    } | null;
    const message = typeof body === 'object' && body?.message ? body.message : error.message;
    const code: ErrorCode | null =
      error.statusCode === 401
        ? 'SLUICE_UNAUTHENTICATED'
        : error.statusCode === 403
          ? 'SLUICE_FORBIDDEN'
          : error.statusCode === 404 && !body?.details?.name
            ? 'SLUICE_CRD_NOT_INSTALLED'
            : error.statusCode === 404
              ? 'SLUICE_TENANT_NOT_FOUND'
              : error.statusCode === 409
                ? 'SLUICE_TENANT_EXISTS'
                : error.statusCode === 422 || error.statusCode === 400
                  ? 'SLUICE_POLICY_INVALID'
                  : null;
    if (code === 'SLUICE_POLICY_INVALID') {
      const causes = (body?.details?.causes ?? [])
        .map((c) => `${c.field ?? '?'}: ${c.message ?? ''}`)
        .join('; ');
      return new SluiceError(code, detail(causes || message), { cause: error });
    }
    if (code) return new SluiceError(code, detail(message), { cause: error });
    return new SluiceError(
      'SLUICE_CLUSTER_UNREACHABLE',
      detail(`the API server answered ${error.statusCode} ${error.reason}: ${message}`),
      { cause: error },
    );
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const text = cause?.code
    ? `${cause.code} ${cause.message ?? ''}`.trim()
    : String((error as Error)?.message ?? error);
  return new SluiceError(
    'SLUICE_CLUSTER_UNREACHABLE',
    detail(`${ctx.server ? `${ctx.server}: ` : ''}${text}`),
    { cause: error },
  );
}
