/**
 * Runs the webhooks: the serving certificate (a Secret, generated and rotated before expiry),
 * the HTTPS server, and — unless the chart owns them — both webhook configurations with the
 * caBundle. During a rotation the caBundle carries the new and the previous CA, so replicas
 * still serving the old certificate stay trusted until they reload.
 */
import type { Logger } from 'pino';
import { isConflict, isNotFound, type KubeClient } from '../kube/client.ts';
import type { OperatorSettings } from '../settings.ts';
import { type CertBundle, generateCerts, needsRenewal } from './certs.ts';
import { injectionPatch } from './inject-sidecar.ts';
import { startWebhookServer, type WebhookServer } from './server.ts';
import { validatePolicyAdmission } from './validate-policy.ts';

interface SecretData {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  data?: Record<string, string>;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

export const PATHS = { validatePolicy: '/validate/tenantpolicy', mutatePod: '/mutate/pod' } as const;

export class WebhookManager {
  private readonly client: KubeClient;
  private readonly settings: Readonly<OperatorSettings>;
  private readonly log: Logger;
  private readonly now: () => number;
  private server: WebhookServer | null = null;
  private bundle: CertBundle | null = null;
  private caBundle = '';
  private timer: NodeJS.Timeout | null = null;
  private readonly namespaceCache = new Map<
    string,
    {
      at: number;
      meta: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;
    }
  >();

  constructor(
    client: KubeClient,
    settings: Readonly<OperatorSettings>,
    log: Logger,
    now: () => number = Date.now,
  ) {
    this.client = client;
    this.settings = settings;
    this.log = log;
    this.now = now;
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  private sans(): { dnsNames: string[]; ips: string[] } {
    const w = this.settings.webhook;
    const dnsNames = [
      `${w.serviceName}.${w.serviceNamespace}.svc`,
      `${w.serviceName}.${w.serviceNamespace}.svc.cluster.local`,
      'localhost',
    ];
    return { dnsNames, ips: ['127.0.0.1'] };
  }

  async start(): Promise<void> {
    await this.ensureCertificate();
    const sidecar = this.settings.sidecar;
    this.server = await startWebhookServer({
      host: this.settings.webhook.host,
      port: this.settings.webhook.port,
      cert: this.bundle!.cert,
      key: this.bundle!.key,
      log: this.log,
      routes: {
        [PATHS.validatePolicy]: (request) => validatePolicyAdmission(request),
        [PATHS.mutatePod]: async (request) => {
          const pod = (request.object ?? {}) as Parameters<typeof injectionPatch>[0];
          const ns = await this.namespaceMeta(String(request.namespace ?? ''));
          const patch = injectionPatch(pod, ns, sidecar);
          if (!patch) return { uid: request.uid, allowed: true };
          return {
            uid: request.uid,
            allowed: true,
            patchType: 'JSONPatch',
            patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
          };
        },
      },
    });
    if (this.settings.webhook.manageConfigurations) await this.writeConfigurations();
    // Check hourly; a rotation happens when less than certRenewBeforeMs (30 days) is left.
    this.timer = setInterval(() => {
      this.rotateIfNeeded().catch((err) =>
        this.log.warn({ err: String(err) }, 'webhook certificate check failed'),
      );
    }, 3_600_000);
    this.timer.unref();
  }

  /** Loads the pair from the Secret; generates and stores a new one when missing or expiring. */
  async ensureCertificate(): Promise<boolean> {
    const w = this.settings.webhook;
    const path = `/api/v1/namespaces/${w.certSecretNamespace}/secrets/${w.certSecretName}`;
    let secret: SecretData | null = null;
    try {
      secret = await this.client.request<SecretData>('GET', path);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const stored: CertBundle | null = secret?.data?.['tls.crt']
      ? {
          caCert: unb64(secret.data['ca.crt']),
          caKey: '',
          cert: unb64(secret.data['tls.crt']),
          key: unb64(secret.data['tls.key']),
        }
      : null;
    const required = [...this.sans().ips.map((i) => `IP Address:${i}`)];
    if (!needsRenewal(stored, this.now(), w.certRenewBeforeMs, required)) {
      const changed = stored!.cert !== this.bundle?.cert;
      this.bundle = stored;
      this.caBundle = stored!.caCert + unb64(secret!.data?.['prev-ca.crt']);
      return changed;
    }
    const fresh = await generateCerts({
      ...this.sans(),
      days: w.certValidityDays,
      commonName: `${w.serviceName}.${w.serviceNamespace}.svc`,
    });
    const body = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: w.certSecretName,
        namespace: w.certSecretNamespace,
        ...(secret ? { resourceVersion: secret.metadata.resourceVersion } : {}),
      },
      data: {
        'tls.crt': b64(fresh.cert),
        'tls.key': b64(fresh.key),
        'ca.crt': b64(fresh.caCert),
        'prev-ca.crt': b64(stored?.caCert ?? ''),
      },
    };
    try {
      if (secret) await this.client.request('PUT', path, { body });
      else await this.client.request('POST', `/api/v1/namespaces/${w.certSecretNamespace}/secrets`, { body });
    } catch (error) {
      // Another replica wrote it first: use theirs.
      if (isConflict(error)) return this.ensureCertificate();
      throw error;
    }
    this.log.info({ secret: `${w.certSecretNamespace}/${w.certSecretName}` }, 'webhook certificate issued');
    this.bundle = fresh;
    this.caBundle = fresh.caCert + (stored?.caCert ?? '');
    return true;
  }

