/**
 * Every Sluice listener, real and on port 0, with a point where the next request throws a value
 * of the test's choosing: the ingress (the limiter), the egress in both wire shapes (the policy
 * view), the sidecar admin (/readyz) and metrics listeners, the operator's metrics/health listener
 * (its readiness callback) and its admission webhook (its route table). Shared by
 * test/errors/every-code.test.ts and test/fuzz/thrown-values.test.ts (docs/adr/0036-structured-errors.md).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { OperatorMetrics, serveMetrics } from '../../operator/metrics.ts';
import { generateCerts } from '../../operator/webhooks/certs.ts';
import { startWebhookServer } from '../../operator/webhooks/server.ts';
import { SLUICE_HEADERS } from '../../policy/wire.ts';
import { exampleKeys, startSidecarRig } from '../fuzz/rig.ts';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface Listener {
  name: string;
  /** The body shape this listener answers in. */
  shape: 'sluice' | 'anthropic';
  /** Until `restore`, the request of `send` throws what `thrower` throws. */
  inject(thrower: () => never): void;
  restore(): void;
  /** The request that reaches the injection point. */
  send(): Promise<Answer>;
  /** A request that succeeds when nothing is injected. */
  healthy(): Promise<Answer>;
}

export function call(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {},
): Promise<Answer> {
  const https = url.startsWith('https:');
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(
      url,
      {
        method: options.method ?? 'GET',
        headers: {
          ...options.headers,
          ...(options.body !== undefined
            ? { 'content-length': String(Buffer.byteLength(options.body)) }
            : {}),
        },
        agent: false,
        ...(https ? { ca: options.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface Listeners {
  all: Listener[];
  close(): Promise<void>;
}

/** Every listener startListeners serves, in its order (test/errors/every-code.test.ts checks they agree). */
export const LISTENER_NAMES = [
  'ingress',
  'egress (OpenAI)',
  'egress (Anthropic)',
  'sidecar admin',
  'sidecar metrics',
  'operator metrics',
  'operator webhook',
] as const;

/** Starts the listeners before the tests of the describe block it is called in and closes them after. */
export function listenersForSuite(): () => Listeners {
  let listeners: Listeners | undefined;
  beforeAll(async () => {
    listeners = await startListeners();
  }, 60_000);
  afterAll(async () => listeners?.close());
  return () => listeners!;
}

export async function startListeners(): Promise<Listeners> {
  const rig = await startSidecarRig({ log: pino({ level: 'silent' }) });
  const { sidecar } = rig;
  const key = exampleKeys().get('acme-legal')!;
  const metricsUrl = `http://127.0.0.1:${sidecar.ports.metrics}`;

  let operatorReady: () => boolean = () => true;
  const operatorMetrics = await serveMetrics(new OperatorMetrics(() => 0), 0, () => operatorReady());

  let routeLookup: (() => never) | null = null;
  const certs = await generateCerts({
    dnsNames: ['localhost'],
    ips: ['127.0.0.1'],
    days: 1,
    commonName: 'sluice-test',
  });
  const table = { '/validate': (r: { uid: string }) => ({ uid: r.uid, allowed: true }) };
  const routes = new Proxy(table, {
    getOwnPropertyDescriptor(target, property) {
      if (routeLookup) routeLookup();
      return Reflect.getOwnPropertyDescriptor(target, property);
    },
  });
  const webhook = await startWebhookServer({
    host: '127.0.0.1',
    port: 0,
    cert: certs.cert,
    key: certs.key,
    routes,
    log: pino({ level: 'silent' }),
  });
  const review = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'u1' },
  });
  const webhookUrl = `https://127.0.0.1:${webhook.port}/validate`;

  const chat = JSON.stringify({ model: 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'hi' }] });
  const egressCall = (path: string, body: string) =>
    call(`${rig.egress}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SLUICE_HEADERS.tenant]: 'globex-support' },
      body,
    });
  const messages = JSON.stringify({
    model: 'gpt-3.5-turbo',
    max_tokens: 10,
    messages: [{ role: 'user', content: 'hi' }],
  });

  const limiterTake = sidecar.limiter.take;
  const byTenant = sidecar.policies.byTenant;
  const ready = sidecar.policies.ready;
  const scrape = sidecar.metrics.registry.metrics;
  /** A listener whose `send` and `healthy` are both GET `url`. */
  const getListener = (
    name: string,
    url: string,
    inject: (thrower: () => never) => void,
    restore: () => void,
  ): Listener => ({
    name,
    shape: 'sluice',
    inject,
    restore,
    send: () => call(url),
    healthy: () => call(url),
  });
  const egressListener = (name: string, shape: Listener['shape'], path: string, body: string): Listener => ({
    name,
    shape,
    inject: (thrower) => {
      sidecar.policies.byTenant = thrower;
    },
    restore: () => {
      sidecar.policies.byTenant = byTenant;
    },
    send: () => egressCall(path, body),
    healthy: () => egressCall('/v1/chat/completions', chat),
  });

  const all: Listener[] = [
    {
      name: 'ingress',
      shape: 'sluice',
      inject: (thrower) => {
        sidecar.limiter.take = thrower;
      },
      restore: () => {
        sidecar.limiter.take = limiterTake;
      },
      send: () =>
        call(`${rig.ingress}/v1/answer`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: '{"query":"q"}',
        }),
      healthy() {
        return this.send();
      },
    },
    egressListener('egress (OpenAI)', 'sluice', '/v1/chat/completions', chat),
    egressListener('egress (Anthropic)', 'anthropic', '/v1/messages', messages),
    getListener(
      'sidecar admin',
      `${rig.admin}/readyz`,
      (thrower) => (sidecar.policies.ready = thrower),
      () => (sidecar.policies.ready = ready),
    ),
    getListener(
      'sidecar metrics',
      `${metricsUrl}/metrics`,
      (thrower) => (sidecar.metrics.registry.metrics = async () => thrower()),
      () => (sidecar.metrics.registry.metrics = scrape),
    ),
    getListener(
      'operator metrics',
      `http://127.0.0.1:${operatorMetrics.port}/readyz`,
      (thrower) => (operatorReady = thrower),
      () => (operatorReady = () => true),
    ),
    {
      name: 'operator webhook',
      shape: 'sluice',
      inject: (thrower) => {
        routeLookup = thrower;
      },
      restore: () => {
        routeLookup = null;
      },
      send: () =>
        call(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: review,
          ca: certs.caCert,
        }),
      healthy: () =>
        call(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: review,
          ca: certs.caCert,
        }),
    },
  ];
  return {
    all,
    async close() {
      for (const l of all) l.restore();
      await Promise.allSettled([rig.close(), operatorMetrics.close(), webhook.close()]);
    },
  };
}
