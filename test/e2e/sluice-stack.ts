/**
 * A whole Sluice on the dev control plane for the kubectl-sluice tests and transcript: the CRD,
 * a namespace, a throw-away Postgres database, the operator (in process, this namespace only, a
 * 1 s usage rollup), a fake OpenAI, a fake RAG app that makes one LLM call per request through
 * the sidecar's egress, and a real sidecar child process in Redis mode beside it.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { LOOPBACK_FLAGS, type SidecarProcess, spawnSidecar } from '../../bench/lib/sidecar-process.ts';
import { type FakeProvider, startOpenAIFake } from '../../cli/noisy-neighbor/fakes/openai-server.ts';
import { type RagApp, startRagApp } from '../../cli/noisy-neighbor/fakes/rag-app.ts';
import type { OperatorHandle } from '../../operator/main.ts';
import { devEnv } from '../harness/env.ts';
import { startOperatorSuite } from '../support/operator-suite.ts';
import { answerStatus } from '../support/sidecar.ts';

export interface SluiceStack {
  namespace: string;
  prefix: string;
  kubeconfig: string;
  redisUrl: string;
  databaseUrl: string;
  operator: OperatorHandle;
  llm: FakeProvider;
  app: RagApp;
  sidecar: SidecarProcess & { ports: SidecarProcess['ports'] & { egress: number } };
  /** The environment a user of the plugin would have (KUBECONFIG, REDIS_URL, …). */
  env: Record<string, string>;
  /** POST /v1/answer through the sidecar with a tenant key; resolves the status code. */
  ask(apiKey: string): Promise<number>;
  /** The version the sidecar serves for a tenant ('' when none). */
  served(tenantId: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Watches the version the sidecar serves for `tenantId`, polling every `pollMs`, until it is no
 * longer `before`: resolves with performance.now() at that moment, or 0 if not within 60 s of `t0`.
 */
export async function whenServedChanges(
  stack: Pick<SluiceStack, 'served'>,
  tenantId: string,
  before: string,
  t0: number,
  pollMs: number,
): Promise<number> {
  while (performance.now() - t0 < 60_000) {
    if ((await stack.served(tenantId)) !== before) return performance.now();
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return 0;
}

export async function startSluiceStack(options: { heartbeatMs?: number } = {}): Promise<SluiceStack> {
  const env = devEnv();
  const suffix = randomBytes(3).toString('hex');
  const suite = await startOperatorSuite({
    name: 'kp',
    args: [
      '--rollup-interval-ms',
      '1000',
      '--log-level',
      'warn',
      '--identity',
      `kubectl-sluice-test-${suffix}`,
    ],
    log: pino({ level: 'warn' }),
  });
  const { namespace, prefix, op: operator } = suite;
  const db = { url: suite.databaseUrl };
  const llm = await startOpenAIFake();
  let egress = 0;
  const app = await startRagApp({
    onServe: async (tenant) => {
      if (!egress || !tenant) return;
      const r = await fetch(`http://127.0.0.1:${egress}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-sluice-tenant': tenant },
        body: JSON.stringify({
          messages: [{ role: 'user', content: 'What does clause 4, say?' }],
          max_tokens: 50,
        }),
      });
      await r.arrayBuffer();
    },
  });
  const sidecar = (await spawnSidecar([
    '--redis-url',
    env.redisUrl,
    '--redis-prefix',
    prefix,
    '--upstream',
    app.url,
    ...LOOPBACK_FLAGS,
    '--heartbeat-ms',
    String(options.heartbeatMs ?? 2_000),
    '--replica-id',
    `sidecar-${suffix}`,
    '--provider',
    `openai=openai-compatible,${llm.url}`,
    '--price',
    'openai/gpt-4o=0.0025,0.01',
    '--log-level',
    'warn',
  ])) as SluiceStack['sidecar'];
  egress = sidecar.ports.egress;
  return {
    namespace,
    prefix,
    kubeconfig: env.kubeconfig,
    redisUrl: env.redisUrl,
    databaseUrl: db.url,
    operator,
    llm,
    app,
    sidecar,
    env: {
      KUBECONFIG: env.kubeconfig,
      REDIS_URL: env.redisUrl,
      SLUICE_REDIS_PREFIX: prefix,
      DATABASE_URL: db.url,
    },
    ask: (apiKey) =>
      answerStatus(sidecar.ports.ingress, apiKey, { query: 'what is in the contract?', top_k: 3 }),
    async served(tenantId) {
      const r = await fetch(`http://127.0.0.1:${sidecar.ports.admin}/policies/${tenantId}`);
      if (r.status !== 200) return '';
      return ((await r.json()) as { version: string }).version;
    },
    async close() {
      await sidecar.stop();
      await suite.stop();
      await app.close();
      await llm.close();
    },
  };
}