  async rotateIfNeeded(): Promise<void> {
    if (!(await this.ensureCertificate())) return;
    // Trust first (both CAs), then serve the new certificate.
    if (this.settings.webhook.manageConfigurations) await this.writeConfigurations();
    this.server?.setCertificate(this.bundle!.cert, this.bundle!.key);
  }

  private clientConfig(path: string): Record<string, unknown> {
    const w = this.settings.webhook;
    const caBundle = b64(this.caBundle);
    if (w.url) {
      const base = w.url === 'auto' ? `https://${w.host}:${this.port}` : w.url.replace(/\/$/, '');
      return { url: `${base}${path}`, caBundle };
    }
    return { service: { name: w.serviceName, namespace: w.serviceNamespace, path, port: 443 }, caBundle };
  }

  private namespaceSelector(): Record<string, unknown> {
    const ns = this.settings.namespaces;
    const key = 'kubernetes.io/metadata.name';
    if (ns.length > 0) return { matchExpressions: [{ key, operator: 'In', values: [...ns] }] };
    return {
      matchExpressions: [
        { key, operator: 'NotIn', values: ['kube-system', this.settings.webhook.serviceNamespace] },
      ],
    };
  }

  async writeConfigurations(): Promise<void> {
    const w = this.settings.webhook;
    const common = {
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      timeoutSeconds: 5,
      namespaceSelector: this.namespaceSelector(),
    };
    /** One admission configuration holding one webhook: `kind` is Validating or Mutating. */
    const configuration = (kind: 'Validating' | 'Mutating', name: string, webhook: Record<string, unknown>) =>
      this.upsert(`/apis/admissionregistration.k8s.io/v1/${kind.toLowerCase()}webhookconfigurations`, {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: `${kind}WebhookConfiguration`,
        metadata: { name },
        webhooks: [{ ...webhook, ...common }],
      });
    await configuration('Validating', w.validatingName, {
      name: 'tenantpolicy.sluice.dev',
      clientConfig: this.clientConfig(PATHS.validatePolicy),
      rules: [
        {
          apiGroups: ['sluice.dev'],
          apiVersions: ['v1alpha1'],
          operations: ['CREATE', 'UPDATE'],
          resources: ['tenantpolicies'],
          scope: 'Namespaced',
        },
      ],
      failurePolicy: w.tenantPolicyFailurePolicy,
    });
    await configuration('Mutating', w.mutatingName, {
      name: 'sidecar.sluice.dev',
      clientConfig: this.clientConfig(PATHS.mutatePod),
      rules: [
        {
          apiGroups: [''],
          apiVersions: ['v1'],
          operations: ['CREATE'],
          resources: ['pods'],
          scope: 'Namespaced',
        },
      ],
      failurePolicy: w.podFailurePolicy,
      reinvocationPolicy: 'Never',
    });
  }

  private async upsert(
    collection: string,
    body: { metadata: { name: string } } & Record<string, unknown>,
  ): Promise<void> {
    const path = `${collection}/${body.metadata.name}`;
    for (let attempt = 0; attempt < 5; attempt++) {
      let existing: { metadata: { resourceVersion?: string } } | null = null;
      try {
        existing = await this.client.request('GET', path);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      try {
        if (existing) {
          await this.client.request('PUT', path, {
            body: {
              ...body,
              metadata: { ...body.metadata, resourceVersion: existing.metadata.resourceVersion },
            },
          });
        } else await this.client.request('POST', collection, { body });
        return;
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
  }

  private async namespaceMeta(name: string) {
    const hit = this.namespaceCache.get(name);
    if (hit && this.now() - hit.at < 30_000) return hit.meta;
    let meta: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;
    try {
      meta = (await this.client.request<{ metadata: typeof meta }>('GET', `/api/v1/namespaces/${name}`))
        .metadata;
    } catch (error) {
      this.log.warn({ namespace: name, err: String(error) }, 'could not read namespace for injection');
    }
    this.namespaceCache.set(name, { at: this.now(), meta });
    return meta;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.server?.close();
  }
}
