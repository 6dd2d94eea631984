/**
 * Test support for the egress (used by its tests and bench/egress-overhead.ts): the example
 * tenants as a Map-backed PolicyView (computeEffectivePolicy over examples/tenants), both fake
 * providers, and an egress listening on 127.0.0.1 port 0 wired to them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import pino from 'pino';
import prom from 'prom-client';
import { startAnthropicFake } from '../../cli/noisy-neighbor/fakes/anthropic-server.ts';
import { type FakeProvider, startOpenAIFake } from '../../cli/noisy-neighbor/fakes/openai-server.ts';
import { parseYamlDocuments } from '../../policy/documents.ts';
import { computeEffectivePolicy, type EffectivePolicy } from '../../policy/effective.ts';
import type { TenantPolicySpec } from '../../policy/schema/tenant-policy.ts';
import type { TenantRecord } from '../../policy/wire.ts';
import type { PolicyView } from '../../sidecar/config/policy-view.ts';
import { buildEgressApp, type EgressDeps } from '../../sidecar/egress/app.ts';
import { type EgressSettings, parseEgressSettings } from '../../sidecar/egress/settings.ts';

const TENANTS_DIR = new URL('../../examples/tenants/', import.meta.url);

/** Every TenantPolicy spec under examples/tenants, by tenant id. */
export function exampleSpecs(): Map<string, TenantPolicySpec> {
  const specs = new Map<string, TenantPolicySpec>();
  for (const file of readdirSync(TENANTS_DIR).filter((f) => f.endsWith('.yaml'))) {
    const { objects } = parseYamlDocuments(readFileSync(new URL(file, TENANTS_DIR), 'utf8'), file);
    for (const { object } of objects) {
      const o = object as { kind?: string; spec?: TenantPolicySpec };
      if (o.kind === 'TenantPolicy' && o.spec) specs.set(o.spec.tenantId, o.spec);
    }
  }
  return specs;
}

export class MapPolicyView implements PolicyView {
  readonly records = new Map<string, TenantRecord>();

  set(policy: EffectivePolicy): void {
    this.records.set(policy.tenantId, { policy, apiKeyHashes: [], source: 'test', generation: 0 });
  }

  byTenant(tenantId: string): TenantRecord | undefined {
    return this.records.get(tenantId);
  }

  byKeyHash(): TenantRecord | undefined {
    return undefined;
  }

  ready(): boolean {
    return true;
  }
}

/** The example tenants' effective policies at `now`, each optionally edited first. */
export function examplePolicies(
  now: number,
  edit: (spec: TenantPolicySpec) => TenantPolicySpec = (s) => s,
): MapPolicyView {
  const view = new MapPolicyView();
  for (const spec of exampleSpecs().values())
    view.set(computeEffectivePolicy(edit(structuredClone(spec)), new Date(now)));
  return view;
}

export interface EgressRig {
  app: FastifyInstance;
  url: string;
  openai: FakeProvider;
  anthropic: FakeProvider;
  policies: MapPolicyView;
  registry: prom.Registry;
  settings: EgressSettings;
  clock: { now: number };
  close(): Promise<void>;
}

export interface RigOptions {
  redis?: Redis | null;
  keyPrefix?: string;
  policies?: (now: number) => MapPolicyView;
  env?: Record<string, string>;
  /** Use the real clock (benchmarks) instead of the settable one. */
  realClock?: boolean;
}

/** Fakes + egress on port 0. The clock is settable (`rig.clock.now`) for breaker tests. */
export async function startEgressRig(options: RigOptions = {}): Promise<EgressRig> {
  const [openai, anthropic] = await Promise.all([startOpenAIFake(), startAnthropicFake()]);
  const clock = { now: Date.UTC(2026, 2, 14, 12, 0, 0) };
  const now = options.realClock ? () => Date.now() : () => clock.now;
  const settings = parseEgressSettings({
    env: {
      SLUICE_PROVIDERS: 'openai,anthropic',
      SLUICE_PROVIDER_OPENAI_FORMAT: 'openai-compatible',
      SLUICE_PROVIDER_OPENAI_URL: openai.url,
      SLUICE_PROVIDER_OPENAI_KEY: 'sk-test-openai',
      SLUICE_PROVIDER_ANTHROPIC_FORMAT: 'anthropic',
      SLUICE_PROVIDER_ANTHROPIC_URL: anthropic.url,
      SLUICE_PROVIDER_ANTHROPIC_KEY: 'sk-ant-test',
      SLUICE_PROVIDER_OPENAI_TIMEOUT_MS: '2000',
      SLUICE_PROVIDER_ANTHROPIC_TIMEOUT_MS: '2000',
      SLUICE_BREAKER_FAILURES: '3',
      SLUICE_BREAKER_COOLDOWN_MS: '10000',
      ...options.env,
    },
    keyPrefix: options.keyPrefix ?? 'sluice-test-egress:',
  });
  const policies = (options.policies ?? ((t) => examplePolicies(t)))(now());
  const registry = new prom.Registry();
  const deps: EgressDeps = {
    policies,
    redis: options.redis ?? null,
    registry,
    logger: pino({ level: process.env['LOG_LEVEL'] ?? 'silent' }),
    now,
    settings,
  };
  const app = await buildEgressApp(deps);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    url,
    openai,
    anthropic,
    policies,
    registry,
    settings,
    clock,
    async close() {
      await app.close();
      await Promise.all([openai.close(), anthropic.close()]);
    },
  };
}
